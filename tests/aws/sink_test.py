"""The Elasticsearch sink (flowdex worker --sink URL) against flowdex serve, the only
Elasticsearch-compatible server that runs here, with S3 and SQS from moto_server.

Between the two sits FaultProxy, a small in-test fake (flowdex serve cannot be told to
fail on cue): it forwards every request, but answers the first two _bulk requests 429 as
a whole, answers about one document in five 429 the first time it is sent (without
forwarding it), and refuses a few chosen documents for good with a 400
mapper_parsing_exception. The sink must retry the first two kinds, dead-letter the
third, and leave every other record stored exactly once."""
import base64
import json
import os
import ssl
import subprocess
import threading
import unittest
import urllib.error
import urllib.request
import zlib

from harness import (MotoTestCase, QuietHandler, Serve, StandInServer, generate_objects, http_json, make_pipeline,
                     run_flowdex, s3_event_body)


class FaultProxy(StandInServer):
    def __init__(self, target):
        self.target = target
        self.lock = threading.Lock()
        self.bulk_requests = 0
        self.whole_429 = 0
        self.item_429 = 0
        self.rejected_once = set()
        self.refused = set()  # ids refused for good
        super().__init__(ProxyHandler)

    def refuse_for_good(self, doc_id):
        return zlib.crc32(doc_id.encode()) % 499 == 0

    def rejected_now(self, doc_id):
        if doc_id in self.rejected_once or zlib.crc32(doc_id.encode()) % 5 != 1:
            return False
        self.rejected_once.add(doc_id)
        return True


