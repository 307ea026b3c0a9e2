"""flowdex ingest cwl://LOG_GROUP against moto_server's CloudWatch Logs (issue #19 part 3):
every event of a flow log's log group stored once, as the same documents as the same lines
from a file; a stream-prefix filter; a rerun reads only what arrived since; and kill -9 at
random moments of a paged backfill, then a resume, stores every event exactly once."""
import json
import os
import random
import signal
import subprocess
import time
import unittest
from collections import Counter

from harness import FLOWDEX, MotoTestCase, generate_objects, run_flowdex



def query_sources(data_dir, query=None):
    body = {"size": 10000, "track_total_hits": True, "query": query or {"match_all": {}}}
    out = subprocess.run([FLOWDEX, "query", "--data", data_dir, json.dumps(body)], check=True, capture_output=True,
                         text=True).stdout
    return [json.dumps(h["_source"], sort_keys=True) for h in json.loads(out)["hits"]["hits"]]


class CloudWatchLogsTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.logs = self.moto.client("logs")
        self.data = os.path.join(self.dir, "data")
        # One log group per test (the moto server is shared by the class).
        self.group = f"/aws/vpc/flow-logs/{self._testMethodName}"

    def put_lines(self, stream, lines, base_ms):
        """Puts flow-log lines as events (CloudWatch Logs delivery: one record an event, no header)."""
        try:
            self.logs.create_log_stream(logGroupName=self.group, logStreamName=stream)
        except self.logs.exceptions.ResourceAlreadyExistsException:
            pass
        for i in range(0, len(lines), 1000):
            chunk = lines[i:i + 1000]
            # Several events share each millisecond, as a busy interface's do.
            self.logs.put_log_events(logGroupName=self.group, logStreamName=stream, logEvents=[
                {"timestamp": base_ms + (i + j) // 3, "message": m} for j, m in enumerate(chunk)])

    def ingest(self, *extra, url=None, check=True):
        return run_flowdex(["ingest", url or f"cwl://{self.group}", "--data", self.data, *extra], self.moto.env(),
                           check=check)

    def generated_lines(self, records, seed, fields="v2"):
        [(path, _)] = generate_objects(os.path.join(self.dir, f"gen-{seed}"), records, 1, seed=seed, fields=fields)
        import gzip
        with gzip.open(path, "rt") as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
        return lines[0], lines[1:]

    def test_backfill_rerun_and_stream_prefix(self):
        self.logs.create_log_group(logGroupName=self.group)
        _, a = self.generated_lines(3000, 31)
        _, b = self.generated_lines(1000, 32)
        base = int(time.time() * 1000) - 3_600_000
        self.put_lines("eni-0aaa-all", a, base)
        self.put_lines("eni-0bbb-all", b, base + 500)
        p = self.ingest("--cwl-page-size", "700")
        self.assertIn("4000 records stored", p.stderr)
        # The same lines from a file give the same documents.
        ref = os.path.join(self.dir, "ref")
        os.makedirs(ref)
        with open(os.path.join(ref, "flows.log"), "w") as f:
            f.write("\n".join(a + b) + "\n")
        run_flowdex(["ingest", "--data", os.path.join(self.dir, "refdata"), ref], dict(os.environ))
        self.assertEqual(Counter(query_sources(self.data)), Counter(query_sources(os.path.join(self.dir, "refdata"))))

        # A rerun reads from the checkpoint: nothing is stored twice; new events are read.
        p = self.ingest("--cwl-page-size", "700")
        self.assertIn("0 records stored", p.stderr)
        self.assertIn("resumed", p.stderr)
        _, c = self.generated_lines(500, 33)
        self.put_lines("eni-0bbb-all", c, int(time.time() * 1000) - 60_000)
        p = self.ingest()
        self.assertIn("500 records stored", p.stderr)
        self.assertEqual(len(query_sources(self.data)), 4500)

        # Only the streams of a prefix (a store of its own).
        other = os.path.join(self.dir, "prefix")
        p = run_flowdex(["ingest", f"cwl://{self.group}?stream-prefix=eni-0aaa", "--data", other], self.moto.env())
        self.assertIn("3000 records stored", p.stderr)

        # A log group that does not exist: a clear error, exit 1.
        p = self.ingest(url="cwl:///aws/vpc/missing", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("ResourceNotFoundException", p.stderr)

    def test_kill_and_resume_store_every_event_once(self):
        self.logs.create_log_group(logGroupName=self.group)
        header, v5 = self.generated_lines(6000, 41, fields="v5")
        base = int(time.time() * 1000) - 7_200_000
        self.put_lines("eni-0ccc-all", v5[:3000], base)
        self.put_lines("eni-0ddd-all", v5[3000:], base + 10)
        rng = random.Random(7)
        kills = 0
        for _ in range(6):
            proc = subprocess.Popen([FLOWDEX, "ingest", f"cwl://{self.group}", "--data", self.data, "--format", "v5",
                                     "--cwl-page-size", "150"], env=self.moto.env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.6))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        self.assertGreaterEqual(kills, 2, "some runs were killed midway")
        p = self.ingest("--format", "v5", "--cwl-page-size", "150")
        self.assertEqual(p.returncode, 0)
        docs = query_sources(self.data)
        self.assertEqual(len(docs), 6000, "every event once, none twice")
        run_flowdex(["check", "--data", self.data], os.environ)
        # And they are the v5 documents of those lines.
        ref = os.path.join(self.dir, "ref5")
        os.makedirs(ref)
        with open(os.path.join(ref, "flows.log"), "w") as f:
            f.write(header + "\n" + "\n".join(v5) + "\n")
        run_flowdex(["ingest", "--data", os.path.join(self.dir, "refdata5"), ref], dict(os.environ))
        self.assertEqual(Counter(docs), Counter(query_sources(os.path.join(self.dir, "refdata5"))))


if __name__ == "__main__":
    unittest.main()
