"""`make bench-scale`: a month of flows on one machine (#16). 100M v2 flow
records in 10,000 files of 5 minutes (35 days), ingested by flowdex, DuckDB
and ClickHouse (each in its strongest form, bench/README.md), then S1-S7 over
HTTP against `flowdex serve` and as SQL against both peers, in the same run,
answers cross-checked. Prints ingest rate, disk, memory and the median of
REPEAT warm runs per question, and the first query after a restart.

usage: python3 bench/scale_bench.py BUILD_DIR
env:   RECORDS (100000000), FILES (10000), REPEAT (5), START (2026-10-01T00:00Z),
       RELOAD=flowdex (ingest flowdex again, keep the peers' loaded stores),
       SOAK_MINUTES (30; 0: no soak) and the other SOAK_* of bench/soak.py,
       CLICKHOUSE=0 (leave ClickHouse out: it loads 100M flows in 20+ minutes here),
       PEERS=0 (flowdex alone, for the 1B run: S5 uses the busiest source and its busiest destination)
"""
import datetime
import http.client
import ipaddress
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crosscheck import dotted, iso  # noqa: E402  (the same address and time forms as make bench)
from serve_process import start_serve  # noqa: E402

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
HERE = os.path.dirname(os.path.abspath(__file__))
RECORDS = int(os.environ.get("RECORDS", 100_000_000))
FILES = int(os.environ.get("FILES", 10_000))
REPEAT = int(os.environ.get("REPEAT", 5))
# PEERS=0: flowdex alone (the 1B run by hand: DuckDB's copy would need 30 GB more disk).
PEERS = os.environ.get("PEERS", "1") != "0"
START = os.environ.get("START", "2026-10-01T00:00Z")
FLOWDEX = os.path.join(BUILD, "flowdex")
DATA = os.path.join(BUILD, "bench-data", f"scale-v2-{RECORDS}-{FILES}")
WORK = os.path.join(BUILD, f"bench-scale-{RECORDS}-{FILES}")
LAYOUT = "1"


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, text=True, capture_output=True, executable="/bin/bash", **kw)


def timed(cmd):
    """Runs cmd under /usr/bin/time: (seconds, peak RSS in MB)."""
    t = os.path.join(WORK, "time.txt")
    sh(f"/usr/bin/time -o {t} -f '%e %M' {cmd} >/dev/null 2>&1")
    secs, kb = open(t).read().split()
    return float(secs), int(kb) / 1024


def du(path):
    return int(sh(f"du -sb {path}").stdout.split()[0])


def ch_bash(script):
    return sh(f"source {HERE}/peers/clickhouse.sh; {script}")


def ch_start():
    out = ch_bash(f"ch_start {WORK}/clickhouse >/dev/null && echo $CH_PID").stdout.split()
    return int(out[-1])


def ch_stop(pid):
    subprocess.run(["kill", str(pid)])
    for _ in range(100):
        if not os.path.exists(f"/proc/{pid}"):
            return
        time.sleep(0.1)


