"""Shared pieces of the AWS pipeline tests: a real moto_server on 127.0.0.1 with
signature checking on, boto3 clients for setting things up (an independent SigV4
client), generated flow-log objects, and flowdex processes."""
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWDEX = os.environ.get("FLOWDEX", os.path.join(HERE, "..", "..", "build", "flowdex"))
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Moto:
    """moto_server with SigV4 checking after the first three (IAM bootstrap) calls."""

    BOOTSTRAP_CALLS = 3

    def __init__(self, auth=True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("AWS_"):
                del env[k]
        if auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(self.BOOTSTRAP_CALLS)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "moto_launcher.py"), "-H", "127.0.0.1", "-p", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port)
        if auth:
            # The only unauthenticated calls: a user with a policy allowing everything, and its key.
            iam = self._client("iam", "bootstrap", "bootstrap")
            iam.create_user(UserName="flowdex")
            iam.put_user_policy(UserName="flowdex", PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="flowdex")["AccessKey"]
            self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        else:
            self.key_id, self.secret = "testing", "testing"

    def _client(self, service, key_id, secret):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=key_id,
                            aws_secret_access_key=secret,
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))

    def client(self, service):
        return self._client(service, self.key_id, self.secret)

    def env(self, **extra):
        """Environment for a flowdex process talking to this moto."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret, AWS_REGION=REGION,
                   AWS_ENDPOINT_URL=self.url, AWS_EC2_METADATA_DISABLED="true")
        env.update(extra)
        return env

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def make_pipeline(moto, bucket="flowlogs", max_receive_count=3, visibility=30):
    """A bucket whose object-created events go to a queue with a DLQ, as deploy/ sets it up."""
    s3, sqs = moto.client("s3"), moto.client("sqs")
    s3.create_bucket(Bucket=bucket)
    dlq_url = sqs.create_queue(QueueName=f"{bucket}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=f"{bucket}-events", Attributes={
        "VisibilityTimeout": str(visibility),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}),
    })["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})
    return queue_url, dlq_url


def generate_objects(workdir, records, files, seed=7, fields="v5"):
    """Flow-log files from `flowdex gen`; returns [(path, record count)]."""
    out = os.path.join(workdir, "gen")
    subprocess.run([FLOWDEX, "gen", "--records", str(records), "--files", str(files), "--seed", str(seed),
                    "--fields", fields, "--out", out], check=True, capture_output=True)
    result = []
    for root, _, names in os.walk(out):
        for n in sorted(names):
            p = os.path.join(root, n)
            with gzip.open(p, "rt") as f:
                lines = sum(1 for line in f if line.strip() and not line.startswith("version"))
            result.append((p, lines))
    return sorted(result)


def to_parquet(text_path, parquet_path, codec="gzip", row_group_size=None):
    """The text flow-log file as AWS's Parquet delivery would write it (AWS's column names and
    types), written by DuckDB through tests/node/parquet_files.mjs."""
    node_dir = os.path.join(HERE, "..", "node")
    args = ["node", os.path.join(node_dir, "parquet_files.mjs"), text_path, parquet_path, codec]
    if row_group_size:
        args.append(str(row_group_size))
    subprocess.run(args, check=True, capture_output=True, cwd=node_dir)
    return parquet_path


def count_documents(data_dir, query=None):
    body = {"size": 0, "track_total_hits": True}
    if query:
        body["query"] = query
    out = subprocess.run([FLOWDEX, "query", "--data", data_dir, "--index", "*", json.dumps(body)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["hits"]["total"]["value"]


def queue_depth(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def run_flowdex(args, env, timeout=120, check=True):
    p = subprocess.run([FLOWDEX] + args, env=env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"flowdex {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p


class Background:
    """A flowdex process running in the background, its stderr collected in a file."""

    def __init__(self, args, env):
        self.log_file = tempfile.NamedTemporaryFile(mode="w+", suffix=".log", delete=False)
        self.proc = subprocess.Popen([FLOWDEX] + args, env=env, stdout=subprocess.DEVNULL, stderr=self.log_file)

    def log(self):
        with open(self.log_file.name) as f:
            return f.read()

    def wait_for(self, predicate, timeout=60, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"flowdex exited {self.proc.returncode} while waiting for {what}:\n{self.log()}")
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()}")

    def stop(self, sig=None):
        if self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def s3_event_body(bucket, key, event="ObjectCreated:Put"):
    """An S3 event notification as S3 writes it (key form-encoded)."""
    from urllib.parse import quote_plus
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventName": event,
        "eventTime": "2026-11-27T10:15:02.417Z",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote_plus(key, safe="/"), "size": 1}}}]})


def sns_wrap(message):
    return json.dumps({"Type": "Notification", "MessageId": "0b9c2f6e", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                       "Subject": "Amazon S3 Notification", "Message": message, "Timestamp": "2026-11-27T10:15:02.951Z",
                       "SignatureVersion": "1", "Signature": "x"})


def eventbridge_body(bucket, key):
    return json.dumps({"version": "0", "id": "5e2b", "detail-type": "Object Created", "source": "aws.s3",
                       "account": "123456789012", "time": "2026-11-27T10:15:02Z", "region": REGION,
                       "resources": [f"arn:aws:s3:::{bucket}"],
                       "detail": {"version": "0", "bucket": {"name": bucket}, "object": {"key": key, "size": 1},
                                  "reason": "PutObject"}})


def http_json(url, method="GET", body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Serve(Background):
    """flowdex serve on a free port."""

    def __init__(self, data_dir, env=None, extra=()):
        self.port = free_port()
        scheme = "https" if "--tls-cert" in extra else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        super().__init__(["serve", "--data", data_dir, "--listen", f"127.0.0.1:{self.port}"] + list(extra),
                         env or dict(os.environ))
        wait_for_port(self.port)

    def count(self, index="logs-*", query=None, headers=None):
        status, body = http_json(f"{self.url}/{index}/_count", "POST", json.dumps({"query": query} if query else {}),
                                 headers)
        return body["count"] if status == 200 else -1


class StandInServer(ThreadingHTTPServer):
    """Base of the in-test HTTP stand-ins: listens on 127.0.0.1 (any port), serves in a thread."""
    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self):
        self.shutdown()
        self.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """Keep-alive request handler that logs nothing."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class MotoTestCase(unittest.TestCase):
    """One moto_server (signatures checked) per test class; a scratch folder per test."""

    @classmethod
    def setUpClass(cls):
        cls.moto = Moto(auth=True)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=f"flowdex-{type(self).__name__}-")
        self.s3 = self.moto.client("s3")
        self.sqs = self.moto.client("sqs")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)
