"""flowdex serve as an Amazon Data Firehose HTTP endpoint (issue #19 part 2), driven by a
client written from Firehose's "HTTP endpoint delivery request and response specifications"
(protocol version 1.0): every payload kind (flow-log lines, {"message": ...} JSON lines,
CloudWatch Logs subscription payloads with a CONTROL_MESSAGE among them), the body gzip'd
or not, a retried request id, a wrong or missing key, an oversized body, a kill -9 between
the commit and the answer, and the key read from a Secrets Manager secret (moto)."""
import base64
import gzip
import json
import os
import signal
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid
from collections import Counter

from harness import FLOWDEX, MotoTestCase, Serve, generate_objects, run_flowdex

STREAM_ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/vpc-flows"
KEY = "fh-Key-0123456789abcdef"


class FirehoseClient:
    """What Firehose sends and what it accepts back, from the published specification."""

    def __init__(self, url, access_key, gzip_body=False, common_attributes=None):
        self.url, self.access_key, self.gzip_body = url, access_key, gzip_body
        self.common_attributes = common_attributes

    def deliver(self, records, request_id=None, timeout=30):
        """POSTs one request; returns (status, body dict). Checks the answer's shape as Firehose
        does: JSON, requestId equal to the request's, a millisecond timestamp, errorMessage on
        failure."""
        request_id = request_id or str(uuid.uuid4())
        body = json.dumps({"requestId": request_id, "timestamp": int(time.time() * 1000),
                           "records": [{"data": base64.b64encode(r).decode()} for r in records]}).encode()
        headers = {"Content-Type": "application/json", "X-Amz-Firehose-Protocol-Version": "1.0",
                   "X-Amz-Firehose-Request-Id": request_id, "X-Amz-Firehose-Source-Arn": STREAM_ARN}
        if self.access_key is not None:
            headers["X-Amz-Firehose-Access-Key"] = self.access_key
        if self.common_attributes is not None:
            headers["X-Amz-Firehose-Common-Attributes"] = json.dumps({"commonAttributes": self.common_attributes})
        if self.gzip_body:
            headers["Content-Encoding"] = "gzip"
            body = gzip.compress(body)
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, ctype, raw = resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as e:
            status, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
        answer = json.loads(raw)
        assert ctype.startswith("application/json"), ctype
        assert answer["requestId"] == request_id, answer
        assert isinstance(answer["timestamp"], int) and abs(answer["timestamp"] - time.time() * 1000) < 60_000, answer
        assert status == 200 or answer.get("errorMessage"), answer
        return status, answer


def flow_lines(path):
    with gzip.open(path, "rt") as f:
        lines = [line.rstrip("\n") for line in f]
    return lines[0], [line for line in lines[1:] if line]


def cwl_payload(log_group, messages, message_type="DATA_MESSAGE"):
    return gzip.compress(json.dumps({
        "messageType": message_type, "owner": "123456789012", "logGroup": log_group,
        "logStream": "eni-0abc-all", "subscriptionFilters": ["to-flowdex"],
        "logEvents": [{"id": str(36000000000000000000000000000000000000000000000000000000 + i),
                       "timestamp": 1700000000000 + i, "message": m} for i, m in enumerate(messages)]}).encode())


def query_sources(data_dir):
    """Every document's _source in a store that no server holds (flowdex query)."""
    out = subprocess.run([FLOWDEX, "query", "--data", data_dir, json.dumps({"size": 10000})], check=True,
                         capture_output=True, text=True).stdout
    return [json.dumps(h["_source"], sort_keys=True) for h in json.loads(out)["hits"]["hits"]]


class FirehoseTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.dir, "data")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        super().tearDown()

    def serve(self, *extra, env=None):
        s = Serve(self.data, env=env, extra=["--firehose-access-key", KEY, *extra])
        self.servers.append(s)
        return s

    def sources(self, server):
        req = urllib.request.Request(f"{server.url}/logs-*/_search", data=json.dumps({"size": 10000}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req) as resp:
            hits = json.loads(resp.read())["hits"]["hits"]
        return [json.dumps(h["_source"], sort_keys=True) for h in hits]

    def test_every_payload_kind_exactly_once(self):
        [(v2_path, _), (v5_path, _)] = [generate_objects(os.path.join(self.dir, f), 800, 1, seed=s, fields=f)[0]
                                        for f, s in (("v2", 3), ("v5", 4))]
        _, v2 = flow_lines(v2_path)
        v5_header, v5 = flow_lines(v5_path)
        # The reference: the same lines ingested from files.
        ref_dir = os.path.join(self.dir, "ref")
        os.makedirs(ref_dir)
        with open(os.path.join(ref_dir, "all.log"), "w") as f:
            f.write("\n".join(v2) + "\n" + v5_header + "\n" + "\n".join(v5) + "\n")
        server = self.serve("--firehose-format", "v2", "--firehose-format", "vpc-flows-v5=v5")
        url = f"{server.url}/_firehose"
        plain, zipped = FirehoseClient(url, KEY), FirehoseClient(url, KEY, gzip_body=True)
        # 1. Flow logs straight to Firehose: one line per record, no header (the default v2 layout).
        self.assertEqual(plain.deliver([line.encode() for line in v2[:300]])[0], 200)
        # 2. JSON lines, several in a record, body compressed.
        chunks = [v2[i:i + 50] for i in range(300, 500, 50)]
        records = [("\n".join(json.dumps({"message": m}) for m in c)).encode() for c in chunks]
        self.assertEqual(zipped.deliver(records)[0], 200)
        # 3. CloudWatch Logs subscription payloads: v2 lines from a group on the default layout,
        #    v5 lines from a group configured as v5, and a CONTROL_MESSAGE (skipped).
        status, _ = zipped.deliver([cwl_payload("other-group", v2[500:]),
                                    cwl_payload("vpc-flows-v5", v5[:400]),
                                    cwl_payload("vpc-flows-v5", ["CWL CONTROL MESSAGE: Checking health of destination"],
                                                "CONTROL_MESSAGE"),
                                    cwl_payload("vpc-flows-v5", v5[400:])])
        self.assertEqual(status, 200)
        # The stream's own layout as a common attribute overrides --firehose-format.
        with_attr = FirehoseClient(url, KEY, common_attributes={"flowdex-format": v5_header})
        status, _ = with_attr.deliver([b"\n".join(line.encode() for line in v5[:5])])
        self.assertEqual(status, 200)

        run_flowdex(["ingest", "--data", os.path.join(self.dir, "refdata"), ref_dir], dict(os.environ))
        want = query_sources(os.path.join(self.dir, "refdata"))
        got = self.sources(server)
        # Every line arrived once, as the same document as from a file; the five v5 lines sent
        # again with the attribute (a new request) are there twice.
        self.assertEqual(len(want), len(v2) + len(v5))
        self.assertEqual(Counter(want) - Counter(got), Counter(), "no line is missing or different")
        extra = Counter(got) - Counter(want)
        self.assertEqual(sum(extra.values()), 5)
        self.assertTrue(all(d in want for d in extra))

        # A retry of a stored request (Firehose keeps the id) adds nothing and is answered 200.
        rid = str(uuid.uuid4())
        first = plain.deliver([line.encode() for line in v2[:10]], request_id=rid)
        again = zipped.deliver([line.encode() for line in v2[:10]], request_id=rid)
        self.assertEqual((first[0], again[0]), (200, 200))
        self.assertEqual(len(self.sources(server)), len(got) + 10)
        metrics = urllib.request.urlopen(f"{server.url}/metrics").read().decode()
        self.assertRegex(metrics, r"flowdex_firehose_requests_duplicate_total 1\b")
        self.assertRegex(metrics, r"flowdex_firehose_control_messages_total 1\b")
        self.assertIn(f"firehose request {rid}", server.log(), "the request id is logged")
        self.assertNotIn(KEY, server.log(), "the key is never logged")

    def test_refusals_have_firehose_shape(self):
        server = self.serve("--max-body-mb", "1", "--basic-auth", "elastic:changeme")
        url = f"{server.url}/_firehose"
        line = b"2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 51000 6 10 840 1700000000 1700000060 ACCEPT OK"
        # Firehose authenticates with its key: basic auth on the rest of the API does not apply here.
        self.assertEqual(FirehoseClient(url, KEY).deliver([line])[0], 200)
        self.assertEqual(FirehoseClient(url, None).deliver([line])[0], 401)
        status, answer = FirehoseClient(url, KEY + "x").deliver([line])
        self.assertEqual(status, 403)
        self.assertNotIn(KEY, json.dumps(answer))
        # Over --max-body-mb: 413 with Firehose's body (the stream's buffer must shrink).
        big = [os.urandom(600_000), os.urandom(600_000)]
        self.assertEqual(FirehoseClient(url, KEY).deliver(big)[0], 413)
        # Malformed: not base64, not JSON.
        req = urllib.request.Request(url, data=b'{"requestId":"r1","records":[{"data":"%%%"}]}', method="POST",
                                     headers={"X-Amz-Firehose-Access-Key": KEY, "X-Amz-Firehose-Request-Id": "r1"})
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(req)
        self.assertEqual(ctx.exception.code, 400)
        self.assertIn("not base64", json.loads(ctx.exception.read())["errorMessage"])
        # The rest of the API still wants its credentials.
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(f"{server.url}/_count")
        self.assertEqual(ctx.exception.code, 401)
        self.assertEqual(server.count(headers={"Authorization": "Basic " + base64.b64encode(
            b"elastic:changeme").decode()}), 1)

    def test_kill_between_commit_and_answer_then_retry(self):
        lines = [f"2 123456789012 eni-0a1b 10.0.{i // 250}.{i % 250} 10.1.0.1 {1024 + i} 443 6 3 {100 + i} "
                 f"1700000000 1700000060 ACCEPT OK".encode() for i in range(500)]
        env = dict(os.environ, FLOWDEX_TEST_FIREHOSE_ANSWER_DELAY_MS="4000")
        server = self.serve(env=env)
        client = FirehoseClient(f"{server.url}/_firehose", KEY)
        rid = str(uuid.uuid4())
        # The answer is held back after the commit: kill -9 lands between the two.
        outcome = {}

        def send():
            try:
                outcome["answer"] = client.deliver(lines, request_id=rid)
            except Exception as e:  # the connection dies with the server
                outcome["error"] = e
        t = threading.Thread(target=send)
        t.start()
        deadline = time.time() + 10
        while time.time() < deadline and server.count() != 500:
            time.sleep(0.1)
        self.assertEqual(server.count(), 500, "committed before the answer")
        server.stop(signal.SIGKILL)
        t.join(30)
        self.assertIn("error", outcome, "Firehose got no answer, so it will retry")
        # Firehose retries the same request id against the restarted server.
        server = self.serve()
        status, _ = FirehoseClient(f"{server.url}/_firehose", KEY).deliver(lines, request_id=rid)
        self.assertEqual(status, 200)
        self.assertEqual(server.count(), 500, "each record stored exactly once")

    def test_access_key_from_secrets_manager(self):
        sm = self.moto.client("secretsmanager")
        arn = sm.create_secret(Name="flowdex/firehose", SecretString=json.dumps({"api_key": KEY}))["ARN"]
        server = Serve(self.data, env=self.moto.env(), extra=["--firehose-access-key-secret", arn])
        self.servers.append(server)
        line = b"2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 51000 6 10 840 1700000000 1700000060 ACCEPT OK"
        self.assertEqual(FirehoseClient(f"{server.url}/_firehose", KEY).deliver([line])[0], 200)
        self.assertEqual(FirehoseClient(f"{server.url}/_firehose", "nope").deliver([line])[0], 403)


if __name__ == "__main__":
    unittest.main()