def load_all(gz_bytes):
    """Loads the three stores once per data set; the figures are kept in
    WORK/load.json and printed again by later runs."""
    marker = os.path.join(WORK, ".done")
    if os.path.exists(marker) and open(marker).read() == LAYOUT:
        loads = json.load(open(os.path.join(WORK, "load.json")))
        if os.environ.get("RELOAD") == "flowdex":  # a new flowdex build, the same peers' stores
            shutil.rmtree(f"{WORK}/flowdex", ignore_errors=True)
            sh("sync")
            fx_s, fx_mb = timed(f"{FLOWDEX} ingest --data {WORK}/flowdex {DATA}")
            loads["flowdex"] = [fx_s, fx_mb, du(f"{WORK}/flowdex")]
            json.dump(loads, open(os.path.join(WORK, "load.json"), "w"))
        return loads
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    sh("sync")
    fx_s, fx_mb = timed(f"{FLOWDEX} ingest --data {WORK}/flowdex {DATA}")
    fx_disk = du(f"{WORK}/flowdex")
    loads = {"flowdex": [fx_s, fx_mb, fx_disk]}
    if PEERS:
        sh("sync")
        dk_s, dk_mb = timed(f"node {HERE}/peers/duckdb_load.mjs '{DATA}/**/*.log.gz' {WORK}/duck.db")
        loads["DuckDB"] = [dk_s, dk_mb, du(f"{WORK}/duck.db")]
    if PEERS and shutil.which("clickhouse-server") and os.environ.get("CLICKHOUSE", "1") != "0":
        pid = ch_start()
        ch_bash("ch_create")
        t0 = time.time()
        ch_bash(f"ch_load {DATA}")
        ch_s = time.time() - t0
        ch_mb = int(next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM"))) / 1024
        ch_stop(pid)
        loads["ClickHouse"] = [ch_s, ch_mb, du(f"{WORK}/clickhouse/data")]
    loads["gzip_bytes"] = gz_bytes
    json.dump(loads, open(os.path.join(WORK, "load.json"), "w"))
    open(marker, "w").write(LAYOUT)
    return loads


def ms(epoch_s):
    return int(epoch_s) * 1000


def main():
    if not os.path.exists(os.path.join(DATA, ".done")):
        shutil.rmtree(DATA, ignore_errors=True)
        sh(f"{FLOWDEX} gen --records {RECORDS} --files {FILES} --fields v2 --start {START} --seed 7 --out {DATA}")
        open(os.path.join(DATA, ".done"), "w").write("")
    if not os.path.isdir(os.path.join(HERE, "peers/node_modules/@duckdb/node-api")):
        sh(f"cd {HERE}/peers && npm ci --no-audit --no-fund --silent")
    gz = int(sh(f"find -L {DATA} -name '*.log.gz' -printf '%s\\n' | awk '{{s+=$1}} END {{printf \"%.0f\", s}}'").stdout)
    loads = load_all(gz)

    start = int(datetime.datetime.strptime(START, "%Y-%m-%dT%H:%MZ").replace(tzinfo=datetime.timezone.utc).timestamp())
    end = start + FILES * 300
    day_ago = end - 86400
    # The pair of S5: the busiest pair of addresses.
    if PEERS:
        pair = json.loads(sh(f"cd {HERE}/peers && node duckdb_query.mjs {WORK}/duck.db 0 " + json.dumps(json.dumps([{
            "name": "pair", "sql": "SELECT srcaddr, dstaddr FROM flows WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL "
                                   "AND srcaddr <> dstaddr GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1"}]))).stdout)
        a_num, b_num = pair["answer"][0]
        a, b = dotted(a_num), dotted(b_num)
    else:  # flowdex alone: the busiest source and its busiest destination
        body = {"size": 0, "aggs": {"s": {"terms": {"field": "source.ip", "size": 1},
                                          "aggs": {"d": {"terms": {"field": "destination.ip", "size": 2}}}}}}
        top = json.loads(sh(f"{FLOWDEX} query --data {WORK}/flowdex '{json.dumps(body)}'").stdout)
        a = top["aggregations"]["s"]["buckets"][0]["key"]
        b = next(d["key"] for d in top["aggregations"]["s"]["buckets"][0]["d"]["buckets"] if d["key"] != a)
        a_num, b_num = int(ipaddress.IPv4Address(a)), int(ipaddress.IPv4Address(b))

    def both(x, y):
        return {"bool": {"filter": [{"term": {"source.ip": x}}, {"term": {"destination.ip": y}}]}}

    questions = [
        ("S1", "count of the seed KQL, all time",
         {"size": 0, "track_total_hits": True,
          "query": {"kql": {"query": "source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*"}}},
         "SELECT count(*) FROM flows WHERE srcaddr BETWEEN 167772160 AND 184549375 AND action = 'REJECT' "
         "AND dstaddr IS NOT NULL",
         "SELECT count() FROM flows WHERE src_ip BETWEEN 167772160 AND 184549375 AND action = 'REJECT' AND dst_ip != 0"),
        ("S2", "top 10 source.ip by bytes, all time",
         {"size": 0, "aggs": {"src": {"terms": {"field": "source.ip", "size": 10, "order": {"bytes": "desc"}},
                                      "aggs": {"bytes": {"sum": {"field": "network.bytes"}}}}}},
         "SELECT srcaddr, sum(bytes) AS s FROM flows WHERE srcaddr IS NOT NULL GROUP BY srcaddr ORDER BY s DESC LIMIT 10",
         "SELECT src_ip, sum(bytes) AS s FROM flows WHERE src_ip != 0 GROUP BY src_ip ORDER BY s DESC LIMIT 10"),
        ("S3", "per day: flows, bytes, by action",
         {"size": 0, "aggs": {"d": {"date_histogram": {"field": "@timestamp", "calendar_interval": "1d"},
                                    "aggs": {"bytes": {"sum": {"field": "network.bytes"}},
                                             "a": {"terms": {"field": "event.action"}}}}}},
         "SELECT end_time // 86400 * 86400 AS d, action, count(*), sum(bytes) FROM flows GROUP BY ALL ORDER BY ALL",
         "SELECT intDiv(end_time, 86400) * 86400 AS d, action, count(), sum(bytes) FROM flows GROUP BY d, action "
         "ORDER BY d, action"),
        ("S4", "last 24 h, REJECT, top 10 destination.port",
         {"size": 0, "query": {"bool": {"filter": [
             {"range": {"@timestamp": {"gte": ms(day_ago), "lt": ms(end), "format": "epoch_millis"}}},
             {"term": {"event.action": "REJECT"}}]}},
          "aggs": {"p": {"terms": {"field": "destination.port", "size": 10}}}},
         f"SELECT dstport, count(*) AS c FROM flows WHERE end_time >= {day_ago} AND end_time < {end} AND "
         "action = 'REJECT' AND dstport IS NOT NULL GROUP BY dstport ORDER BY c DESC LIMIT 10",
         f"SELECT dst_port, count() AS c FROM flows WHERE end_time >= {day_ago} AND end_time < {end} AND "
         "action = 'REJECT' GROUP BY dst_port ORDER BY c DESC LIMIT 10"),
        ("S5", f"newest 100 flows between {a} and {b}",
         {"size": 100, "sort": [{"@timestamp": "desc"}], "query": {"bool": {"should": [both(a, b), both(b, a)]}}},
         f"SELECT end_time FROM flows WHERE (srcaddr = {a_num} AND dstaddr = {b_num}) OR "
         f"(srcaddr = {b_num} AND dstaddr = {a_num}) ORDER BY end_time DESC LIMIT 100",
         f"SELECT end_time FROM flows WHERE (src_ip = {a_num} AND dst_ip = {b_num}) OR "
         f"(src_ip = {b_num} AND dst_ip = {a_num}) ORDER BY end_time DESC LIMIT 100"),
        ("S6", "distinct source.ip, all time (approximate everywhere)",
         {"size": 0, "aggs": {"c": {"cardinality": {"field": "source.ip"}}}},
         "SELECT approx_count_distinct(srcaddr) FROM flows",
         "SELECT uniq(src_ip) FROM flows WHERE src_ip != 0"),
        ("S7", "Discover: REJECT to port 22, newest 50 + 12 h histogram by action, all time",
         {"size": 50, "sort": [{"@timestamp": "desc"}],
          "query": {"kql": {"query": "event.action:REJECT AND destination.port:22"}},
          "aggs": {"h": {"date_histogram": {"field": "@timestamp", "fixed_interval": "12h"},
                         "aggs": {"a": {"terms": {"field": "event.action"}}}}}},
         ["SELECT end_time FROM flows WHERE action = 'REJECT' AND dstport = 22 ORDER BY end_time DESC LIMIT 50",
          "SELECT end_time // 43200 * 43200 AS b, action, count(*) FROM flows WHERE action = 'REJECT' AND dstport = 22 "
          "GROUP BY ALL ORDER BY ALL"],
         ["SELECT end_time FROM flows WHERE action = 'REJECT' AND dst_port = 22 ORDER BY end_time DESC LIMIT 50",
          "SELECT intDiv(end_time, 43200) * 43200 AS b, action, count() FROM flows WHERE action = 'REJECT' AND "
          "dst_port = 22 GROUP BY b, action ORDER BY b, action"]),
    ]

    # flowdex serve: started fresh, so the first query is a cold start.
    serve, host, port = start_serve(FLOWDEX, f"{WORK}/flowdex", WORK)
    try:
        conn = http.client.HTTPConnection(host, int(port), timeout=600)

        def search(body):
            t0 = time.perf_counter()
            conn.request("POST", "/logs-aws.vpcflow-default/_search", json.dumps(body),
                         {"Content-Type": "application/json"})
            r = json.loads(conn.getresponse().read())
            return (time.perf_counter() - t0) * 1000, r

        first_ms, _ = search(questions[0][2])
        fx = {}
        for name, _, body, _, _ in questions:
            runs = [search(body) for _ in range(REPEAT + 1)]
            fx[name] = (statistics.median(t for t, _ in runs[1:]), runs[-1][1])
        status = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{serve.pid}/status")
                  if l.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile"))}
    finally:
        serve.terminate()
        serve.wait()

    def parts(sql):  # a question may take several statements (S7: rows, then the histogram)
        return sql if isinstance(sql, list) else [sql]

    dk_queries = [{"name": f"{q[0]}.{i}", "sql": sql} for q in questions for i, sql in enumerate(parts(q[3]))]
    dk_out = "" if not PEERS else sh(f"cd {HERE}/peers && node duckdb_query.mjs {WORK}/duck.db {REPEAT} "
                + json.dumps(json.dumps(dk_queries))).stdout
    dk_runs = {r["name"]: r for r in map(json.loads, dk_out.splitlines())}
    dk = {}
    for q in questions if PEERS else []:
        runs = [dk_runs[f"{q[0]}.{i}"] for i in range(len(parts(q[3])))]
        dk[q[0]] = {"median_ms": sum(r["median_ms"] for r in runs), "answer": runs[0]["answer"]}
    ch = {}
    if "ClickHouse" in loads:
        pid = ch_start()
        try:
            for name, _, _, _, sql in questions:
                t = sum(float(ch_bash(f"ch_time {REPEAT} {json.dumps(part)}").stdout) for part in parts(sql))
                ans = json.loads(ch_bash(f"ch -q {json.dumps(parts(sql)[0] + ' FORMAT JSONCompact')}").stdout)["data"]
                ch[name] = (t, ans)
        finally:
            ch_stop(pid)

    def fx_answer(name, r):
        a = r.get("aggregations", {})
        if name == "S1":
            return r["hits"]["total"]["value"]
        if name == "S2":
            return [(x["key"], int(x["bytes"]["value"])) for x in a["src"]["buckets"]]
        if name == "S3":
            return sorted((x["key"] // 1000, y["key"], y["doc_count"]) for x in a["d"]["buckets"]
                          for y in x["a"]["buckets"])
        if name == "S4":
            return [(x["key"], x["doc_count"]) for x in a["p"]["buckets"]]
        if name == "S5":
            return sorted(h["_source"]["@timestamp"] for h in r["hits"]["hits"])
        if name == "S6":
            return a["c"]["value"]
        if name == "S7":
            return sorted(h["_source"]["@timestamp"] for h in r["hits"]["hits"])

    def sql_answer(name, rows):
        if name in ("S1", "S6"):
            return int(rows[0][0])
        if name == "S2":
            return [(dotted(x), int(s)) for x, s in rows]
        if name == "S3":
            return sorted((int(d), str(act), int(n)) for d, act, n, _ in rows if str(act) not in ("", "None"))
        if name == "S4":
            return [(int(p), int(c)) for p, c in rows]
        if name == "S5":
            return sorted(iso(r[0]) for r in rows)
        if name == "S7":
            return sorted(iso(r[0]) for r in rows)

    def compare(name, x, y):
        if name == "S6":
            return "=" if abs(x - y) <= 0.05 * max(x, y) else f"{x} vs {y}"
        if name in ("S2", "S4"):
            if [v for _, v in x] != [v for _, v in y]:
                return f"{x[:2]} vs {y[:2]}"
            return "="
        return "=" if x == y else (f"{len(x)} vs {len(y)} rows" if isinstance(x, list) else f"{x} vs {y}")

    print(f"{RECORDS:,} v2 flow records in {FILES:,} files from {START} ({gz / 1e9:.2f} GB gzip), "
          f"{os.cpu_count()} cores, median of {REPEAT} warm runs")
    print(f"{'ingest':<12} {'seconds':>9} {'records/s':>11} {'disk/gzip':>10} {'peak MB':>9}")
    for who in ("flowdex", "DuckDB", "ClickHouse"):
        if who in loads:
            s, mb, disk = loads[who]
            ratio = f"{disk / gz:9.2f}x" if gz else "      n/a"  # the gzip input deleted since (the 1B run)
            print(f"{who:<12} {s:9.1f} {RECORDS / s / 1e6:9.2f} M {ratio} {mb:9.0f}")
    print(f"flowdex serve: first query after start {first_ms:.0f} ms; resident {status.get('VmRSS', 0) / 1024:.0f} MB "
          f"(anonymous {status.get('RssAnon', 0) / 1024:.0f} MB, file pages {status.get('RssFile', 0) / 1024:.0f} MB), "
          f"peak {status.get('VmHWM', 0) / 1024:.0f} MB")
    print(f"{'':4} {'flowdex ms':>10} {'DuckDB ms':>10} {'ClickHouse':>10} {'speed-up':>9}  question; answers")
    for name, what, _, _, _ in questions:
        f_ms, f_r = fx[name]
        f_ans = fx_answer(name, f_r) if "error" not in f_r else f_r["error"]
        if not PEERS:
            print(f"{name:4} {f_ms:10.1f} {'-':>10} {'-':>10} {'-':>9}  {what}")
            continue
        d_ms = dk[name]["median_ms"]
        verdicts = ["DuckDB " + compare(name, f_ans, sql_answer(name, dk[name]["answer"]))]
        c_ms = float("nan")
        if name in ch:
            c_ms = ch[name][0]
            verdicts.append("ClickHouse " + compare(name, f_ans, sql_answer(name, ch[name][1])))
        best = min(d_ms, c_ms) if c_ms == c_ms else d_ms
        print(f"{name:4} {f_ms:10.1f} {d_ms:10.1f} {c_ms:10.1f} {best / f_ms:8.2f}x  {what}; {'; '.join(verdicts)}")
    print("goals (#16): every S at least 2x the faster peer; dashboards under 200 ms, S7 under 100 ms, the first "
          "query under 1 s; serve at most 1 GB resident; ingest >= 3x the faster peer and >= 2M records/s; "
          "disk <= 0.7x gzip")
    # The soak: a copy of this store under a stream of new files and queries.
    if float(os.environ.get("SOAK_MINUTES", 30)) > 0:
        sys.stdout.flush()
        subprocess.run([sys.executable, os.path.join(HERE, "soak.py"), BUILD, f"{WORK}/flowdex"])


main()