class ProxyHandler(QuietHandler):
    def forward(self, body):
        req = urllib.request.Request(self.server.target + self.path, data=body if body else None, method=self.command)
        for k in ("Content-Type", "Authorization"):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not self.path.startswith("/_bulk"):
            status, answer = self.forward(body)
            return self.reply(status, answer, "application/json")
        p = self.server
        with p.lock:
            p.bulk_requests += 1
            if p.bulk_requests <= 2:
                p.whole_429 += 1
                return self.reply(429, b'{"error":{"type":"es_rejected_execution_exception","reason":"injected"},"status":429}',
                                  "application/json")
        lines = body.decode().split("\n")
        pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
        answers, forward = [None] * len(pairs), []
        with p.lock:
            for i, (action, _) in enumerate(pairs):
                doc_id = json.loads(action)["create"]["_id"]
                if p.refuse_for_good(doc_id):
                    p.refused.add(doc_id)
                    answers[i] = {"create": {"_id": doc_id, "status": 400, "error": {
                        "type": "mapper_parsing_exception", "reason": "injected: failed to parse"}}}
                elif p.rejected_now(doc_id):
                    p.item_429 += 1
                    answers[i] = {"create": {"_id": doc_id, "status": 429, "error": {
                        "type": "es_rejected_execution_exception", "reason": "injected"}}}
                else:
                    forward.append(i)
        if forward:
            sent = "".join(pairs[i][0] + "\n" + pairs[i][1] + "\n" for i in forward).encode()
            status, raw = self.forward(sent)
            if status != 200:
                return self.reply(status, raw, "application/json")
            for i, item in zip(forward, json.loads(raw)["items"]):
                answers[i] = item
        errors = any(next(iter(a.values()))["status"] >= 300 for a in answers)
        self.reply(200, json.dumps({"took": 1, "errors": errors, "items": answers}).encode(), "application/json")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class SinkTest(MotoTestCase):
    def test_bulk_retries_dead_letters_and_redelivery(self):
        serve = Serve(os.path.join(self.dir, "es"), extra=["--basic-auth", "elastic:changeme"])
        proxy = FaultProxy(serve.url)
        try:
            queue, dlq = make_pipeline(self.moto, "tosink")
            keys = ["AWSLogs/year=2026/a b.log.gz", "AWSLogs/year=2026/c+d.log.gz", "x.log.gz"]
            objects = generate_objects(self.dir, 6000, len(keys))
            total = sum(n for _, n in objects)
            for (path, _), key in zip(objects, keys):
                self.s3.upload_file(path, "tosink", key)
            dead = os.path.join(self.dir, "dead.ndjson")
            args = ["worker", "--queue-url", queue, "--sink", proxy.url, "--sink-basic-auth", "elastic:changeme",
                    "--dead-letter", dead, "--bulk-docs", "350", "--wait", "1", "--exit-when-idle", "--data",
                    os.path.join(self.dir, "unused")]
            p = run_flowdex(args, self.moto.env(), timeout=300)
            self.assertEqual(proxy.whole_429, 2)
            self.assertGreater(proxy.item_429, total // 10)
            self.assertGreater(len(proxy.refused), 0)  # about one document in 499
            # Every record stored once, but those refused for good, which are in the dead-letter file.
            auth = {"Authorization": "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="}  # elastic:changeme
            self.assertEqual(serve.count(headers=auth), total - len(proxy.refused), p.stderr)
            with open(dead) as f:
                letters = [json.loads(line) for line in f]
            self.assertEqual({l["_id"] for l in letters}, proxy.refused)
            self.assertTrue(all(l["status"] == 400 and l["error"]["type"] == "mapper_parsing_exception" and
                                l["document"]["source"]["ip"] for l in letters))
            self.assertEqual(self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
                             ["Attributes"]["ApproximateNumberOfMessages"], "0")
            # The template went in first: source.ip is an ip field, so CIDR queries work.
            status, tmpl = http_json(f"{serve.url}/_index_template/flowdex-aws-vpcflow", headers=auth)
            self.assertEqual(status, 200)
            status, mapping = http_json(f"{serve.url}/logs-aws.vpcflow-default/_mapping", headers=auth)
            self.assertEqual(mapping["logs-aws.vpcflow-default"]["mappings"]["properties"]["source"]["properties"]
                             ["ip"]["type"], "ip")

            # Redelivered notifications: every document comes back 409 (already there), nothing is added.
            for key in keys:
                self.sqs.send_message(QueueUrl=queue, MessageBody=s3_event_body("tosink", key))
            p = run_flowdex(args, self.moto.env(), timeout=300)
            self.assertIn("already there", p.stderr)
            self.assertEqual(serve.count(headers=auth), total - len(proxy.refused))
        finally:
            proxy.close()
            serve.stop()

    def test_dead_letters_to_a_pipe(self):
        # "--dead-letter -" writes them to stderr, as the Lambda function does (its log is a pipe,
        # which cannot be fsynced: that must not fail the object).
        serve = Serve(os.path.join(self.dir, "es"))
        proxy = FaultProxy(serve.url)
        try:
            queue, _ = make_pipeline(self.moto, "piped")
            path, n = generate_objects(self.dir, 3000, 1)[0]
            self.s3.upload_file(path, "piped", "a.log.gz")
            p = run_flowdex(["worker", "--queue-url", queue, "--sink", proxy.url, "--dead-letter", "-", "--wait", "1",
                             "--exit-when-idle", "--data", os.path.join(self.dir, "unused")], self.moto.env(), timeout=300)
            letters = [json.loads(line) for line in p.stderr.splitlines() if line.startswith('{"@timestamp"')]
            self.assertGreater(len(proxy.refused), 0)
            self.assertEqual({l["_id"] for l in letters}, proxy.refused)
            self.assertIn("s3://piped/a.log.gz: stored", p.stderr)
            self.assertEqual(serve.count(), n - len(proxy.refused))
        finally:
            proxy.close()
            serve.stop()

    def test_tls_with_a_ca_file_and_an_api_key(self):
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        serve = Serve(os.path.join(self.dir, "es"), extra=["--tls-cert", cert, "--tls-key", key,
                                                           "--api-key", "flowdex:s3cret"])
        try:
            queue, _ = make_pipeline(self.moto, "tls")
            path, n = generate_objects(self.dir, 800, 1)[0]
            self.s3.upload_file(path, "tls", "a.log.gz")
            api_key = base64.b64encode(b"flowdex:s3cret").decode()
            base = ["worker", "--queue-url", queue, "--sink", serve.url, "--wait", "1", "--exit-when-idle",
                    "--sink-api-key", api_key]
            # An unknown CA is refused (the message stays for later) ...
            p = run_flowdex(base + ["--retry-after", "0"], self.moto.env(), check=False)
            self.assertIn("FAILED", p.stderr)
            self.assertRegex(p.stderr, r"(?i)certificate")
            # ... the right CA file is trusted.
            p = run_flowdex(base + ["--sink-ca-cert", cert], self.moto.env())
            self.assertIn("s3://tls/a.log.gz: stored", p.stderr)
            ctx = ssl.create_default_context(cafile=cert)
            req = urllib.request.Request(f"{serve.url}/logs-*/_count", headers={"Authorization": f"ApiKey {api_key}"})
            with urllib.request.urlopen(req, context=ctx) as r:
                self.assertEqual(json.loads(r.read())["count"], n)
        finally:
            serve.stop()

    def test_wrong_sink_password_leaves_the_message(self):
        serve = Serve(os.path.join(self.dir, "es"), extra=["--basic-auth", "elastic:changeme"])
        try:
            queue, _ = make_pipeline(self.moto, "badauth")
            path, n = generate_objects(self.dir, 500, 1)[0]
            self.s3.upload_file(path, "badauth", "a.log.gz")
            p = run_flowdex(["worker", "--queue-url", queue, "--sink", serve.url, "--sink-basic-auth", "elastic:wrong",
                             "--wait", "1", "--exit-when-idle", "--retry-after", "60"], self.moto.env(), check=False)
            self.assertIn("HTTP 401", p.stderr)
            self.assertIn("left on the queue", p.stderr)
            attrs = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
            self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "1")
            self.assertEqual(serve.count(headers={"Authorization": "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="}), 0)
        finally:
            serve.stop()


if __name__ == "__main__":
    unittest.main()
