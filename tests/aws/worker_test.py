"""flowdex worker and flowdex ingest s3:// against moto_server with SigV4 checking on:
every record arrives exactly once (keys with spaces, '+', '=', ':' and UTF-8), redelivery
and kill -9 mid-object change nothing, a corrupt object ends in the DLQ while the rest
flow on, SNS and EventBridge bodies, key patterns, wrong credentials, backfill paging
and resume, and flowdex serve --sqs."""
import gzip
import http.client
import os
import re
import signal
import socket
import threading
import time
import unittest
import urllib.parse
import urllib.request

from harness import (Background, MotoTestCase, QuietHandler, Serve, StandInServer, count_documents, eventbridge_body,
                     free_port, generate_objects, make_pipeline, queue_depth, run_flowdex, s3_event_body, sns_wrap,
                     to_parquet)

TRICKY_KEYS = [
    "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=27/"
    "123456789012_vpcflowlogs_us-east-1_fl-0abc_20261127T1010Z_a1.log.gz",
    "with space/and+plus=equals.log.gz",
    "colon:and%percent/ü-utf8.log.gz",
    "plain/flow.log.gz",
]


class S3FaultProxy(StandInServer):
    """In-test fake between flowdex and moto_server (moto cannot cut or stall a transfer on
    cue): forwards every request unchanged, the Host header included, so moto checks the
    signature flowdex made; but the first GET of an object whose key holds "cut" sends half
    the body and closes the connection, and GETs of keys holding "slow" trickle the body
    over `slow_seconds`."""

    def __init__(self, moto_port, slow_seconds=6):
        self.moto_port, self.slow_seconds = moto_port, slow_seconds
        self.cut, self.ranges = set(), []
        self.lock = threading.Lock()
        super().__init__(S3FaultHandler)


