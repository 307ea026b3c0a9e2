"""The AWS inventory against moto_server's EC2 (signatures and IAM checked):
`flowdex inventory sync` reads interfaces, instances (paginated), security
groups, subnets and VPCs; an address that moves from one instance to another
between two syncs names the flows before and after the move by the owner of
their time, in parse output, in the store (KQL, terms) and through serve's
--inventory-refresh; a caller without the Describe permissions gets AWS's
error and the history is left as it was."""
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import FLOWDEX, REGION, Background, MotoTestCase, Serve, free_port, http_json, run_flowdex, wait_for_port

ACCOUNT = "123456789012"


def flow_line(eni, src, dst, sport, dport, start, action="ACCEPT"):
    return f"2 {ACCOUNT} {eni} {src} {dst} {sport} {dport} 6 10 840 {start} {start + 60} {action} OK"


class InventoryTest(MotoTestCase):
    networks = iter(range(1, 250))

    def setUp(self):
        super().setUp()
        # The tests share one moto: each has its own addresses, since an
        # address known in several VPCs is not named without the flow's VPC.
        self.net = next(self.networks)
        self.ec2 = self.moto.client("ec2")
        self.env = self.moto.env()
        self.data = os.path.join(self.dir, "data")
        vpc = self.ec2.create_vpc(CidrBlock=f"10.{self.net}.0.0/16")["Vpc"]["VpcId"]
        self.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": f"prod-{os.path.basename(self.dir)}"}])
        self.vpc, self.vpc_name = vpc, f"prod-{os.path.basename(self.dir)}"
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{self.net}.1.0/24")["Subnet"]["SubnetId"]
        self.web_sg = self.ec2.create_security_group(GroupName="web", Description="w", VpcId=vpc)["GroupId"]
        self.ssh_sg = self.ec2.create_security_group(GroupName="ssh", Description="s", VpcId=vpc)["GroupId"]

    def ip(self, host):
        return f"10.{self.net}.1.{host}"

    def run_instance(self, name, ip):
        r = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=self.subnet,
                                   PrivateIpAddress=ip, SecurityGroupIds=[self.web_sg, self.ssh_sg],
                                   TagSpecifications=[{"ResourceType": "instance",
                                                       "Tags": [{"Key": "Name", "Value": name}]}])
        inst = r["Instances"][0]
        return inst["InstanceId"], inst["NetworkInterfaces"][0]["NetworkInterfaceId"]

    def attach_address(self, instance_id, ip, description):
        """A second interface holding `ip`, attached to the instance; returns (interface, attachment)."""
        eni = self.ec2.create_network_interface(SubnetId=self.subnet, PrivateIpAddress=ip, Description=description,
                                                Groups=[self.web_sg, self.ssh_sg])["NetworkInterface"]
        att = self.ec2.attach_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"], InstanceId=instance_id,
                                                DeviceIndex=1)["AttachmentId"]
        return eni["NetworkInterfaceId"], att

    def sync(self, *extra, check=True):
        return run_flowdex(["inventory", "sync", "--data", self.data] + list(extra), self.env, check=check)

    def parse(self, path):
        p = run_flowdex(["parse", "--inventory", os.path.join(self.data, "inventory.json"), path], self.env)
        return [json.loads(line) for line in p.stdout.splitlines()]

    def test_a_move_between_syncs_names_flows_by_the_owner_of_their_time(self):
        # Address .10 is on an interface of web-1; between the syncs that interface
        # goes and a new one with the same address comes on web-2 (address reuse).
        a_id, _ = self.run_instance("web-1", self.ip(50))
        b_id, _ = self.run_instance("web-2", self.ip(51))
        a_eni, a_att = self.attach_address(a_id, self.ip(10), "app on web-1")
        # More instances than a page (--page-size 5): DescribeInstances must follow NextToken.
        for i in range(6):
            self.run_instance(f"batch-{i}", self.ip(100 + i))
        p = self.sync("--page-size", "5")
        self.assertIn("0 changed owner", p.stderr)
        t1 = int(time.time())
        time.sleep(1.5)
        self.ec2.detach_network_interface(AttachmentId=a_att)
        self.ec2.delete_network_interface(NetworkInterfaceId=a_eni)
        b_eni, _ = self.attach_address(b_id, self.ip(10), "app on web-2")
        time.sleep(1.5)
        p = self.sync("--page-size", "5")
        t2 = int(time.time())
        self.assertIn("1 changed owner", p.stderr)

        show = run_flowdex(["inventory", "show", "--data", self.data, self.ip(10)], self.env).stdout
        self.assertIn("web-1", show)
        self.assertIn("web-2", show)
        self.assertIn("(before the first sync)", show)
        everything = run_flowdex(["inventory", "show", "--data", self.data], self.env).stdout
        for i in range(6):
            self.assertIn(f"batch-{i}", everything)  # names from the second page of instances

        logs = os.path.join(self.dir, "flows.log")
        with open(logs, "w") as f:
            f.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
                    "start end action log-status\n")
            f.write(flow_line(a_eni, self.ip(10), "203.0.113.5", 443, 50000, t1 - 3600) + "\n")  # before: web-1
            f.write(flow_line(b_eni, self.ip(10), "203.0.113.5", 443, 50001, t2 + 60) + "\n")  # after: web-2
            f.write(flow_line(b_eni, "203.0.113.9", self.ip(101), 50002, 22, t2 + 60, "REJECT") + "\n")
            f.write(flow_line(b_eni, "10.0.9.9", self.ip(10), 50003, 5432, t2 + 60) + "\n")  # unknown source

        docs = self.parse(logs)
        self.assertEqual(len(docs), 4)
        first, second, third, fourth = docs
        self.assertEqual(first["source"]["aws"]["instance"], {"id": a_id, "name": "web-1"})
        self.assertEqual(second["source"]["aws"]["instance"], {"id": b_id, "name": "web-2"})
        self.assertEqual(second["source"]["aws"]["interface"]["id"], b_eni)
        self.assertEqual(second["source"]["aws"]["interface"],
                         {"id": b_eni, "type": "interface", "description": "app on web-2"})
        groups = second["source"]["aws"]["security_group"]  # in the order EC2 lists them
        self.assertEqual(sorted(zip(groups["id"], groups["name"])), sorted([(self.web_sg, "web"), (self.ssh_sg, "ssh")]))
        self.assertEqual(second["source"]["aws"]["subnet"], {"id": self.subnet})
        self.assertEqual(second["source"]["aws"]["vpc"], {"id": self.vpc, "name": self.vpc_name})
        self.assertNotIn("aws", second["destination"])  # a public address the inventory does not hold
        self.assertEqual(third["destination"]["aws"]["instance"]["name"], "batch-1")
        self.assertNotIn("aws", fourth["source"])
        self.assertEqual(fourth["destination"]["aws"]["instance"]["name"], "web-2")

        # The store: the same names, searchable and aggregatable.
        run_flowdex(["ingest", "--data", self.data, logs], self.env)

        def search(kql):
            out = run_flowdex(["search", "--data", self.data, "--from", "now-30d", "--to", "now+1d", "--format",
                               "ndjson", "--size", "50", kql], self.env).stdout
            return sorted((d["source"]["port"], d["destination"]["port"]) for d in map(json.loads, out.splitlines()))

        self.assertEqual(search("source.aws.instance.name:web-1"), [(443, 50000)])
        self.assertEqual(search("source.aws.instance.name:web-2"), [(443, 50001)])
        self.assertEqual(search("source.aws.instance.name:web-* or destination.aws.instance.name:web-*"),
                         [(443, 50000), (443, 50001), (50003, 5432)])
        self.assertEqual(search("destination.aws.security_group.name:ssh and destination.port:22"), [(50002, 22)])
        self.assertEqual(search(f"source.aws.vpc.name:{self.vpc_name} and not source.aws.instance.name:web-1"),
                         [(443, 50001)])
        body = {"size": 0, "query": {"range": {"@timestamp": {"gte": "now-30d"}}},
                "aggs": {"groups": {"terms": {"field": "source.aws.security_group.name"}},
                         "names": {"terms": {"field": "source.aws.instance.name"}}}}
        out = run_flowdex(["query", "--data", self.data, "--index", "*", json.dumps(body)], self.env).stdout
        aggs = json.loads(out)["aggregations"]
        self.assertEqual({b["key"]: b["doc_count"] for b in aggs["groups"]["buckets"]}, {"web": 2, "ssh": 2})
        self.assertEqual({b["key"]: b["doc_count"] for b in aggs["names"]["buckets"]}, {"web-1": 1, "web-2": 1})
        # Each file records the inventory it was named with.
        sources = run_flowdex(["check", "--data", self.data, "--sources"], self.env).stdout
        self.assertIn("AWS inventory synced", sources)

    def test_data_ingested_before_the_inventory_is_named_at_query_time(self):
        web_id, _ = self.run_instance("web-1", self.ip(10))
        db_id, _ = self.run_instance("db-1", self.ip(20))
        now = int(time.time())
        logs = os.path.join(self.dir, "old.log")
        with open(logs, "w") as f:
            f.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
                    "start end action log-status\n")
            f.write(flow_line("eni-1", self.ip(10), self.ip(20), 40000, 5432, now - 7200) + "\n")
            f.write(flow_line("eni-1", self.ip(10), self.ip(20), 40001, 5432, now - 3600) + "\n")
            f.write(flow_line("eni-1", "198.51.100.1", self.ip(10), 40002, 443, now - 3600, "REJECT") + "\n")
            f.write(flow_line("eni-1", "10.0.9.9", "198.51.100.1", 40003, 443, now - 3600) + "\n")
        run_flowdex(["ingest", "--data", self.data, logs], self.env)  # no inventory yet

        def search(kql):
            out = run_flowdex(["search", "--data", self.data, "--from", "now-1d", "--format", "ndjson", "--size",
                               "50", kql], self.env).stdout
            return [json.loads(line) for line in out.splitlines()]

        self.assertEqual(search("source.aws.instance.name:web-1"), [])
        self.sync()
        # Stored without names, named now: filters, hits and terms agree.
        hits = search("source.aws.instance.name:web-1")
        self.assertEqual(sorted(h["source"]["port"] for h in hits), [40000, 40001])
        for h in hits:
            self.assertEqual(h["source"]["aws"]["instance"], {"id": web_id, "name": "web-1"})
            self.assertEqual(h["destination"]["aws"]["instance"], {"id": db_id, "name": "db-1"})
        self.assertEqual(sorted(h["source"]["port"] for h in search("destination.aws.instance.name:web-*")), [40002])
        self.assertEqual(sorted(h["source"]["port"] for h in search("not destination.aws.instance.name:db-1")),
                         [40002, 40003])
        self.assertEqual(sorted(h["source"]["port"] for h in search("destination.aws.security_group.name:ssh")),
                         [40000, 40001, 40002])
        unnamed = search("source.port:40003")
        self.assertNotIn("aws", unnamed[0]["source"])
        body = {"size": 0, "aggs": {"by_name": {"terms": {"field": "destination.aws.instance.name"}},
                                    "groups": {"terms": {"field": "source.aws.security_group.id"}}}}
        out = run_flowdex(["query", "--data", self.data, "--index", "*", json.dumps(body)], self.env).stdout
        aggs = json.loads(out)["aggregations"]
        self.assertEqual({b["key"]: b["doc_count"] for b in aggs["by_name"]["buckets"]}, {"db-1": 2, "web-1": 1})
        self.assertEqual({b["key"]: b["doc_count"] for b in aggs["groups"]["buckets"]},
                         {self.web_sg: 2, self.ssh_sg: 2})

    def test_an_address_in_two_vpcs_is_named_by_the_vpc_of_the_flows_interface(self):
        _, web_eni = self.run_instance("web-1", self.ip(10))
        # A second VPC with the same addresses (as every default VPC has).
        vpc = self.ec2.create_vpc(CidrBlock=f"10.{self.net}.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{self.net}.1.0/24")["Subnet"]["SubnetId"]
        r = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
                                   PrivateIpAddress=self.ip(10), TagSpecifications=[
                                       {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "stage-1"}]}])
        stage_eni = r["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]
        now = int(time.time())
        logs = os.path.join(self.dir, "two.log")
        with open(logs, "w") as f:
            f.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
                    "start end action log-status\n")
            f.write(flow_line(web_eni, self.ip(10), "198.51.100.1", 40000, 443, now - 600) + "\n")
            f.write(flow_line(stage_eni, self.ip(10), "198.51.100.1", 40001, 443, now - 600) + "\n")
            f.write(flow_line("eni-elsewhere", self.ip(10), "198.51.100.1", 40002, 443, now - 600) + "\n")
        old = os.path.join(self.dir, "old")
        run_flowdex(["ingest", "--data", old, logs], self.env)  # before the inventory: named at query time
        self.sync()
        run_flowdex(["ingest", "--data", self.data, logs], self.env)  # with it: named at ingest
        expected = [(40000, "web-1"), (40001, "stage-1"), (40002, None)]  # an unknown interface: no guess
        docs = self.parse(logs)
        self.assertEqual([(d["source"]["port"], d["source"].get("aws", {}).get("instance", {}).get("name"))
                          for d in docs], expected)
        shutil.copy(os.path.join(self.data, "inventory.json"), old)
        for data in (self.data, old):
            for port, name in expected:
                if name is None:
                    continue
                out = run_flowdex(["search", "--data", data, "--from", "now-1d", "--format", "ndjson",
                                   f"source.aws.instance.name:{name}"], self.env).stdout
                self.assertEqual([json.loads(line)["source"]["port"] for line in out.splitlines()], [port], data)

    def test_serve_refreshes_the_inventory_and_names_what_it_watches(self):
        _, eni = self.run_instance("api-1", self.ip(20))
        inbox = os.path.join(self.dir, "inbox")
        os.makedirs(inbox)
        serve = Serve(self.data, self.env, ["--watch", inbox, "--inventory-refresh", "10m"])
        try:
            inventory = os.path.join(self.data, "inventory.json")
            serve.wait_for(lambda: os.path.exists(inventory), what="the first inventory sync")
            serve.wait_for(lambda: "flowdex: inventory: us-east-1" in serve.log(), what="the sync's log line")
            now = int(time.time())
            with open(os.path.join(inbox, "flows.log.tmp"), "w") as f:
                f.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
                        "start end action log-status\n")
                f.write(flow_line(eni, "198.51.100.7", self.ip(20), 40000, 443, now - 120) + "\n")
            os.rename(os.path.join(inbox, "flows.log.tmp"), os.path.join(inbox, "flows.log"))
            query = {"query_string": {"query": "destination.aws.instance.name:api-1"}}
            serve.wait_for(lambda: serve.count(query=query) == 1, what="the watched flow, named")
        finally:
            self.assertEqual(serve.stop(), 0, serve.log())

    def role(self, name, actions):
        """An IAM role allowed `actions`, as an organisation's member account would hold for flowdex."""
        iam = self.moto.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/flowdex"}, "Action": "sts:AssumeRole"}]}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        return arn

    def test_accounts_are_read_through_assumed_roles(self):
        self.run_instance("org-1", self.ip(10))
        reader = self.role(f"inventory-reader-{self.net}", ["ec2:DescribeNetworkInterfaces", "ec2:DescribeInstances",
                                                             "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                                                             "ec2:DescribeVpcs"])
        self.sync("--assume-role", reader)
        show = run_flowdex(["inventory", "show", "--data", self.data, self.ip(10)], self.env).stdout
        self.assertIn("org-1", show)
        # The calls are made with the role's credentials: a role that may not
        # describe interfaces fails, although the caller's own user may.
        blind = self.role(f"blind-{self.net}", ["s3:GetObject"])
        p = self.sync("--assume-role", blind, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("DescribeNetworkInterfaces", p.stderr)
        self.assertRegex(p.stderr, "UnauthorizedOperation|AccessDenied")

    def test_without_describe_permissions_the_history_is_kept(self):
        self.run_instance("web-1", self.ip(10))
        self.sync()
        inventory = os.path.join(self.data, "inventory.json")
        with open(inventory) as f:
            before = f.read()
        iam = self.moto.client("iam")
        user = f"no-ec2-{os.path.basename(self.dir)}"
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="s3-only", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        env = dict(self.env, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        p = run_flowdex(["inventory", "sync", "--data", self.data], env, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("DescribeNetworkInterfaces", p.stderr)
        self.assertRegex(p.stderr, "UnauthorizedOperation|AccessDenied")
        with open(inventory) as f:
            self.assertEqual(f.read(), before)
        # An explicit --inventory that does not exist is a clear error, not silence.
        p = run_flowdex(["parse", "--inventory", os.path.join(self.dir, "missing.json"), "/dev/null"], self.env,
                        check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("flowdex inventory sync", p.stderr)


if __name__ == "__main__":
    unittest.main()
