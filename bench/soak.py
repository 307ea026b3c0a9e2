#!/usr/bin/env python3
"""Soak: flowdex serve under a steady stream of new files and parallel queries.

usage: soak.py BUILD [BASE_STORE]
  BUILD       the build folder (its flowdex binary is run)
  BASE_STORE  a store to start from (copied; the scale bench passes its own),
              else an empty one
env:   SOAK_MINUTES (30), SOAK_RECORDS_PER_FILE (10000), SOAK_FILE_SECONDS (5),
       SOAK_CLIENTS (2), SOAK_SERVE_ARGS (more options for serve, e.g.
       "--block-cache 512MB")

A file of SOAK_RECORDS_PER_FILE flows is renamed into the folder `serve
--watch` watches every SOAK_FILE_SECONDS seconds (as AWS delivers a busy
VPC's 5-minute files, faster), while SOAK_CLIENTS clients run dashboard
questions back to back over HTTP. Checks, printed as PASS/FAIL lines: no
failed request, every file stored exactly once (the count and `flowdex
check`), and resident memory flat after warm-up (the last two thirds of the
samples within 10% of each other). Exits 1 when a check fails.
"""
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_process import start_serve  # noqa: E402

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
BASE = sys.argv[2] if len(sys.argv) > 2 else ""
FLOWDEX = os.path.join(BUILD, "flowdex")
MINUTES = float(os.environ.get("SOAK_MINUTES", 30))
PER_FILE = int(os.environ.get("SOAK_RECORDS_PER_FILE", 10000))
EVERY = float(os.environ.get("SOAK_FILE_SECONDS", 5))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", 2))
SERVE_ARGS = os.environ.get("SOAK_SERVE_ARGS", "").split()
WORK = os.path.join(BUILD, "bench-soak")
INDEX = "logs-aws.vpcflow-default"

QUESTIONS = [
    {"size": 0, "track_total_hits": True,
     "query": {"kql": {"query": "source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*"}}},
    {"size": 0, "aggs": {"src": {"terms": {"field": "source.ip", "size": 10, "order": {"b": "desc"}},
                                 "aggs": {"b": {"sum": {"field": "network.bytes"}}}}}},
    {"size": 0, "aggs": {"d": {"date_histogram": {"field": "@timestamp", "calendar_interval": "1d"},
                               "aggs": {"b": {"sum": {"field": "network.bytes"}},
                                        "a": {"terms": {"field": "event.action"}}}}}},
    {"size": 0, "query": {"bool": {"filter": [{"range": {"@timestamp": {"gte": "now-1d"}}},
                                              {"term": {"event.action": "REJECT"}}]}},
     "aggs": {"p": {"terms": {"field": "destination.port", "size": 10}}}},
    {"size": 0, "aggs": {"c": {"cardinality": {"field": "source.ip"}}}},
    {"size": 50, "sort": [{"@timestamp": "desc"}],
     "query": {"kql": {"query": "event.action:REJECT AND destination.port:22"}},
     "aggs": {"h": {"date_histogram": {"field": "@timestamp", "fixed_interval": "12h"},
                    "aggs": {"a": {"terms": {"field": "event.action"}}}}}},
    {"size": 20, "sort": [{"@timestamp": "desc"}], "query": {"match_all": {}}},
]


