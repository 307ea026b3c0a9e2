#!/usr/bin/env python3
"""Runs REST tests written in Elasticsearch's YAML test format (the format of
rest-api-spec/test: setup / teardown sections, `do` with `catch`, `match`,
`length`, `is_true`, `is_false`, `gt`/`gte`/`lt`/`lte`, `contains`, `close_to`,
`set` and the stash, `skip` / `requires` with features) against `flowdex serve`.

Each test gets a fresh server on an empty data directory (50 ms here), which is
what Elasticsearch's runner approximates by wiping the cluster between tests.
The test files are flowdex's own (tests/rest/<api>/*.yml), each naming the
Elasticsearch documentation or behaviour it encodes.

usage: rest_runner.py [--flowdex PATH] [--filter TEXT] [-v] FILE_OR_DIR...
Exit status 0 when every test passed (skips allowed); prints per-API counts."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWDEX = os.environ.get("FLOWDEX", os.path.join(HERE, "..", "..", "build", "flowdex"))
ES_VERSION = (8, 17, 0)  # what flowdex serve reports as version.number

# The runner features the tests may ask for (skip.features / requires.test_runner_features).
SUPPORTED_FEATURES = {"headers", "contains", "close_to", "stash_in_path", "stash_in_key", "warnings",
                      "allowed_warnings", "node_selector", "default_shards", "arbitrary_key", "is_after"}

# API name -> [(methods, path template)], as rest-api-spec lists them: the
# first template whose parts are all given is used. The method: the first
# listed, except that GET/POST APIs use POST when there is a body.
API = {
    "info": (["GET"], ["/"]),
    "ping": (["HEAD"], ["/"]),
    "index": (["PUT", "POST"], ["/{index}/_doc/{id}", "/{index}/_doc"]),
    "create": (["PUT"], ["/{index}/_create/{id}"]),
    "get": (["GET"], ["/{index}/_doc/{id}"]),
    "get_source": (["GET"], ["/{index}/_source/{id}"]),
    "exists": (["HEAD"], ["/{index}/_doc/{id}"]),
    "delete": (["DELETE"], ["/{index}/_doc/{id}"]),
    "update": (["POST"], ["/{index}/_update/{id}"]),
    "bulk": (["POST"], ["/{index}/_bulk", "/_bulk"]),
    "search": (["GET", "POST"], ["/{index}/_search", "/_search"]),
    "count": (["GET", "POST"], ["/{index}/_count", "/_count"]),
    "msearch": (["GET", "POST"], ["/{index}/_msearch", "/_msearch"]),
    "mget": (["GET", "POST"], ["/{index}/_mget", "/_mget"]),
    "scroll": (["GET", "POST"], ["/_search/scroll/{scroll_id}", "/_search/scroll"]),
    "clear_scroll": (["DELETE"], ["/_search/scroll/{scroll_id}", "/_search/scroll"]),
    "open_point_in_time": (["POST"], ["/{index}/_pit"]),
    "close_point_in_time": (["DELETE"], ["/_pit"]),
    "delete_by_query": (["POST"], ["/{index}/_delete_by_query"]),
    "update_by_query": (["POST"], ["/{index}/_update_by_query"]),
    "terms_enum": (["GET", "POST"], ["/{index}/_terms_enum"]),
    "field_caps": (["GET", "POST"], ["/{index}/_field_caps", "/_field_caps"]),
    "indices.create": (["PUT"], ["/{index}"]),
    "indices.delete": (["DELETE"], ["/{index}"]),
    "indices.get": (["GET"], ["/{index}"]),
    "indices.exists": (["HEAD"], ["/{index}"]),
    "indices.refresh": (["POST"], ["/{index}/_refresh", "/_refresh"]),
    "indices.put_mapping": (["PUT"], ["/{index}/_mapping"]),
    "indices.get_mapping": (["GET"], ["/{index}/_mapping", "/_mapping"]),
    "indices.put_alias": (["PUT"], ["/{index}/_alias/{name}"]),
    "indices.get_alias": (["GET"], ["/{index}/_alias/{name}", "/{index}/_alias", "/_alias/{name}", "/_alias"]),
    "indices.exists_alias": (["HEAD"], ["/{index}/_alias/{name}", "/_alias/{name}"]),
    "indices.delete_alias": (["DELETE"], ["/{index}/_alias/{name}"]),
    "indices.update_aliases": (["POST"], ["/_aliases"]),
    "indices.put_index_template": (["PUT"], ["/_index_template/{name}"]),
    "indices.resolve_index": (["GET"], ["/_resolve/index/{name}"]),
    "cat.indices": (["GET"], ["/_cat/indices/{index}", "/_cat/indices"]),
    "cat.count": (["GET"], ["/_cat/count/{index}", "/_cat/count"]),
    "cluster.health": (["GET"], ["/_cluster/health/{index}", "/_cluster/health"]),
    "cluster.get_settings": (["GET"], ["/_cluster/settings"]),
    "async_search.submit": (["POST"], ["/{index}/_async_search", "/_async_search"]),
    "async_search.get": (["GET"], ["/_async_search/{id}"]),
    "async_search.delete": (["DELETE"], ["/_async_search/{id}"]),
}

# `catch` values and the statuses they stand for (Elasticsearch's runner).
CATCH = {"bad_request": {400}, "unauthorized": {401}, "forbidden": {403}, "missing": {404},
         "request_timeout": {408}, "conflict": {409}, "unavailable": {503}}


class Skip(Exception):
    pass


class Failure(Exception):
    pass


class Server:
    """flowdex serve on a fresh data directory, on a free port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="flowdex-rest-")
        ready = os.path.join(self.dir, "ready")
        self.log = open(os.path.join(self.dir, "serve.log"), "w+")
        self.proc = subprocess.Popen([FLOWDEX, "serve", "--data", os.path.join(self.dir, "data"), "--listen",
                                      "127.0.0.1:0", "--ready-file", ready], stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        deadline = time.time() + 20
        while not os.path.exists(ready) or os.path.getsize(ready) == 0:
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                raise RuntimeError("flowdex serve did not start: " + self.log.read())
            time.sleep(0.005)
        with open(ready) as f:
            self.url = f.read().strip()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Stash:
    def __init__(self):
        self.values = {}

    def resolve(self, value):
        """Replaces $name and ${name} references in a value taken from the test."""
        if isinstance(value, str):
            if value.startswith("$") and not value.startswith("${") and value[1:] in self.values:
                return self.values[value[1:]]
            if value == "$body":
                return self.values.get("body")
            return re.sub(r"\$\{(\w+)\}", lambda m: str(self.values.get(m.group(1), m.group(0))), value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {self.resolve(k) if isinstance(k, str) else k: self.resolve(v) for k, v in value.items()}
        return value


def split_path(path):
    """'hits.hits.0._source' -> parts; '\\.' is a literal dot."""
    parts, cur, i = [], "", 0
    while i < len(path):
        c = path[i]
        if c == "\\" and i + 1 < len(path) and path[i + 1] == ".":
            cur += "."
            i += 2
            continue
        if c == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


MISSING = object()


def lookup(body, path, stash):
    if path in ("$body", ""):
        return body
    node = body
    for part in split_path(path):
        part = stash.resolve(part) if part.startswith("$") else part
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                return MISSING
        elif isinstance(node, dict):
            if str(part) not in node:
                return MISSING
            node = node[str(part)]
        else:
            return MISSING
    return node


def is_regex(value):
    return isinstance(value, str) and len(value) >= 2 and value.strip().startswith("/") and value.strip().endswith("/")


def regex_match(pattern, actual):
    pattern = pattern.strip()[1:-1]
    return re.search(pattern, actual if isinstance(actual, str) else json.dumps(actual), re.VERBOSE) is not None


def same(expected, actual):
    """Elasticsearch's match: numbers compare by value, objects and lists deeply."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual and type(expected) is type(actual)
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(expected[k], actual[k]) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual))
    if is_regex(expected) and isinstance(actual, str):
        return regex_match(expected, actual)
    return expected == actual


def version_in(spec):
    """'7.0.0 - 8.9.99', ' - 7.99.99', '8.1.0 - ', 'all'."""
    spec = str(spec).strip()
    if spec == "all":
        return True
    for rng in spec.split(","):
        lo, _, hi = rng.partition("-")
        lo = tuple(int(x) for x in lo.strip().split(".")) if lo.strip() else (0,)
        hi = tuple(int(x) for x in hi.strip().split(".")) if hi.strip() else (999,)
        if lo <= ES_VERSION <= hi:
            return True
    return False


def check_skip(spec):
    if not isinstance(spec, dict):
        return
    features = spec.get("features") or spec.get("test_runner_features") or []
    if isinstance(features, str):
        features = [features]
    missing = [f for f in features if f not in SUPPORTED_FEATURES]
    if missing:
        raise Skip(f"runner features {missing}")
    if "version" in spec and version_in(spec["version"]):
        raise Skip(spec.get("reason", "version"))
    if spec.get("awaits_fix"):
        raise Skip("awaits_fix: " + spec["awaits_fix"])


def to_param(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(to_param(x) for x in v)
    return str(v)


def call(server, api, args, headers, stash):
    if api not in API:
        raise Failure(f"the runner does not know API {api}")
    methods, templates = API[api]
    args = dict(stash.resolve(args or {}))
    body = args.pop("body", None)
    path = None
    for t in templates:
        names = re.findall(r"\{(\w+)\}", t)
        if all(n in args for n in names):
            path = t
            for n in names:
                path = path.replace("{" + n + "}", urllib.parse.quote(to_param(args.pop(n)), safe=",*"))
            break
    if path is None:
        raise Failure(f"{api}: no path for parts {sorted(args)}")
    method = methods[0]
    if api == "index" and "/_doc/" not in path:
        method = "POST"
    elif len(methods) > 1 and "POST" in methods and body is not None:
        method = "POST"
    query = urllib.parse.urlencode({k: to_param(v) for k, v in args.items()})
    data = None
    ctype = "application/json"
    if body is not None:
        if api in ("bulk", "msearch"):
            # A list is one line per item; a string is sent as written (its newlines included or not).
            if isinstance(body, str):
                data = body
            else:
                data = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in body)
            ctype = "application/x-ndjson"
        else:
            data = body if isinstance(body, str) else json.dumps(body)
        data = data.encode()
    req = urllib.request.Request(server.url + path + ("?" + query if query else ""), data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        req.add_header(k, stash.resolve(v))
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, raw, rtype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, rtype = e.code, e.read(), e.headers.get("Content-Type", "")
    if method == "HEAD":
        return status, status == 200
    text = raw.decode("utf-8", "replace")
    if "json" in rtype and text:
        try:
            return status, json.loads(text)
        except json.JSONDecodeError:
            return status, text
    return status, text


def run_step(server, step, state, stash):
    (kind, spec), = step.items()
    if kind == "skip" or kind == "requires":
        check_skip(spec)
        return
    if kind == "do":
        spec = dict(spec)
        catch = spec.pop("catch", None)
        headers = spec.pop("headers", None)
        for k in ("warnings", "allowed_warnings", "warnings_regex", "allowed_warnings_regex", "node_selector"):
            spec.pop(k, None)
        (api, args), = spec.items()
        status, body = call(server, api, args, headers, stash)
        state["body"] = body
        stash.values["body"] = body
        if catch is None:
            if status >= 400 and not (status == 404 and isinstance(body, bool)):
                raise Failure(f"{api} answered {status}: {json.dumps(body)[:600]}")
        elif catch in CATCH:
            if status not in CATCH[catch]:
                raise Failure(f"{api}: expected {catch} ({CATCH[catch]}), got {status}: {json.dumps(body)[:400]}")
        elif catch == "request":
            if status < 400:
                raise Failure(f"{api}: expected an error, got {status}")
        elif catch == "param":
            raise Skip("catch: param (a client-side check)")
        elif is_regex(catch):
            if status < 400 or not regex_match(catch, body):
                raise Failure(f"{api}: expected an error matching {catch}, got {status}: {json.dumps(body)[:600]}")
        else:
            raise Failure(f"unknown catch {catch}")
        return
    body = state.get("body")
    if kind == "set":
        for path, name in spec.items():
            value = lookup(body, path, stash)
            if value is MISSING:
                raise Failure(f"set: no {path}")
            stash.values[name] = value
        return
    if kind in ("match", "length", "gt", "gte", "lt", "lte", "contains", "close_to"):
        for path, expected in spec.items():
            path = stash.resolve(path) if isinstance(path, str) and path.startswith("$") and path != "$body" else path
            actual = lookup(body, path, stash)
            expected = stash.resolve(expected)
            shown = json.dumps(actual if actual is not MISSING else "<missing>")[:300]
            ok = actual is not MISSING
            if ok and kind == "match":
                ok = same(expected, actual)
            elif ok and kind == "length":
                ok = hasattr(actual, "__len__") and len(actual) == expected
            elif ok and kind in ("gt", "gte", "lt", "lte"):
                ok = isinstance(actual, (int, float)) and {"gt": actual > expected, "gte": actual >= expected,
                                                           "lt": actual < expected, "lte": actual <= expected}[kind]
            elif ok and kind == "contains":
                ok = isinstance(actual, list) and any(same(expected, a) for a in actual) or \
                    isinstance(actual, dict) and isinstance(expected, dict) and all(
                        k in actual and same(v, actual[k]) for k, v in expected.items())
            elif ok and kind == "close_to":
                ok = isinstance(actual, (int, float)) and abs(actual - expected["value"]) <= expected["error"]
            if not ok:
                raise Failure(f"{kind} {path}: expected {json.dumps(expected)}, got {shown}")
        return
    if kind in ("is_true", "is_false"):
        actual = lookup(body, spec if spec is not None else "", stash)
        truthy = actual is not MISSING and actual not in (None, False, "", "false", 0)
        if truthy != (kind == "is_true"):
            raise Failure(f"{kind} {spec}: got {json.dumps(actual if actual is not MISSING else '<missing>')[:300]}")
        return
    raise Failure(f"unknown step {kind}")


def load(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    setup, teardown, tests = [], [], []
    for d in docs:
        for name, steps in d.items():
            if name == "setup":
                setup = steps
            elif name == "teardown":
                teardown = steps
            else:
                tests.append((name, steps))
    return setup, teardown, tests


def main():
    global FLOWDEX
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowdex", default=FLOWDEX)
    ap.add_argument("--filter", default="")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("paths", nargs="+")
    opts = ap.parse_args()
    FLOWDEX = opts.flowdex
    files = []
    for p in opts.paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names if n.endswith((".yml", ".yaml"))]
        else:
            files.append(p)
    known = {}
    known_path = os.path.join(HERE, "known_failures.txt")
    if os.path.exists(known_path):
        with open(known_path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    test, _, why = line.partition("  -- ")
                    known[test.strip()] = why.strip()
    counts = defaultdict(lambda: [0, 0, 0, 0])  # api folder -> passed, failed, skipped, known failures
    failures = []
    for path in sorted(files):
        group = os.path.basename(os.path.dirname(path))
        setup, teardown, tests = load(path)
        for name, steps in tests:
            label = f"{os.path.relpath(path, HERE)} :: {name}"
            if opts.filter and opts.filter not in label:
                continue
            server = Server()
            stash = Stash()
            state = {}
            try:
                for step in (setup or []) + steps:
                    run_step(server, step, state, stash)
                for step in teardown or []:
                    run_step(server, step, state, stash)
                if label in known:
                    counts[group][1] += 1
                    failures.append(f"{label}: passes now: remove it from known_failures.txt")
                    print(f"FIXED {label}: remove it from known_failures.txt")
                else:
                    counts[group][0] += 1
                    if opts.verbose:
                        print(f"ok   {label}")
            except Skip as e:
                counts[group][2] += 1
                if opts.verbose:
                    print(f"skip {label}: {e}")
            except Failure as e:
                if label in known:
                    counts[group][3] += 1
                    if opts.verbose:
                        print(f"known {label}: {known[label]}")
                else:
                    counts[group][1] += 1
                    failures.append(f"{label}: {e}")
                    print(f"FAIL {label}: {e}")
            finally:
                server.stop()
    total = [sum(c[i] for c in counts.values()) for i in range(4)]
    print("\nper API: passed / written (known failures, skipped; tests/rest/known_failures.txt says why)")
    for group, (p, f, s, k) in sorted(counts.items()) + [("all", tuple(total))]:
        notes = ", ".join(x for x in (f"{k} known" if k else "", f"{s} skipped" if s else "",
                                      f"{f} FAILED" if f else "") if x)
        print(f"  {group:24} {p:4} / {p + f + s + k:4}" + (f" ({notes})" if notes else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
