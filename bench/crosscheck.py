"""Cross-checks one benchmark question's answers from flowdex (an Elasticsearch
response), DuckDB (rows) and ClickHouse (JSONCompact rows): prints a short
form of flowdex's answer and "=" or the first difference per peer.

usage: crosscheck.py QUESTION FLOWDEX_JSON DUCKDB_ROWS_JSON [CLICKHOUSE_JSON]
"""
import datetime
import ipaddress
import json
import sys


def dotted(n):
    return str(ipaddress.IPv4Address(int(n)))


def from_flowdex(q, r):
    if "error" in r:
        raise SystemExit(f"flowdex error: {r['error']}")
    aggs = r.get("aggregations", {})
    if q == "Q1":
        return r["hits"]["total"]["value"]
    if q == "Q2":
        return [(b["key"], int(b["bytes"]["value"])) for b in aggs["src"]["buckets"]]
    if q == "Q3":
        return [(b["key"] // 1000, int(b["bytes"]["value"])) for b in aggs["t"]["buckets"] if b["doc_count"] > 0]
    if q == "Q4":
        ends = [h["_source"]["@timestamp"] for h in r["hits"]["hits"]]
        return sorted(ends)
    if q == "Q5":
        return aggs["ports"]["value"]
    if q == "Q6":
        return [(b["key"], b["doc_count"]) for b in aggs["ports"]["buckets"]]
    raise SystemExit(f"unknown question {q}")


def iso(epoch_s):
    return datetime.datetime.fromtimestamp(int(epoch_s), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def from_rows(q, rows, end_column):
    """rows as the SQL peers return them (see bench/query_bench.sh's SQL)."""
    if q in ("Q1", "Q5"):
        return int(rows[0][0])
    if q == "Q2":
        return [(dotted(a), int(s)) for a, s in rows]
    if q == "Q3":
        return [(int(t), int(s)) for t, s in rows]
    if q == "Q4":
        return sorted(iso(r[end_column]) for r in rows)
    if q == "Q6":
        return [(int(p), int(c)) for p, c in rows]
    raise SystemExit(f"unknown question {q}")


def same(q, a, b):
    """'=' or a description of the first difference. Top-N lists may order
    ties differently: compare the counts in order and each shared key's value."""
    if q == "Q6" or q == "Q2":
        if [v for _, v in a] != [v for _, v in b]:
            return f"values differ: {a[:3]} vs {b[:3]}"
        da, db = dict(a), dict(b)
        bad = [k for k in da if k in db and da[k] != db[k]]
        return "=" if not bad else f"{bad[0]}: {da[bad[0]]} vs {db[bad[0]]}"
    if a == b:
        return "="
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{len(a)} vs {len(b)} rows"
        i = next(i for i in range(len(a)) if a[i] != b[i])
        return f"row {i}: {a[i]} vs {b[i]}"
    return f"{a} vs {b}"


def short(v):
    if isinstance(v, list):
        return f"{len(v)} rows, first {v[0] if v else '-'}"
    return str(v)


def main():
    q, fx_file, dk_file = sys.argv[1:4]
    fx = from_flowdex(q, json.load(open(fx_file)))
    dk = from_rows(q, json.load(open(dk_file)), end_column=11)
    out = [short(fx), "DuckDB " + same(q, fx, dk)]
    if len(sys.argv) > 4:
        ch = from_rows(q, json.load(open(sys.argv[4]))["data"], end_column=11)
        out.append("ClickHouse " + same(q, fx, ch))
    print("; ".join(out))


if __name__ == "__main__":
    main()
