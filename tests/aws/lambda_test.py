"""flowdex lambda: the custom runtime loop, run from the deployment zip's bootstrap
(make lambda-zip) when it is built, else as `flowdex lambda`.

No Lambda runtime can run here, so RuntimeApi below is a stand-in written for this test:
it serves /2018-06-01/runtime/invocation/next with the events the test queues, and
records what the function posts back (responses, invocation errors, init errors).
The events carry real S3 notifications, received from moto_server's queue; the
objects come from moto's S3 and the records go to flowdex serve."""
import gzip
import json
import os
import queue
import shutil
import subprocess
import tempfile
import time
import unittest
import zipfile

from harness import FLOWDEX, MotoTestCase, QuietHandler, Serve, StandInServer, generate_objects, make_pipeline


class RuntimeApi(StandInServer):
    def __init__(self):
        self.events = queue.Queue()
        self.posts = queue.Queue()  # (kind, request id, body, headers)
        super().__init__(RuntimeHandler)

    @property
    def address(self):  # host:port, as AWS_LAMBDA_RUNTIME_API carries it
        return f"127.0.0.1:{self.server_address[1]}"

    def invoke(self, event, deadline_ms=None):
        request_id = f"req-{time.time_ns()}"
        self.events.put((request_id, json.dumps(event), deadline_ms or int(time.time() * 1000) + 300_000))
        return request_id

    def next_post(self, timeout=120):
        return self.posts.get(timeout=timeout)


class RuntimeHandler(QuietHandler):
    def do_GET(self):
        if self.path != "/2018-06-01/runtime/invocation/next":
            return self.reply(404)
        request_id, body, deadline = self.server.events.get()
        data = body.encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:flowdex")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-5e1b4151-5ac6c58f5b5dbd6a1f6e0f6d")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        parts = self.path.split("/")
        if self.path == "/2018-06-01/runtime/init/error":
            self.server.posts.put(("init_error", None, body, dict(self.headers)))
        elif len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
            self.server.posts.put((parts[5], parts[4], body, dict(self.headers)))
        else:
            return self.reply(404)
        self.reply(202, b'{"status":"OK"}')


def lambda_command():
    """The bootstrap of the zip, unpacked, when make lambda-zip built it."""
    zip_path = os.environ.get("LAMBDA_ZIP", "")
    if zip_path and os.path.exists(zip_path):
        root = tempfile.mkdtemp(prefix="flowdex-lambda-task-")
        with zipfile.ZipFile(zip_path) as z:
            for info in z.infolist():
                z.extract(info, root)
                os.chmod(os.path.join(root, info.filename), info.external_attr >> 16 & 0o777)
        return [os.path.join(root, "bootstrap")], root
    return [FLOWDEX, "lambda"], None


