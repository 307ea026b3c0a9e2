"""The credentials chain, end to end against moto_server with SigV4 checking on:
a profile from the shared files, container credentials, EC2 IMDSv2 and web identity
(STS AssumeRoleWithWebIdentity, moto's STS). ECS's agent and EC2's metadata service
cannot run here, so MetadataStandIn below plays them (written for this test, shapes
as AWS documents them); the keys it hands out are real moto keys, so a request only
succeeds if flowdex used them."""
import json
import os
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import Moto, MotoTestCase, QuietHandler, StandInServer, make_pipeline, run_flowdex


class MetadataStandIn(StandInServer):
    def __init__(self, key_id, secret, expires_in=3600, token_required=None):
        self.key_id, self.secret, self.expires_in = key_id, secret, expires_in
        self.token_required = token_required
        self.hits = []
        super().__init__(MetadataHandler)

    def credentials(self):
        expiration = (datetime.now(timezone.utc) + timedelta(seconds=self.expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": self.key_id,
                           "SecretAccessKey": self.secret, "Token": "", "Expiration": expiration}).encode()


class MetadataHandler(QuietHandler):
    def do_PUT(self):
        self.server.hits.append(("PUT", self.path, dict(self.headers)))
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(200, b"imds-session-token")
        self.reply(400)

    def do_GET(self):
        self.server.hits.append(("GET", self.path, dict(self.headers)))
        if self.path.startswith("/latest/"):
            if self.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                return self.reply(401)  # IMDSv2 only
            if self.path == "/latest/meta-data/iam/security-credentials/":
                return self.reply(200, b"flowdex-role")
            if self.path == "/latest/meta-data/iam/security-credentials/flowdex-role":
                return self.reply(200, self.server.credentials())
            return self.reply(404)
        if self.path == "/creds":
            if self.server.token_required and self.headers.get("Authorization") != self.server.token_required:
                return self.reply(403)
            return self.reply(200, self.server.credentials())
        self.reply(404)


class CredentialsChainTest(MotoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.queue, _ = make_pipeline(cls.moto, "chain")

    def env_without_keys(self, **extra):
        env = self.moto.env(HOME=self.dir, **extra)
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        return env

    def drain(self, env):
        return run_flowdex(["worker", "--queue-url", self.queue, "--data", os.path.join(self.dir, "d"), "--wait", "1",
                            "--exit-when-idle"], env)

    def test_profile_from_shared_files(self):
        os.makedirs(os.path.join(self.dir, ".aws"))
        with open(os.path.join(self.dir, ".aws", "credentials"), "w") as f:
            f.write(f"[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n"
                    f"[flowdex]\naws_access_key_id = {self.moto.key_id}\naws_secret_access_key = {self.moto.secret}\n")
        with open(os.path.join(self.dir, ".aws", "config"), "w") as f:
            f.write("[profile flowdex]\nregion = us-east-1\n")
        self.drain(self.env_without_keys(AWS_PROFILE="flowdex"))
        p = run_flowdex(["worker", "--queue-url", self.queue, "--data", os.path.join(self.dir, "d"), "--wait", "1",
                         "--exit-when-idle"], self.env_without_keys(), check=False)
        self.assertEqual(p.returncode, 1)  # the default profile's keys are wrong
        self.assertIn("InvalidClientTokenId", p.stderr)

    def test_container_credentials_with_token(self):
        stand_in = MetadataStandIn(self.moto.key_id, self.moto.secret, token_required="Bearer abc")
        try:
            token_file = os.path.join(self.dir, "token")
            with open(token_file, "w") as f:
                f.write("Bearer abc\n")
            self.drain(self.env_without_keys(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{stand_in.url}/creds",
                                             AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file))
            self.assertEqual([h[1] for h in stand_in.hits], ["/creds"])  # fetched once, then cached
        finally:
            stand_in.close()

    def test_imds_v2_and_refresh_before_expiry(self):
        # Credentials that expire within the refresh margin are fetched again for each call.
        stand_in = MetadataStandIn(self.moto.key_id, self.moto.secret, expires_in=120)
        for _ in range(2):  # something to receive and delete: several calls
            self.sqs.send_message(QueueUrl=self.queue, MessageBody='{"Service":"Amazon S3","Event":"s3:TestEvent"}')
        try:
            self.drain(self.env_without_keys(AWS_EC2_METADATA_DISABLED="false",
                                             AWS_EC2_METADATA_SERVICE_ENDPOINT=stand_in.url))
            puts = [h for h in stand_in.hits if h[0] == "PUT"]
            self.assertGreaterEqual(len(puts), 2)
            self.assertTrue(all(h[2].get("X-aws-ec2-metadata-token-ttl-seconds") == "21600" for h in puts))
        finally:
            stand_in.close()

    def test_web_identity_through_sts(self):
        # moto answers an unsigned AssumeRoleWithWebIdentity (which real STS takes: the
        # token is the proof) with HTTP 500 while it checks signatures, so this one runs
        # against a second moto without signature checks.
        moto = Moto(auth=False)
        self.addCleanup(moto.stop)
        queue, _ = make_pipeline(moto, "web")
        iam = moto.client("iam")
        role = iam.create_role(RoleName=f"web-{time.time_ns()}", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "x"},
                                                   "Action": "sts:AssumeRoleWithWebIdentity"}]}))["Role"]
        iam.put_role_policy(RoleName=role["RoleName"], PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        token_file = os.path.join(self.dir, "web-token")
        with open(token_file, "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl")
        env = moto.env(HOME=self.dir, AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN=role["Arn"])
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        p = run_flowdex(["worker", "--queue-url", queue, "--data", os.path.join(self.dir, "w"), "--wait", "1",
                         "--exit-when-idle"], env)
        self.assertIn("s3:TestEvent", p.stderr)
        bad = dict(env, AWS_WEB_IDENTITY_TOKEN_FILE=os.path.join(self.dir, "missing-token"))
        p = run_flowdex(["worker", "--queue-url", queue, "--data", os.path.join(self.dir, "w"), "--wait", "1",
                         "--exit-when-idle"], bad, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot read AWS_WEB_IDENTITY_TOKEN_FILE", p.stderr)


if __name__ == "__main__":
    unittest.main()
