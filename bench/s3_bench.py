#!/usr/bin/env python3
"""S3 -> flowdex, against moto_server on 127.0.0.1 (SigV4 checked), in one run:
  1. boto3 GETs and gunzips every object (the peer: how fast this S3 serves them),
  2. flowdex ingest s3://bucket/ (backfill: list + get + parse + store),
  3. flowdex worker (S3 notifications on SQS -> get + parse + store, then delete),
  4. flowdex ingest of the same files from local disk (no S3 at all).
Prints records per second for each and the ratios. usage: bench/s3_bench.py BUILD_DIR
(env RECORDS, FILES)."""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
os.environ.setdefault("FLOWDEX", os.path.join(build, "flowdex"))
sys.path.insert(0, os.path.join(here, "..", "tests", "aws"))
from harness import FLOWDEX, Moto, count_documents, generate_objects, make_pipeline, queue_depth  # noqa: E402

records = int(os.environ.get("RECORDS", "2000000"))
files = int(os.environ.get("FILES", "40"))
work = tempfile.mkdtemp(prefix="flowdex-s3-bench-")
moto = Moto(auth=True)
try:
    queue, _ = make_pipeline(moto, "bench")
    objects = generate_objects(work, records, files, seed=11, fields="v2")
    total = sum(n for _, n in objects)
    gz_bytes = sum(os.path.getsize(p) for p, _ in objects)
    s3 = moto.client("s3")
    keys = []
    for i, (path, _) in enumerate(objects):
        key = f"AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/day={i:03d}/flows {i}.log.gz"
        s3.upload_file(path, "bench", key)
        keys.append(key)
    print(f"{total:,} records in {len(keys)} objects, {gz_bytes / 1e6:.1f} MB of gzip, in moto_server")

    def timed(fn):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    def peer():
        lines = 0
        for key in keys:
            body = s3.get_object(Bucket="bench", Key=key)["Body"].read()
            lines += gzip.decompress(body).count(b"\n")
        assert lines >= total

    def run(args):
        subprocess.run([FLOWDEX] + args, env=moto.env(), check=True, capture_output=True)

    peer_s = timed(peer)
    backfill_s = timed(lambda: run(["ingest", "s3://bench/", "--data", os.path.join(work, "backfill")]))
    assert count_documents(os.path.join(work, "backfill")) == total
    worker_s = timed(lambda: run(["worker", "--queue-url", queue, "--data", os.path.join(work, "worker"),
                                  "--wait", "1", "--exit-when-idle", "--workers", "4"]))
    assert count_documents(os.path.join(work, "worker")) == total and queue_depth(moto.client("sqs"), queue) == 0
    local_s = timed(lambda: run(["ingest", "--data", os.path.join(work, "local"), os.path.join(work, "gen")]))

    def row(name, secs):
        print(f"  {name:<52} {secs:7.2f} s  {total / secs / 1e3:8.0f} K records/s  "
              f"{peer_s / secs:5.2f}x the boto3 download")
    row("boto3 get_object + gunzip (peer, no parsing)", peer_s)
    row("flowdex ingest s3://bench/ (backfill)", backfill_s)
    row("flowdex worker (SQS notifications, 4 workers)*", worker_s)
    row("flowdex ingest of the same files from local disk", local_s)
    print("  * includes the final empty 1 s long poll by which --exit-when-idle sees the queue drained")
finally:
    moto.stop()
    shutil.rmtree(work, ignore_errors=True)