class LambdaTest(MotoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.command, cls.task_root = lambda_command()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if cls.task_root:
            shutil.rmtree(cls.task_root, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.api = RuntimeApi()
        self.addCleanup(self.api.close)

    def start(self, *args, **env):
        full_env = self.moto.env(AWS_LAMBDA_RUNTIME_API=self.api.address, LAMBDA_TASK_ROOT=self.task_root or "",
                                 **env)
        log = open(os.path.join(self.dir, "lambda.log"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen(self.command + list(args), env=full_env, stdout=log, stderr=log)
        return proc, log

    def sqs_event(self, bucket, keys_and_paths):
        """Uploads objects and turns the notifications S3 queued into a Lambda SQS event."""
        queue_url, _ = make_pipeline(self.moto, bucket)
        s3, sqs = self.s3, self.sqs
        for key, path in keys_and_paths:
            s3.upload_file(path, bucket, key)
        records = []
        while True:
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                      AttributeNames=["All"]).get("Messages", [])
            if not got:
                break
            for m in got:
                records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                                "attributes": m.get("Attributes", {}), "messageAttributes": {},
                                "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{bucket}-events",
                                "awsRegion": "us-east-1"})
        return {"Records": records}

    def test_batch_with_partial_failures_deadline_and_bad_event(self):
        serve = Serve(os.path.join(self.dir, "es"))
        proc = None
        try:
            objects = generate_objects(self.dir, 4000, 2)
            damaged = os.path.join(self.dir, "damaged.log.gz")
            with open(objects[1][0], "rb") as f, open(damaged, "wb") as out:
                out.write(f.read()[:3000])
            event = self.sqs_event("function", [("good/a b=1.log.gz", objects[0][0]), ("bad/cut.log.gz", damaged)])
            bodies = {r["messageId"]: r["body"] for r in event["Records"]}
            bad_id = next(i for i, b in bodies.items() if "cut.log.gz" in b)
            self.assertEqual(len(event["Records"]), 3)  # s3:TestEvent, the good object, the damaged one

            proc, log = self.start("--max-invocations", "3", FLOWDEX_SINK=serve.url)
            first = self.api.invoke(event)
            kind, rid, body, _ = self.api.next_post()
            self.assertEqual((kind, rid), ("response", first))
            self.assertEqual(json.loads(body), {"batchItemFailures": [{"itemIdentifier": bad_id}]})
            # The good object is stored; of the damaged one, at most the records before the damage
            # (bulk batches already sent; the message returns to the queue and, in time, its DLQ).
            stored = serve.count()
            self.assertGreaterEqual(stored, objects[0][1])
            self.assertLess(stored, objects[0][1] + objects[1][1])

            # An event that is not from SQS: an invocation error (the whole batch returns to the queue).
            second = self.api.invoke({"hello": "world"})
            kind, rid, body, headers = self.api.next_post()
            self.assertEqual((kind, rid), ("error", second))
            self.assertEqual(json.loads(body)["errorType"], "Runtime.InvalidEvent")
            self.assertEqual(headers.get("Lambda-Runtime-Function-Error-Type"), "Runtime.InvalidEvent")

            # Too close to the deadline: nothing is started, every message is reported back.
            third = self.api.invoke(event, deadline_ms=int(time.time() * 1000) + 2000)
            kind, rid, body, _ = self.api.next_post()
            self.assertEqual((kind, rid), ("response", third))
            self.assertEqual(sorted(f["itemIdentifier"] for f in json.loads(body)["batchItemFailures"]),
                             sorted(bodies))
            self.assertEqual(proc.wait(30), 0)
            log.seek(0)
            self.assertIn("3 messages, 3 failed (3 not started before the deadline)", log.read())
            self.assertEqual(serve.count(), stored)
        finally:
            if proc and proc.poll() is None:
                proc.kill()
            serve.stop()

    def test_cloudwatch_logs_subscription_events(self):
        """A subscription filter on the flow log's log group invoking the function: the event's
        awslogs.data (base64 of gzip JSON, as CloudWatch Logs sends it) holds events read back from
        moto's CloudWatch Logs; a retried delivery adds nothing, a CONTROL_MESSAGE stores nothing,
        damaged data is an invocation error (Lambda retries it)."""
        import base64
        logs = self.moto.client("logs")
        group, stream = "/aws/vpc/flow-logs", "eni-0a1b2c3d-all"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        now = int(time.time())
        lines = [f"2 123456789012 eni-0a1b2c3d 10.0.{i // 200}.{i % 200} 10.1.0.9 {30000 + i} 443 6 4 {300 + i} "
                 f"{now - 200} {now - 140} {'REJECT' if i % 10 == 0 else 'ACCEPT'} OK" for i in range(300)]
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": (now - 100) * 1000 + i, "message": m} for i, m in enumerate(lines)])
        events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
        self.assertEqual(len(events), 300)

        def awslogs(message_type, log_events):
            payload = {"messageType": message_type, "owner": "123456789012", "logGroup": group, "logStream": stream,
                       "subscriptionFilters": ["to-flowdex"], "logEvents": log_events}
            return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}
        data = awslogs("DATA_MESSAGE", [{"id": f"{e['timestamp']}{i:020d}", "timestamp": e["timestamp"],
                                         "message": e["message"]} for i, e in enumerate(events)])
        serve = Serve(os.path.join(self.dir, "es"))
        proc = None
        try:
            proc, log = self.start("--max-invocations", "4", FLOWDEX_SINK=serve.url)
            for _ in range(2):  # the second time: Lambda's retry of the same asynchronous event
                rid = self.api.invoke(data)
                kind, got, body, _ = self.api.next_post()
                self.assertEqual((kind, got), ("response", rid), body)
                self.assertEqual(json.loads(body)["records"], 300)
                self.assertEqual(serve.count(), 300)
            self.assertEqual(serve.count(query={"term": {"event.action": "REJECT"}}), 30)
            rid = self.api.invoke(awslogs("CONTROL_MESSAGE", [{"id": "", "timestamp": now * 1000,
                                                               "message": "CWL CONTROL MESSAGE: Checking health"}]))
            kind, got, body, _ = self.api.next_post()
            self.assertEqual((kind, got, json.loads(body)["records"]), ("response", rid, 0))
            rid = self.api.invoke({"awslogs": {"data": "not base64!"}})
            kind, got, body, _ = self.api.next_post()
            self.assertEqual((kind, got), ("error", rid))
            self.assertIn("not base64", json.loads(body)["errorMessage"])
            self.assertEqual(proc.wait(30), 0)
            self.assertEqual(serve.count(), 300)
        finally:
            if proc and proc.poll() is None:
                proc.kill()
            serve.stop()

    def test_geoip_and_aws_ranges_from_the_environment(self):
        """FLOWDEX_GEOIP_DIR and FLOWDEX_AWS_IP_RANGES, as deploy/terraform sets them (the databases in
        a layer at /opt/geoip): the documents the function indexes carry .geo, .as and .aws fields."""
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "enrich")
        geoip = os.path.join(self.dir, "geoip")
        os.makedirs(geoip)
        subprocess.run(["perl", os.path.join(root, "make_geoip_test_db.pl"), geoip], check=True)
        flows = os.path.join(self.dir, "flows.log.gz")
        with open(os.path.join(root, "flows.log"), "rb") as f, gzip.open(flows, "wb") as out:
            out.write(f.read())
        serve = Serve(os.path.join(self.dir, "es"))
        proc = None
        try:
            event = self.sqs_event("function", [("geo/flows.log.gz", flows)])
            proc, log = self.start("--max-invocations", "1", FLOWDEX_SINK=serve.url, FLOWDEX_GEOIP_DIR=geoip,
                                   FLOWDEX_AWS_IP_RANGES=os.path.join(root, "ip-ranges.json"))
            rid = self.api.invoke(event)
            kind, got, body, _ = self.api.next_post()
            self.assertEqual((kind, got), ("response", rid), body)
            self.assertEqual(json.loads(body), {"batchItemFailures": []})
            self.assertEqual(proc.wait(30), 0)
            self.assertEqual(serve.count(), 9)
            kql = lambda q: serve.count(query={"kql": {"query": q}})
            self.assertEqual(kql("source.geo.city_name:Boxford"), 1)
            self.assertEqual(kql("destination.as.number:209"), 1)
            self.assertEqual(kql("destination.aws.service:S3 and destination.geo.country_iso_code:US"), 1)
            self.assertEqual(kql("source.geo.country_iso_code:* or destination.geo.country_iso_code:*"), 6)
        finally:
            if proc and proc.poll() is None:
                proc.kill()
            serve.stop()

    def test_inventory_refresh_names_the_first_batch(self):
        """FLOWDEX_INVENTORY_REFRESH and FLOWDEX_INVENTORY, as deploy/terraform sets them: at a cold start
        (no history in /tmp yet) the first sync runs before the first batch, whose documents then carry
        the instance's name."""
        ec2 = self.moto.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet, PrivateIpAddress="10.77.1.10",
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "fn-web"}]}])
        now = int(time.time())
        flows = os.path.join(self.dir, "flows.log.gz")
        with gzip.open(flows, "wt") as f:
            f.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
                    "action log-status\n")
            f.write(f"2 123456789012 eni-1 203.0.113.7 10.77.1.10 40000 443 6 3 180 {now - 120} {now - 60} ACCEPT OK\n")
        serve = Serve(os.path.join(self.dir, "es"))
        proc = None
        try:
            event = self.sqs_event("inventory", [("inv/flows.log.gz", flows)])
            proc, log = self.start("--max-invocations", "1", FLOWDEX_SINK=serve.url, FLOWDEX_INVENTORY_REFRESH="10m",
                                   FLOWDEX_INVENTORY=os.path.join(self.dir, "tmp", "flowdex-inventory.json"))
            rid = self.api.invoke(event)
            kind, got, body, _ = self.api.next_post()
            self.assertEqual((kind, got), ("response", rid), body)
            self.assertEqual(proc.wait(30), 0)
            self.assertEqual(serve.count(), 1)
            self.assertEqual(serve.count(query={"kql": {"query": "destination.aws.instance.name:fn-web"}}), 1)
        finally:
            if proc and proc.poll() is None:
                proc.kill()
            serve.stop()

    def test_sink_credentials_from_secrets_manager(self):
        """FLOWDEX_SINK_SECRET, as deploy/terraform sets it: the function reads the sink's password from
        Secrets Manager (moto's, with signatures checked) at init; a secret it cannot read is an init error."""
        serve = Serve(os.path.join(self.dir, "es"), extra=["--basic-auth", "writer:pa:ss word"])
        proc = None
        try:
            secrets = self.moto.client("secretsmanager")
            arn = secrets.create_secret(Name="flowdex/sink",
                                        SecretString=json.dumps({"username": "writer", "password": "pa:ss word"}))["ARN"]
            missing = arn.replace("flowdex/sink", "flowdex/none")
            proc, log = self.start(FLOWDEX_SINK=serve.url, FLOWDEX_SINK_SECRET=missing)
            kind, _, body, _ = self.api.next_post()
            self.assertEqual(kind, "init_error")
            self.assertIn("ResourceNotFoundException", json.loads(body)["errorMessage"])
            self.assertEqual(proc.wait(30), 1)

            objects = generate_objects(self.dir, 1000, 1)
            event = self.sqs_event("secret", [("AWSLogs/one.log.gz", objects[0][0])])
            proc, log = self.start("--max-invocations", "1", FLOWDEX_SINK=serve.url, FLOWDEX_SINK_SECRET=arn)
            rid = self.api.invoke(event)
            kind, got, body, _ = self.api.next_post()
            self.assertEqual((kind, got, json.loads(body)), ("response", rid, {"batchItemFailures": []}))
            self.assertEqual(proc.wait(30), 0)
            self.assertEqual(serve.count(headers={"Authorization": "Basic d3JpdGVyOnBhOnNzIHdvcmQ="}), objects[0][1])
        finally:
            if proc and proc.poll() is None:
                proc.kill()
            serve.stop()

    def test_missing_sink_is_an_init_error(self):
        proc, log = self.start(FLOWDEX_SINK="")
        kind, _, body, _ = self.api.next_post()
        self.assertEqual(kind, "init_error")
        self.assertEqual(json.loads(body)["errorType"], "Runtime.ConfigurationError")
        self.assertIn("FLOWDEX_SINK", json.loads(body)["errorMessage"])
        self.assertEqual(proc.wait(30), 1)


if __name__ == "__main__":
    unittest.main()
