#!/usr/bin/python3
"""Debian's python3-elasticsearch (the 7.17 client) against flowdex serve:
helpers.bulk and helpers.streaming_bulk in, helpers.scan (scroll) out with
every document exactly once, a search with aggregations, and the client's
error classes for Elasticsearch's error statuses. Run with Debian's python3
(/usr/bin/python3), which is where the package installs.

usage: python_client_test.py [path/to/flowdex]"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import elasticsearch
from elasticsearch import Elasticsearch, helpers

FLOWDEX = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                                 "flowdex")


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowdex-pyclient-")
        ready = os.path.join(cls.dir, "ready")
        cls.proc = subprocess.Popen([FLOWDEX, "serve", "--data", os.path.join(cls.dir, "data"), "--listen",
                                     "127.0.0.1:0", "--ready-file", ready], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (os.path.exists(ready) and os.path.getsize(ready) > 0):
            if time.time() > deadline or cls.proc.poll() is not None:
                raise RuntimeError("flowdex serve did not start")
            time.sleep(0.02)
        with open(ready) as f:
            cls.es = Elasticsearch(f.read().strip(), timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.es.transport.close()
        cls.proc.terminate()
        cls.proc.wait(30)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_bulk_then_scan_every_document_once(self):
        docs = [{"_index": "py-flows", "_id": str(i), "_source": {"n": i, "action": "REJECT" if i % 3 else "ACCEPT"}}
                for i in range(2500)]
        ok, errors = helpers.bulk(self.es, docs, chunk_size=700, refresh=True)
        self.assertEqual((ok, errors), (2500, []))
        more = ({"_index": "py-flows", "_id": f"s{i}", "_source": {"n": 10000 + i, "action": "REJECT"}} for i in range(300))
        results = list(helpers.streaming_bulk(self.es, more, chunk_size=128, refresh=True))
        self.assertTrue(all(ok for ok, _ in results))
        self.assertEqual(self.es.count(index="py-flows")["count"], 2800)
        # scan: scroll pages of 250 through every REJECT, no repeat, no loss.
        seen = [h["_id"] for h in helpers.scan(self.es, index="py-flows", size=250, scroll="1m",
                                              query={"query": {"term": {"action.keyword": "REJECT"}}})]
        expected = {str(i) for i in range(2500) if i % 3} | {f"s{i}" for i in range(300)}
        self.assertEqual(len(seen), len(expected))
        self.assertEqual(set(seen), expected)
        # preserve_order: the scroll keeps the request's sort.
        ordered = [h["_source"]["n"] for h in helpers.scan(self.es, index="py-flows", size=400, preserve_order=True,
                                                           query={"sort": [{"n": "desc"}]})]
        self.assertEqual(ordered, sorted(ordered, reverse=True))
        self.assertEqual(len(ordered), 2800)

    def test_aggregations_and_errors(self):
        helpers.bulk(self.es, [{"_index": "py-aggs", "_source": {"host": h, "bytes": b}}
                               for h, b in [("a", 1), ("a", 2), ("b", 5)]], refresh=True)
        r = self.es.search(index="py-aggs", body={"size": 0, "aggs": {"h": {"terms": {"field": "host.keyword"}},
                                                                      "s": {"sum": {"field": "bytes"}}}})
        self.assertEqual([(b["key"], b["doc_count"]) for b in r["aggregations"]["h"]["buckets"]], [("a", 2), ("b", 1)])
        self.assertEqual(r["aggregations"]["s"]["value"], 8.0)
        with self.assertRaises(elasticsearch.NotFoundError) as e:
            self.es.search(index="py-missing")
        self.assertEqual(e.exception.error, "index_not_found_exception")
        with self.assertRaises(elasticsearch.RequestError) as e:
            self.es.search(index="py-aggs", body={"query": {"no_such_query": {}}})
        self.assertEqual(e.exception.status_code, 400)
        self.assertEqual(e.exception.error, "parsing_exception")
        with self.assertRaises(elasticsearch.ConflictError):
            self.es.create(index="py-aggs", id="x", document={"a": 1})
            self.es.create(index="py-aggs", id="x", document={"a": 2})


if __name__ == "__main__":
    unittest.main()