class S3FaultHandler(QuietHandler):
    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        conn = http.client.HTTPConnection("127.0.0.1", self.server.moto_port, timeout=60)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        path = self.path.split("?")[0]
        if self.headers.get("Range"):
            with self.server.lock:
                self.server.ranges.append((path, self.headers["Range"], self.headers.get("If-Match")))
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.end_headers()
        with self.server.lock:
            cut = self.command == "GET" and "cut" in path and path not in self.server.cut and len(data) > 1000
            if cut:
                self.server.cut.add(path)
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif self.command == "GET" and "slow" in path and len(data) > 1000:
            pieces = 20
            for i in range(pieces):
                self.wfile.write(data[i * len(data) // pieces:(i + 1) * len(data) // pieces])
                self.wfile.flush()
                time.sleep(self.server.slow_seconds / pieces)
        else:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class WorkerTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.dir, "data")

    def upload(self, bucket, keys, records=2000, seed=7):
        objects = generate_objects(self.dir, records, len(keys), seed=seed)
        total = 0
        for (path, n), key in zip(objects, keys):
            self.s3.upload_file(path, bucket, key)
            total += n
        return total

    def worker(self, queue_url, *extra, env=None, check=True):
        return run_flowdex(["worker", "--queue-url", queue_url, "--data", self.data, "--wait", "1", "--exit-when-idle",
                            *extra], env or self.moto.env(), check=check)

    def test_every_record_exactly_once(self):
        queue, dlq = make_pipeline(self.moto, "exact")
        total = self.upload("exact", TRICKY_KEYS)
        # Not a flow log: skipped by --key-pattern, its message deleted all the same.
        self.s3.put_object(Bucket="exact", Key="AWSLogs/123/elasticloadbalancing/x.json", Body=b"{}")
        p = self.worker(queue, "--key-pattern", r"\.log\.gz$")
        self.assertEqual(count_documents(self.data), total)
        self.assertIn("s3:TestEvent", p.stderr)
        self.assertIn("skipped (the key does not match --key-pattern)", p.stderr)
        for key in TRICKY_KEYS:
            self.assertIn(f"s3://exact/{key}: stored", p.stderr)
        self.assertEqual(queue_depth(self.sqs, queue), 0)
        self.assertEqual(queue_depth(self.sqs, dlq), 0)
        run_flowdex(["check", "--data", self.data], os.environ)

        # Duplicate notifications (S3 and SQS deliver at least once): nothing is added.
        for key in TRICKY_KEYS:
            self.sqs.send_message(QueueUrl=queue, MessageBody=s3_event_body("exact", key))
        p = self.worker(queue)
        self.assertEqual(p.stderr.count("already stored, nothing added"), len(TRICKY_KEYS))
        self.assertEqual(count_documents(self.data), total)
        self.assertEqual(queue_depth(self.sqs, queue), 0)

    def test_kill_mid_object_then_restart(self):
        queue, _ = make_pipeline(self.moto, "killed", visibility=10)
        big = generate_objects(os.path.join(self.dir, "big"), 600_000, 1, seed=3)[0]
        self.s3.upload_file(big[0], "killed", "big/flows.log.gz")
        total = big[1] + self.upload("killed", ["small/a.log.gz", "small/b.log.gz"], records=3000)
        metrics_port = free_port()
        args = ["worker", "--queue-url", queue, "--data", self.data, "--wait", "1", "--visibility-timeout", "10",
                "--workers", "1", "--metrics-listen", f"127.0.0.1:{metrics_port}"]
        first = Background(args, self.moto.env())
        # kill -9 while the big object is being read (its messages are neither stored nor deleted).
        first.wait_for(lambda: "s3:TestEvent" in first.log(), what="the worker to start")
        time.sleep(0.3)
        first.stop(signal.SIGKILL)
        stored_before = count_documents(self.data) if os.path.exists(self.data) else 0
        self.assertLess(stored_before, total, "the worker finished before it was killed")
        second = Background(args, self.moto.env())
        try:
            # (The worker holds the store: wait for every message to be deleted, then count.)
            second.wait_for(lambda: queue_depth(self.sqs, queue) == 0, timeout=90,
                            what="every message handled after the restart")
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as r:
                metrics = r.read().decode()
            self.assertIn("flowdex_pipeline_messages_deleted_total", metrics)
            self.assertIn("flowdex_pipeline_objects_stored_total", metrics)
        finally:
            second.stop()
        self.assertEqual(count_documents(self.data), total)
        run_flowdex(["check", "--data", self.data], os.environ)

    def test_corrupt_object_goes_to_the_dlq(self):
        queue, dlq = make_pipeline(self.moto, "corrupt", max_receive_count=2)
        total = self.upload("corrupt", ["good/1.log.gz", "good/2.log.gz"])
        with open(generate_objects(os.path.join(self.dir, "c"), 5000, 1, seed=9)[0][0], "rb") as f:
            damaged = f.read()
        self.s3.put_object(Bucket="corrupt", Key="bad/damaged.log.gz", Body=damaged[: len(damaged) // 2])
        w = Background(["worker", "--queue-url", queue, "--data", self.data, "--wait", "1", "--retry-after", "0"],
                       self.moto.env())
        try:
            w.wait_for(lambda: queue_depth(self.sqs, dlq) == 1 and queue_depth(self.sqs, queue) == 0, timeout=90,
                       what="the damaged object's message in the DLQ")
        finally:
            w.stop()
        self.assertEqual(count_documents(self.data), total)
        msg = self.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=1)["Messages"][0]
        self.assertIn("damaged.log.gz", msg["Body"])
        log = w.log()
        self.assertIn("s3://corrupt/bad/damaged.log.gz: FAILED", log)
        self.assertIn("left on the queue", log)

    def test_sns_eventbridge_and_malformed_bodies(self):
        bucket = "shapes"
        self.s3.create_bucket(Bucket=bucket)  # no notification: the test sends the messages itself
        dlq = self.sqs.create_queue(QueueName="shapes-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = self.sqs.create_queue(QueueName="shapes", Attributes={
            "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}'})["QueueUrl"]
        keys = ["sns/a=b c.log.gz", "eventbridge/raw+plus=eq.log.gz"]
        total = self.upload(bucket, keys)
        self.sqs.send_message(QueueUrl=queue, MessageBody=sns_wrap(s3_event_body(bucket, keys[0])))
        self.sqs.send_message(QueueUrl=queue, MessageBody=eventbridge_body(bucket, keys[1]))
        self.sqs.send_message(QueueUrl=queue, MessageBody=sns_wrap('{"Service":"Amazon S3","Event":"s3:TestEvent"}'))
        self.sqs.send_message(QueueUrl=queue, MessageBody='{"Type":"SubscriptionConfirmation","TopicArn":"arn:x","Message":"m"}')
        self.sqs.send_message(QueueUrl=queue, MessageBody=s3_event_body(bucket, "gone/missing.log.gz"))
        self.sqs.send_message(QueueUrl=queue, MessageBody=s3_event_body(bucket, keys[0], event="ObjectRemoved:Delete"))
        self.sqs.send_message(QueueUrl=queue, MessageBody="this is not a notification")
        p = self.worker(queue, "--retry-after", "0")
        self.assertEqual(count_documents(self.data), total)
        self.assertIn("gone from the bucket, given up", p.stderr)
        self.assertIn("SNS SubscriptionConfirmation message", p.stderr)
        self.assertIn("not ingested: ObjectRemoved:Delete", p.stderr)
        self.assertIn("is not JSON; left on the queue for its dead-letter queue", p.stderr)
        # Only the malformed message is kept, for the DLQ (moved there on a later receive).
        self.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)
        self.assertEqual(queue_depth(self.sqs, queue), 0)
        self.assertEqual(queue_depth(self.sqs, dlq), 1)

    def test_wrong_credentials_fail_clearly(self):
        queue, _ = make_pipeline(self.moto, "creds")
        p = self.worker(queue, env=self.moto.env(AWS_SECRET_ACCESS_KEY="not-the-secret"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("SignatureDoesNotMatch", p.stderr)
        self.assertIn("cannot read queue", p.stderr)
        p = self.worker(queue, env=self.moto.env(AWS_ACCESS_KEY_ID="AKIDUNKNOWN"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("InvalidClientTokenId", p.stderr)
        env = self.moto.env()
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        env["HOME"] = self.dir
        p = self.worker(queue, env=env, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no AWS credentials found", p.stderr)

    def test_backfill_pages_and_resumes(self):
        bucket = "backfill"
        self.s3.create_bucket(Bucket=bucket)
        keys = [f"AWSLogs/day={d:02d}/part {i}+x.log.gz" for d in (1, 2) for i in range(3)]
        total = self.upload(bucket, keys, records=1200)
        checkpoint = os.path.join(self.dir, "cp")
        with open(checkpoint, "w") as f:
            f.write(sorted(keys)[2] + "\n")  # as if a first run had stored the first three
        p = run_flowdex(["ingest", f"s3://{bucket}/AWSLogs/", "--data", self.data, "--checkpoint", checkpoint],
                        self.moto.env())
        self.assertIn("3 objects listed after", p.stderr)
        with open(checkpoint) as f:
            self.assertEqual(f.read().strip(), sorted(keys)[-1])
        p = run_flowdex(["ingest", f"s3://{bucket}/AWSLogs/", "--data", self.data], self.moto.env())
        self.assertIn("6 objects listed", p.stderr)
        self.assertIn("3 already stored", p.stderr)
        self.assertEqual(count_documents(self.data), total)
        # Over a thousand keys: ListObjectsV2 pages with a continuation token.
        for i in range(1005):
            self.s3.put_object(Bucket=bucket, Key=f"many/{i:04d} k+=.log", Body=b"")
        p = run_flowdex(["ingest", f"s3://{bucket}/many/", "--data", self.data, "--workers", "8"], self.moto.env())
        self.assertIn("1005 objects listed", p.stderr)
        self.assertIn("1005 objects stored", p.stderr)

    def test_cut_transfer_resumes_and_slow_object_keeps_its_visibility(self):
        queue, _ = make_pipeline(self.moto, "faults")
        total = self.upload("faults", ["cut/a.log.gz", "slow/b.log.gz"], records=6000)
        proxy = S3FaultProxy(self.moto.port, slow_seconds=10)
        try:
            p = self.worker(queue, "--workers", "2", "--visibility-timeout", "4",
                            env=self.moto.env(AWS_ENDPOINT_URL=proxy.url))
        finally:
            proxy.close()
        self.assertEqual(count_documents(self.data), total)
        self.assertEqual(proxy.cut, {"/faults/cut/a.log.gz"})
        self.assertIn("s3://faults/cut/a.log.gz: stored 3000 records, download resumed 1 time (0 bad lines", p.stderr)
        # The resume asked for the rest, and only from the version first read.
        [(path, range_header, if_match)] = proxy.ranges
        self.assertEqual(path, "/faults/cut/a.log.gz")
        self.assertRegex(range_header, r"^bytes=\d+-$")
        self.assertRegex(if_match, r'^"[0-9a-f]{32}"$')
        # The slow object took longer than the visibility timeout: heartbeats kept it hidden,
        # so no second worker got it.
        self.assertNotIn("already stored, nothing added", p.stderr)
        self.assertRegex(p.stderr, r"visibility extended [1-9]\d* times")
        self.assertEqual(queue_depth(self.sqs, queue), 0)

    def test_parquet_objects_are_read_footer_first(self):
        """Parquet objects (FileFormat=parquet) go through the same worker: told from text by
        their content, read with ranged GETs of the version first seen, the footer first, and
        never downloaded whole a second time."""
        queue, _ = make_pipeline(self.moto, "parquet")
        objects = generate_objects(os.path.join(self.dir, "pq"), 120_000, 2, seed=5)
        prefix = ("AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/"
                  "year=2027/month=01/day=01/hour=00/")
        sizes, total = {}, 0
        for i, (path, n) in enumerate(objects):
            key = f"{prefix}123456789012_vpcflowlogs_us-east-1_fl-0abc_20270101T000{i}Z_{i}.log.parquet"
            pq = to_parquet(path, os.path.join(self.dir, f"{i}.parquet"), row_group_size=25_000)
            self.s3.upload_file(pq, "parquet", key)
            sizes["/parquet/" + key] = os.path.getsize(pq)
            total += n
        proxy = S3FaultProxy(self.moto.port)
        try:
            p = self.worker(queue, env=self.moto.env(AWS_ENDPOINT_URL=proxy.url))
        finally:
            proxy.close()
        self.assertEqual(count_documents(self.data), total)
        self.assertEqual(count_documents(self.data, {"term": {"event.action": "REJECT"}}),
                         sum(1 for path, _ in objects for line in gzip.open(path, "rt") if " REJECT " in line))
        for path, size in sizes.items():
            ranges = [(r, m) for (p_, r, m) in proxy.ranges if urllib.parse.unquote(p_) == path]
            self.assertTrue(ranges, f"{path} was read with ranged GETs: {proxy.ranges}")
            first, _ = ranges[0]
            self.assertRegex(first, rf"^bytes=\d+-{size - 1}$", "the footer is read first")
            spans = [tuple(int(x) for x in r[len("bytes="):].split("-")) for r, _ in ranges]
            self.assertLessEqual(sum(b - a + 1 for a, b in spans), size, "no byte is fetched twice by range")
            self.assertTrue(all(re.fullmatch(r'"[0-9a-f]{32}"', m or "") for _, m in ranges), "If-Match the version")
        self.assertIn(".log.parquet: stored", p.stderr)

    def test_query_protocol(self):
        queue, _ = make_pipeline(self.moto, "query-protocol")
        total = self.upload("query-protocol", ["q/1.log.gz", "q/2 x+y.log.gz"])
        p = self.worker(queue, "--sqs-protocol", "query")
        self.assertEqual(count_documents(self.data), total)
        self.assertIn("s3:TestEvent", p.stderr)
        self.assertEqual(queue_depth(self.sqs, queue), 0)

    def test_serve_sqs_ingests_in_process(self):
        queue, _ = make_pipeline(self.moto, "served")
        serve = Serve(self.data, self.moto.env(), ["--sqs", queue])
        try:
            total = self.upload("served", ["a/1.log.gz", "b/2 x.log.gz"])
            serve.wait_for(lambda: serve.count() == total, what="the served store to hold every record")
            with urllib.request.urlopen(f"{serve.url}/metrics") as r:
                metrics = r.read().decode()
            self.assertIn("flowdex_pipeline_objects_stored_total 2", metrics)
            self.assertIn(f"flowdex_pipeline_records_stored_total {total}", metrics)
        finally:
            self.assertEqual(serve.stop(), 0)


# The recovery tests mostly wait (SQS visibility timeouts, a slow object):
# ctest runs them as aws_worker_recovery (WORKER_TESTS=recovery), beside the
# rest (WORKER_TESTS=main); with neither, every test runs.
RECOVERY_TESTS = {"test_kill_mid_object_then_restart", "test_cut_transfer_resumes_and_slow_object_keeps_its_visibility",
                  "test_corrupt_object_goes_to_the_dlq"}


def load_tests(loader, tests, pattern):
    part = os.environ.get("WORKER_TESTS", "")
    suite = unittest.TestSuite()
    for name in loader.getTestCaseNames(WorkerTest):
        if not part or (name in RECOVERY_TESTS) == (part == "recovery"):
            suite.addTest(WorkerTest(name))
    return suite


if __name__ == "__main__":
    unittest.main()
