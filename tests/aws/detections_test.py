"""Detections (issue #21): each rule kind fires exactly at its line (edge values, window
edges), throttling holds, a kill -9 between windows neither loses nor repeats an alert, late
data still counts, a webhook that times out or answers 500 is retried until it takes the
alert, SNS (moto) receives it, and bad rules are refused in Elasticsearch's error shape.

Rules run against a small index of hand-placed flows through `POST /_flowdex/rules/{id}/_test`
(what would fire) and `POST /_flowdex/rules/_run?now=T` (one pass of the schedule as of T),
so no test waits for the clock."""
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import FLOWDEX, MotoTestCase, QuietHandler, Serve, StandInServer, http_json, run_flowdex

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)  # a window boundary (multiple of 5 minutes)
MAPPING = {"mappings": {"properties": {
    "@timestamp": {"type": "date"}, "source": {"properties": {"ip": {"type": "ip"}, "port": {"type": "long"}}},
    "destination": {"properties": {"ip": {"type": "ip"}, "port": {"type": "long"}}},
    "event": {"properties": {"action": {"type": "keyword"}}},
    "network": {"properties": {"bytes": {"type": "long"}, "transport": {"type": "keyword"}}},
    "aws": {"properties": {"vpcflow": {"properties": {"interface_id": {"type": "keyword"}}}}}}}}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def flow(t, src, dst, port=443, action="ACCEPT", nbytes=100, eni="eni-1"):
    return {"@timestamp": iso(t), "source": {"ip": src, "port": 40000}, "destination": {"ip": dst, "port": port},
            "event": {"action": action}, "network": {"bytes": nbytes, "transport": "tcp"},
            "aws": {"vpcflow": {"interface_id": eni}}}