def rss(pid):
    fields = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{pid}/status")
              if l.startswith(("VmRSS", "RssAnon"))}
    return fields.get("RssAnon", 0) / 1024, fields.get("VmRSS", 0) / 1024


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(f"{WORK}/watch")
    files = max(1, int(MINUTES * 60 / EVERY))
    # The new files start after whatever the base store holds (now, in UTC).
    start = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() - files * 300))
    subprocess.run([FLOWDEX, "gen", "--records", str(files * PER_FILE), "--files", str(files), "--start", start,
                    "--seed", "11", "--out", f"{WORK}/src"], check=True, stderr=subprocess.DEVNULL)
    sources = sorted(os.path.join(d, f) for d, _, fs in os.walk(f"{WORK}/src") for f in fs if f.endswith(".log.gz"))
    data = f"{WORK}/data"
    if BASE:
        shutil.copytree(BASE, data)
        # A copy is not the running store: its lock file goes with it.
    serve, host, port = start_serve(FLOWDEX, data, WORK, "--watch", f"{WORK}/watch", *SERVE_ARGS)
    stop = threading.Event()
    latencies, errors = [], []
    lock = threading.Lock()
    try:
        def request(conn, method, path, body=None):
            conn.request(method, path, json.dumps(body) if body is not None else None,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, json.loads(r.read())

        def count():
            conn = http.client.HTTPConnection(host, port, timeout=600)
            status, r = request(conn, "GET", f"/{INDEX}/_count")
            return r["count"] if status == 200 else -1

        base = count()

        def client(seed):
            rng = random.Random(seed)
            conn = http.client.HTTPConnection(host, port, timeout=600)
            while not stop.is_set():
                body = rng.choice(QUESTIONS)
                t0 = time.perf_counter()
                try:
                    status, r = request(conn, "POST", f"/{INDEX}/_search", body)
                except Exception as e:  # a dropped connection is a failure too
                    status, r = 0, {"error": str(e)}
                    conn = http.client.HTTPConnection(host, port, timeout=600)
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(ms)
                    if status != 200:
                        errors.append((status, json.dumps(r)[:200]))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        samples = []
        t0 = time.time()
        for i, src in enumerate(sources):
            # Renamed in: the watcher takes it whole (IN_MOVED_TO).
            tmp = f"{WORK}/watch/.{i:06d}.tmp"
            shutil.copyfile(src, tmp)
            os.rename(tmp, f"{WORK}/watch/{i:06d}-{os.path.basename(src)}")
            samples.append(rss(serve.pid))
            time.sleep(max(0.0, t0 + (i + 1) * EVERY - time.time()))
        expected = base + files * PER_FILE
        deadline = time.time() + 300
        while count() < expected and time.time() < deadline:
            time.sleep(1)
        final = count()
        stop.set()
        for t in threads:
            t.join()
        samples.append(rss(serve.pid))
    finally:
        stop.set()
        serve.terminate()
        serve.wait()
    check = subprocess.run([FLOWDEX, "check", "--data", data], capture_output=True, text=True)

    warm = [anon for anon, _ in samples[len(samples) // 3:]]
    growth = (max(warm) - min(warm)) / min(warm) if warm and min(warm) > 0 else 0
    lat = sorted(latencies)
    print(f"soak: {MINUTES:g} min, {files} files of {PER_FILE} flows every {EVERY:g} s into serve --watch, "
          f"{CLIENTS} clients; store from {base:,} to {final:,} flows")
    print(f"soak: {len(lat)} queries, median {statistics.median(lat):.1f} ms, p99 {lat[int(len(lat) * 0.99)]:.1f} ms, "
          f"max {lat[-1]:.1f} ms; {len(errors)} failed")
    print(f"soak: resident (anonymous) after warm-up {min(warm):.0f}-{max(warm):.0f} MB ({growth * 100:.1f}%), "
          f"at the end {samples[-1][0]:.0f} MB (total {samples[-1][1]:.0f} MB)")
    # One sample a minute: filling caches level off, a leak keeps climbing.
    per_minute = max(1, int(60 / EVERY))
    print("soak: resident (anonymous) MB by minute: " +
          " ".join(f"{anon:.0f}" for anon, _ in samples[::per_minute]))
    checks = [
        ("no failed request", not errors),
        ("every file stored exactly once (count)", final == expected),
        ("every file stored exactly once (flowdex check)",
         check.returncode == 0 and "exactly once: OK" in check.stdout + check.stderr),
        ("resident memory flat after warm-up (within 10%)", growth <= 0.10),
    ]
    for what, ok in checks:
        print(f"soak: {'PASS' if ok else 'FAIL'} {what}")
    for status, text in errors[:5]:
        print(f"soak:   failed request: {status} {text}")
    if final != expected:
        print(f"soak:   expected {expected:,} flows, found {final:,}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
