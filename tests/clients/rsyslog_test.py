#!/usr/bin/python3
"""A real shipper into flowdex's _bulk: Debian's rsyslog with omelasticsearch
tails a log file (imfile) and ships it in bulk batches. Every line is found
afterwards, exactly once; and when flowdex is stopped and started again
while lines keep coming, rsyslog's retries deliver the rest with nothing
lost or doubled.

usage: rsyslog_test.py [path/to/flowdex]"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

FLOWDEX = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                                                 "flowdex")
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RsyslogTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="flowdex-rsyslog-")
        self.port = free_port()
        self.log = os.path.join(self.dir, "app.log")
        self.serve = None
        self.start_serve()
        os.makedirs(os.path.join(self.dir, "work"))
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(f"""
global(workDirectory="{self.dir}/work")
module(load="imfile")
module(load="omelasticsearch")
template(name="doc" type="list" option.jsonf="on") {{
  property(outname="message" name="msg" format="jsonf")
}}
input(type="imfile" File="{self.log}" Tag="app" ruleset="ship" freshStartTail="off")
ruleset(name="ship") {{
  action(type="omelasticsearch" server="127.0.0.1" serverport="{self.port}" searchIndex="shipped"
         template="doc" bulkmode="on" maxbytes="32k" esVersion.major="8"
         queue.type="linkedlist" queue.size="20000" queue.dequeuebatchsize="200"
         action.resumeretrycount="-1" action.resumeInterval="1"
         errorfile="{self.dir}/es-errors.json")
}}
""")
        open(self.log, "w").close()
        self.rsyslog = subprocess.Popen([RSYSLOGD, "-n", "-f", conf, "-i", os.path.join(self.dir, "pid")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def tearDown(self):
        self.rsyslog.terminate()
        self.rsyslog.wait(30)
        self.stop_serve()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_serve(self):
        ready = os.path.join(self.dir, "ready")
        if os.path.exists(ready):
            os.remove(ready)
        self.serve = subprocess.Popen([FLOWDEX, "serve", "--data", os.path.join(self.dir, "data"), "--listen",
                                       f"127.0.0.1:{self.port}", "--ready-file", ready],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (os.path.exists(ready) and os.path.getsize(ready) > 0):
            self.assertLess(time.time(), deadline, "flowdex serve did not start")
            time.sleep(0.02)

    def stop_serve(self):
        if self.serve and self.serve.poll() is None:
            self.serve.terminate()
            self.serve.wait(30)

    def append(self, first, last):
        with open(self.log, "a") as f:
            for i in range(first, last):
                f.write(f"line {i} of the shipped log\n")

    def messages(self):
        body = json.dumps({"size": 10000, "_source": ["message"]}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/shipped/_search", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return [h["_source"]["message"] for h in json.loads(r.read())["hits"]["hits"]]
        except Exception:
            return []

    def wait_for(self, n, timeout=90):
        deadline = time.time() + timeout
        got = []
        while time.time() < deadline:
            got = self.messages()
            if len(got) >= n:
                time.sleep(1)  # nothing more may come
                return self.messages()
            time.sleep(0.3)
        return got

    def test_every_line_once_across_a_restart(self):
        self.append(0, 2000)
        got = self.wait_for(2000)
        self.assertEqual(sorted(got), sorted(f"line {i} of the shipped log" for i in range(2000)))
        # flowdex goes away while lines keep coming; rsyslog retries until it is back.
        self.stop_serve()
        self.append(2000, 2600)
        time.sleep(2)
        self.start_serve()
        got = self.wait_for(2600)
        self.assertEqual(len(got), 2600, "nothing lost, nothing doubled")
        self.assertEqual(set(got), {f"line {i} of the shipped log" for i in range(2600)})
        self.assertFalse(os.path.exists(os.path.join(self.dir, "es-errors.json")), "no item was refused")


if __name__ == "__main__":
    unittest.main()