class DetectionsTest(MotoTestCase):
    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.dir, "data")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        super().tearDown()

    def serve(self, extra=()):
        # A long tick: the tests drive the schedule with _run.
        self.server = Serve(self.data, env=self.moto.env(), extra=["--rules-tick", "1h"] + list(extra))
        return self.server

    def api(self, method, path, body=None):
        return http_json(self.server.url + path, method, json.dumps(body) if body is not None else None)

    def index(self, docs, index="t-flows"):
        status, _ = self.api("GET", f"/{index}")
        if status == 404:
            status, body = self.api("PUT", f"/{index}", MAPPING)
            self.assertEqual(status, 200, body)
        lines = "".join(json.dumps({"index": {}}) + "\n" + json.dumps(d) + "\n" for d in docs)
        status, body = http_json(f"{self.server.url}/{index}/_bulk?refresh=true", "POST", lines,
                                 {"Content-Type": "application/x-ndjson"})
        self.assertEqual(status, 200, body)
        self.assertFalse(body["errors"], body)

    def put_rule(self, rule_id, rule, expect=(200, 201)):
        status, body = self.api("PUT", f"/_flowdex/rules/{rule_id}", rule)
        self.assertIn(status, expect, body)
        return body

    def try_rule(self, rule_id, start, end):
        status, body = self.api("POST", f"/_flowdex/rules/{rule_id}/_test?from={iso(start)}&to={iso(end)}", {})
        self.assertEqual(status, 200, body)
        return body

    def run_at(self, t):
        status, body = self.api("POST", f"/_flowdex/rules/_run?now={iso(t)}", {})
        self.assertEqual(status, 200, body)
        return body

    def alerts(self, rule=None):
        status, body = self.api("GET", "/_flowdex/alerts?size=1000" + (f"&rule={rule}" if rule else ""))
        self.assertEqual(status, 200, body)
        return body

    # --- kinds -----------------------------------------------------------------

    def test_threshold_fires_at_its_value_and_window_edges_hold(self):
        self.serve()
        start = T0 - timedelta(minutes=10)
        docs = [flow(start, "198.51.100.1", "10.0.0.5", action="REJECT") for _ in range(5)]  # the first ms counts
        docs += [flow(start + timedelta(minutes=3), "198.51.100.2", "10.0.0.5", action="REJECT") for _ in range(4)]
        docs += [flow(T0, "198.51.100.2", "10.0.0.5", action="REJECT")]  # the window's end is not in it
        docs += [flow(start + timedelta(minutes=5), "198.51.100.3", "10.0.0.5", action="ACCEPT") for _ in range(9)]
        docs += [flow(start + timedelta(minutes=1), "198.51.100.4", "10.0.0.6", nbytes=600) for _ in range(5)]
        self.index(docs)
        self.put_rule("rejects", {"kind": "threshold", "index": "t-flows", "kql": "event.action:REJECT",
                                  "interval": "10m", "window": "10m", "group_by": ["source.ip"],
                                  "threshold": {"value": 5}})
        got = self.try_rule("rejects", start, T0)
        self.assertEqual(got["windows"], 1)
        self.assertEqual([(a["fields"]["source.ip"], a["value"]) for a in got["alerts"]], [("198.51.100.1", 5)])
        self.assertEqual(got["alerts"][0]["window_end"], iso(T0))
        self.assertIn("/_ui/#/discover?q=", got["alerts"][0]["url"])
        self.assertTrue(got["alerts"][0]["url"].endswith("&index=t-flows"), got["alerts"][0]["url"])
        # Sum of bytes per destination: 3000 reaches 3000, 100 * 5 does not.
        self.put_rule("bytes", {"kind": "threshold", "index": "t-flows", "interval": "10m", "window": "10m",
                                "group_by": ["destination.ip"],
                                "threshold": {"metric": "sum", "field": "network.bytes", "value": 3000}})
        got = self.try_rule("bytes", start, T0)
        self.assertEqual([(a["fields"]["destination.ip"], a["value"]) for a in got["alerts"]], [("10.0.0.6", 3000)])
        # Without groups: one alert for the whole window (24 flows, the one at T0 excluded... 5+4+9+5 = 23).
        self.put_rule("all", {"kind": "threshold", "index": "t-flows", "interval": "10m", "window": "10m",
                              "threshold": {"value": 23}})
        got = self.try_rule("all", start, T0)
        self.assertEqual([(a["group"], a["value"]) for a in got["alerts"]], [("", 23)])

    def test_cardinality_counts_distinct_values_exactly(self):
        self.serve()
        start = T0 - timedelta(minutes=10)
        docs = []
        for p in range(1, 31):  # 30 distinct ports, each twice
            docs += [flow(start + timedelta(seconds=p), "203.0.113.9", "10.0.0.7", port=p, action="REJECT")] * 2
        for p in range(1, 30):  # 29 distinct ports, many flows
            docs += [flow(start + timedelta(seconds=p), "203.0.113.10", "10.0.0.7", port=p, action="REJECT")] * 3
        docs += [flow(start - timedelta(seconds=1), "203.0.113.10", "10.0.0.7", port=999)]  # before the window
        self.index(docs)
        self.put_rule("scan", {"kind": "cardinality", "index": "t-flows", "interval": "10m", "window": "10m",
                               "group_by": ["source.ip", "destination.ip"],
                               "cardinality": {"field": "destination.port", "value": 30}})
        got = self.try_rule("scan", start, T0)
        self.assertEqual([(a["fields"]["source.ip"], a["value"]) for a in got["alerts"]], [("203.0.113.9", 30)])
        # Below the prefilter's size (value < 20) the answer is the same kind of exact.
        self.put_rule("scan-small", {"kind": "cardinality", "index": "t-flows", "interval": "10m", "window": "10m",
                                     "group_by": ["source.ip"], "cardinality": {"field": "destination.port",
                                                                                "value": 29}})
        got = self.try_rule("scan-small", start, T0)
        self.assertEqual(sorted((a["fields"]["source.ip"], a["value"]) for a in got["alerts"]),
                         [("203.0.113.10", 29), ("203.0.113.9", 30)])

    def test_new_terms_fires_only_for_values_absent_from_the_history(self):
        self.serve()
        start = T0 - timedelta(minutes=10)
        docs = [flow(start - timedelta(days=2), "10.0.0.8", "192.0.2.1"),
                flow(start - timedelta(days=2), "10.0.0.9", "192.0.2.2"),
                flow(start - timedelta(days=9), "10.0.0.8", "192.0.2.3"),  # beyond the 7-day history
                flow(start + timedelta(minutes=1), "10.0.0.8", "192.0.2.1"),  # seen before: no
                flow(start + timedelta(minutes=2), "10.0.0.8", "192.0.2.2"),  # seen, but from another source: new
                flow(start + timedelta(minutes=3), "10.0.0.8", "192.0.2.3"),  # seen only 9 days ago: new
                flow(start + timedelta(minutes=4), "10.0.0.8", "192.0.2.3")]
        self.index(docs)
        self.put_rule("new-dst", {"kind": "new_terms", "index": "t-flows", "interval": "10m", "window": "10m",
                                  "group_by": ["source.ip"],
                                  "new_terms": {"fields": ["destination.ip"], "history": "7d"}})
        got = self.try_rule("new-dst", start, T0)
        self.assertEqual(sorted((a["fields"]["destination.ip"], a["value"]) for a in got["alerts"]),
                         [("192.0.2.2", 1), ("192.0.2.3", 2)])

    def test_spike_compares_with_the_same_window_on_previous_days(self):
        self.serve()
        start = T0 - timedelta(minutes=10)
        docs = []
        for day, n in ((1, 10), (2, 12), (3, 11)):
            docs += [flow(start - timedelta(days=day) + timedelta(seconds=i), "10.0.0.1", "10.0.0.2",
                          action="REJECT", eni="eni-a") for i in range(n)]
        # Line: median 11 + 3 * max(1.4826 * MAD 1, sqrt(11), 1) = 20.95: 20 is not a spike, 21 is.
        docs += [flow(start + timedelta(seconds=i), "10.0.0.1", "10.0.0.2", action="REJECT", eni="eni-a")
                 for i in range(20)]
        docs += [flow(start + timedelta(minutes=5, seconds=i), "10.0.0.1", "10.0.0.2", action="REJECT", eni="eni-b")
                 for i in range(21)]
        for day in (1, 2, 3):
            docs += [flow(start - timedelta(days=day), "10.0.0.1", "10.0.0.2", action="REJECT", eni="eni-b")] * 11
        self.index(docs)
        self.put_rule("spike", {"kind": "spike", "index": "t-flows", "kql": "event.action:REJECT",
                                "interval": "10m", "window": "10m", "group_by": ["aws.vpcflow.interface_id"],
                                "spike": {"baseline_days": 3, "k": 3, "min_count": 5}})
        got = self.try_rule("spike", start, T0)
        self.assertEqual([(a["fields"]["aws.vpcflow.interface_id"], a["value"], a["baseline"])
                          for a in got["alerts"]], [("eni-b", 21, 11)])
        self.assertAlmostEqual(got["alerts"][0]["threshold"], 11 + 3 * 11 ** 0.5, places=6)

    # --- errors ----------------------------------------------------------------

    def test_bad_rules_are_refused_in_elasticsearchs_error_shape(self):
        self.serve()
        self.index([flow(T0, "10.0.0.1", "10.0.0.2")])
        base = {"kind": "threshold", "index": "t-flows", "threshold": {"value": 1}}
        status, body = self.api("PUT", "/_flowdex/rules/r1", {**base, "group_by": ["dest.port"]})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["type"], "illegal_argument_exception")
        self.assertIn("[dest.port]", body["error"]["reason"])
        self.assertEqual(body["status"], 400)
        status, body = self.api("PUT", "/_flowdex/rules/r1", {**base, "kql": "source.ip:(10.0.0.1"})
        self.assertEqual(status, 400, body)
        self.assertIn("type", body["error"])
        self.assertTrue(body["error"]["root_cause"], body)
        status, body = self.api("PUT", "/_flowdex/rules/r1", {**base, "kql": "destination.port:ssh"})
        self.assertEqual(status, 400, body)
        self.assertIn("ssh", json.dumps(body["error"]))
        status, body = self.api("PUT", "/_flowdex/rules/r1", {**base, "windw": "10m"})
        self.assertEqual((status, body["error"]["type"]), (400, "illegal_argument_exception"), body)
        self.assertIn("[windw]", body["error"]["reason"])
        status, body = self.api("PUT", "/_flowdex/rules/Bad%20Id", base)
        self.assertEqual(status, 400, body)
        status, body = self.api("PUT", "/_flowdex/rules/r1", {**base, "kind": "threshhold"})
        self.assertIn("threshhold", body["error"]["reason"])
        status, body = self.api("GET", "/_flowdex/rules/nope")
        self.assertEqual((status, body["error"]["type"]), (404, "resource_not_found_exception"), body)
        status, body = self.api("DELETE", "/_flowdex/rules/port-scan")
        self.assertEqual(status, 400, body)  # prebuilt: disable, not delete
        status, body = self.api("POST", "/_flowdex/rules", {**base, "id": "r2"})
        self.assertEqual(status, 201, body)
        status, body = self.api("POST", "/_flowdex/rules", {**base, "id": "r2"})
        self.assertEqual((status, body["error"]["type"]), (400, "resource_already_exists_exception"), body)
        status, body = self.api("DELETE", "/_flowdex/rules/r2")
        self.assertEqual(status, 200, body)
        status, _ = self.api("GET", "/_flowdex/rules/r2")
        self.assertEqual(status, 404)

    # --- the schedule ----------------------------------------------------------

    def test_throttle_restart_late_data_and_a_webhook_that_fails_first(self):
        received, lock = [], threading.Lock()
        answers = iter(["sleep", 500])  # then 200 for good

        class Hook(QuietHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    answer = next(answers, 200)
                    received.append((answer, body))  # in order of arrival
                if answer == "sleep":
                    time.sleep(2.5)  # past the action's 1 s timeout
                    answer = 200
                self.reply(answer, b"{}", "application/json")

        hook = StandInServer(Hook)
        try:
            self.serve()
            a, b = "198.51.100.20", "198.51.100.21"
            # A: 3 REJECTs in each of the windows ending T0 and T0+5m; B: 3 in the window ending T0+15m.
            docs = [flow(T0 - timedelta(minutes=4, seconds=i), a, "10.0.0.5", action="REJECT") for i in range(3)]
            docs += [flow(T0 + timedelta(minutes=2, seconds=i), a, "10.0.0.5", action="REJECT") for i in range(3)]
            docs += [flow(T0 + timedelta(minutes=12, seconds=i), b, "10.0.0.5", action="REJECT") for i in range(3)]
            self.index(docs)
            self.put_rule("rej", {"kind": "threshold", "index": "t-flows", "kql": "event.action:REJECT",
                                  "interval": "5m", "window": "5m", "group_by": ["source.ip"],
                                  "threshold": {"value": 3}, "throttle": "30m", "severity": "high",
                                  "actions": [{"type": "webhook", "url": hook.url + "/hook", "timeout": "1s"},
                                              {"type": "log"}]})
            self.assertEqual(self.run_at(T0)["alerts_recorded"], 1)
            self.assertEqual(self.run_at(T0 + timedelta(minutes=5))["alerts_recorded"], 0)  # throttled
            alerts = self.alerts("rej")
            self.assertEqual([x["flowdex"]["alert"]["fields"]["source.ip"] for x in alerts["alerts"]], [a])
            first_id = alerts["alerts"][0]["id"]
            self.assertEqual(alerts["alerts"][0]["event"]["end"], iso(T0))
            self.assertIn("source.ip:\"198.51.100.20\"", alerts["alerts"][0]["flowdex"]["alert"]["kql"])

            # The webhook: a timeout, a 500, then the alert is taken (the outbox retries every 1-2 s).
            deadline = time.time() + 30
            while time.time() < deadline and len(received) < 3:
                time.sleep(0.2)
            with lock:
                self.assertGreaterEqual(len(received), 3, received)
                self.assertEqual([ans for ans, _ in received[:3]], ["sleep", 500, 200])
                for _, body in received:
                    self.assertIn("198.51.100.20", body["text"])
                    self.assertIn("[high]", body["text"])
                    self.assertEqual(body["alert"]["flowdex"]["alert"]["fields"]["source.ip"], a)

            # kill -9 in the middle of the schedule, then on: A stays throttled, B fires once.
            self.server.stop(signal.SIGKILL)
            self.serve()
            self.assertEqual(self.run_at(T0 + timedelta(minutes=10))["alerts_recorded"], 0)
            self.assertEqual(self.run_at(T0 + timedelta(minutes=15))["alerts_recorded"], 1)
            self.assertEqual(self.run_at(T0 + timedelta(minutes=15))["alerts_recorded"], 0)  # the same pass again
            alerts = self.alerts("rej")
            self.assertEqual(sorted(x["flowdex"]["alert"]["fields"]["source.ip"] for x in alerts["alerts"]), [a, b])
            self.assertIn(first_id, [x["id"] for x in alerts["alerts"]])

            # Late data: flows for the window ending T0+20m arrive after it was evaluated.
            self.assertEqual(self.run_at(T0 + timedelta(minutes=20))["alerts_recorded"], 0)
            self.index([flow(T0 + timedelta(minutes=17, seconds=i), "198.51.100.22", "10.0.0.5", action="REJECT")
                        for i in range(4)])
            self.assertEqual(self.run_at(T0 + timedelta(minutes=21))["alerts_recorded"], 1)
            late = [x for x in self.alerts("rej")["alerts"]
                    if x["flowdex"]["alert"]["fields"]["source.ip"] == "198.51.100.22"]
            self.assertEqual([(x["event"]["end"], x["flowdex"]["alert"]["value"]) for x in late],
                             [(iso(T0 + timedelta(minutes=20)), 4)])
            self.assertIn("flowdex alert: [high]", self.server.log())
        finally:
            hook.close()

    def test_sns_action_publishes_the_alert(self):
        sns = self.moto.client("sns")
        topic = sns.create_topic(Name="flowdex-alerts")["TopicArn"]
        queue_url = self.sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        self.serve()
        self.index([flow(T0 - timedelta(minutes=1), "198.51.100.30", "10.0.0.5", action="REJECT")])
        self.put_rule("sns", {"kind": "threshold", "index": "t-flows", "interval": "5m", "window": "5m",
                              "group_by": ["source.ip"], "threshold": {"value": 1},
                              "actions": [{"type": "sns", "topic_arn": topic}]})
        self.assertEqual(self.run_at(T0)["alerts_recorded"], 1)
        messages = []
        deadline = time.time() + 20
        while time.time() < deadline and not messages:
            messages = self.sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        self.assertTrue(messages, self.server.log())
        envelope = json.loads(messages[0]["Body"])
        self.assertIn("198.51.100.30", envelope["Subject"])
        text, alert = envelope["Message"].split("\n\n", 1)
        self.assertEqual(json.loads(alert)["rule"]["id"], "sns")
        self.assertIn("198.51.100.30", text)

    def test_prebuilt_rules_find_planted_incidents_and_nothing_else(self):
        # Two hours of generated traffic with four labelled incidents; the schedule replayed over
        # it with every prebuilt rule on must alert on each incident, by its parties, and on
        # nothing else (the excessive-REJECT rule also sees the 1,000-port scan: rightly).
        gen, labels = os.path.join(self.dir, "gen"), os.path.join(self.dir, "labels.jsonl")
        start = "2027-01-01T00:00Z"
        run_flowdex(["gen", "--records", "120000", "--files", "24", "--start", start, "--seed", "5", "--out", gen,
                     "--labels", labels, "--inject", "portscan@2027-01-01T00:31Z", "--inject",
                     "sweep@2027-01-01T00:52Z", "--inject", "ssh-from-internet@2027-01-01T01:13Z",
                     "--inject", "exfil@2027-01-01T01:34Z"], self.moto.env())
        run_flowdex(["ingest", "--data", self.data, gen], self.moto.env())
        with open(labels) as f:
            incidents = [json.loads(line) for line in f]
        self.serve(extra=["--enable-rules", "all"])
        # Replays every 5 minutes of the two hours (a pass catches up on what it has not seen).
        t = datetime(2027, 1, 1, tzinfo=timezone.utc)
        self.run_at(t)
        for _ in range(24):
            t += timedelta(minutes=5)
            self.run_at(t)
        got = sorted((a["rule"]["id"], a["flowdex"]["alert"]["group"]) for a in self.alerts()["alerts"])
        by = {i["kind"]: i for i in incidents}
        expected = sorted([
            ("port-scan", f"source.ip={by['portscan']['source']}, destination.ip={by['portscan']['destination']}"),
            ("excessive-rejects-from-source", f"source.ip={by['portscan']['source']}"),
            ("address-sweep", f"source.ip={by['sweep']['source']}, destination.port=22"),
            ("ssh-rdp-from-internet", f"destination.ip={by['ssh-from-internet']['destination']}, destination.port=22"),
            ("large-egress-per-interface", f"aws.vpcflow.interface_id={by['exfil']['interface_id']}"),
        ])
        self.assertEqual(got, expected)

    def test_prebuilt_rules_are_listed_off_and_enabled_by_flag(self):
        self.serve(extra=["--enable-rules", "port-scan,address-sweep"])
        status, body = self.api("GET", "/_flowdex/rules")
        self.assertEqual(status, 200, body)
        rules = {r["id"]: r for r in body["rules"]}
        for rule_id in ("ssh-rdp-from-internet", "port-scan", "address-sweep", "excessive-rejects-from-source",
                        "reject-spike-per-interface", "large-egress-per-interface", "rare-destination-country",
                        "new-destination-asn-for-subnet"):
            self.assertTrue(rules[rule_id]["prebuilt"], rule_id)
            self.assertEqual(rules[rule_id]["enabled"], rule_id in ("port-scan", "address-sweep"), rule_id)
        status, body = self.api("POST", "/_flowdex/rules/port-scan/_disable", {})
        self.assertEqual((status, body["rule"]["enabled"]), (200, False), body)
        self.server.stop()
        self.serve()  # the choice survives a restart
        status, body = self.api("GET", "/_flowdex/rules/port-scan")
        self.assertEqual((status, body["enabled"]), (200, False), body)
        status, body = self.api("GET", "/_flowdex/rules/address-sweep")
        self.assertEqual(body["enabled"], True, body)


if __name__ == "__main__":
    unittest.main()
