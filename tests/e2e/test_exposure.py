#!/usr/bin/env python3
"""Exposure: the Host and Origin checks on loopback, and SigV4 off loopback. The exposed server
listens on 0.0.0.0 (not loopback, so signatures are required) and is reached through 127.0.0.1
only; boto3, botocore's presigner, raw HTTP and the AWS CLI v2 sign with the right key, a wrong
secret, an unknown key, or not at all."""
import datetime
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.auth  # noqa: E402
import boto3  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import harness  # noqa: E402
from harness import (CLI_TIMEOUT_S, REGION, STRATUS_BIN, StratusServer,  # noqa: E402
                     StratusTestCase, aws_cli_executable, main, raw_socket_exchange,
                     unique_name)

KEY, SECRET = "AKIDSTRATUSEXPOSED01", "s3cr3t/with+chars="
KEY2, SECRET2 = "AKIDSTRATUSEXPOSED02", "another-secret"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."
# The exposed server's banner names 0.0.0.0; harness matches 127.0.0.1 only.
harness.BANNER_RE = re.compile(
    r"^stratus: listening on http://(?:127\.0\.0\.1|0\.0\.0\.0):(\d+) \(data dir (.*), (\d+) "
    r"functions\)\s*$")


def client(endpoint, key, secret):
    cfg = Config(region_name=REGION, retries={"total_max_attempts": 1, "mode": "standard"},
                 connect_timeout=5, read_timeout=60)
    return boto3.session.Session().client(
        "lambda", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret, config=cfg)


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


class LoopbackPolicyTest(StratusTestCase):
    """The default (loopback) server: no signatures needed, Host and Origin still checked."""

    def test_any_credentials_or_none_are_accepted(self):
        self.assertIn("Functions", self.lam.list_functions())
        other = client(self.server.endpoint, "whatever", "anything")
        self.assertIn("Functions", other.list_functions())
        status, _, _ = request(self.server.port, "GET", "/2015-03-31/functions/")
        self.assertEqual(status, 200)

    def test_loopback_host_names_are_accepted(self):
        port = self.server.port
        for host in ["localhost", "127.0.0.1:%d" % port, "localhost:%d" % port,
                     "[::1]:%d" % port, "[::1]", "fn-abc.localhost:%d" % port, "LOCALHOST"]:
            status, _, body = request(port, "GET", "/2015-03-31/functions/", {"Host": host})
            self.assertEqual(status, 200, (host, body))

    def test_a_foreign_host_is_refused(self):
        for host in ["evil.example", "evil.example:%d" % self.server.port, "127.0.0.1.evil.example",
                     "localhost.evil", "local host", "a:b:c"]:
            status, headers, body = request(self.server.port, "GET", "/2015-03-31/functions/",
                                            {"Host": host})
            self.assertEqual(status, 403, (host, body))
            self.assertEqual(headers.get("x-amzn-errortype"), "AccessDeniedException", host)
            self.assertIn("--allow-host", json.loads(body)["Message"])

    def test_get_function_never_echoes_a_rebound_host(self):
        name, _, _ = self.create_function()
        path = "/2015-03-31/functions/%s" % name
        # DNS rebinding: the attacker's name resolving to 127.0.0.1.
        status, _, body = request(self.server.port, "GET", path,
                                  {"Host": "attacker.example:%d" % self.server.port})
        self.assertEqual(status, 403, body)
        self.assertNotIn(b"attacker", body.replace(b"Host 'attacker.example", b""))
        status, _, body = request(self.server.port, "GET", path,
                                  {"Host": "localhost:%d" % self.server.port})
        self.assertEqual(status, 200, body)
        location = json.loads(body)["Code"]["Location"]
        self.assertTrue(location.startswith("http://localhost:%d/_stratus/code/" % self.server.port),
                        location)

    def test_http11_without_host_is_400_but_http10_is_served(self):
        raw = raw_socket_exchange(self.server.port,
                                  b"GET /2015-03-31/functions/ HTTP/1.1\r\nConnection: close\r\n\r\n")
        self.assertTrue(raw.startswith(b"HTTP/1.1 400 "), raw[:200])
        self.assertIn(b"Host header", raw)
        raw = raw_socket_exchange(self.server.port, b"GET /2015-03-31/functions/ HTTP/1.0\r\n\r\n")
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 "), raw[:200])

    def test_a_web_page_cannot_create_a_function(self):
        # A "simple" cross-origin request: text/plain POST, no preflight.
        name = unique_name()
        body = json.dumps({"FunctionName": name, "Runtime": "nodejs20.x", "Role": harness.ROLE,
                           "Handler": "index.handler",
                           "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})
        status, headers, resp = request(self.server.port, "POST", "/2015-03-31/functions",
                                        {"Origin": "http://evil.example",
                                         "Content-Type": "text/plain"}, body)
        self.assertEqual(status, 403, resp)
        self.assertEqual(headers.get("x-amzn-errortype"), "AccessDeniedException")
        self.assertIn("--allow-origin http://evil.example", json.loads(resp)["Message"])
        self.assertNotIn("access-control-allow-origin", headers)
        names = [f["FunctionName"] for f in self.lam.list_functions()["Functions"]]
        self.assertNotIn(name, names)


class AllowedOriginTest(StratusTestCase):
    server_args = ["--allow-origin", "http://app.example:3000", "--allow-host", "stratus.test"]

    def test_allowed_origin_gets_cors_answers(self):
        port = self.server.port
        status, headers, body = request(port, "GET", "/2015-03-31/functions/",
                                        {"Origin": "http://app.example:3000"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("access-control-allow-origin"), "http://app.example:3000")
        status, headers, _ = request(port, "OPTIONS", "/2015-03-31/functions", {
            "Origin": "http://app.example:3000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-date"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("access-control-allow-origin"), "http://app.example:3000")
        self.assertEqual(headers.get("access-control-allow-headers"), "content-type,x-amz-date")
        self.assertIn("POST", headers.get("access-control-allow-methods", ""))
        status, _, _ = request(port, "GET", "/2015-03-31/functions/",
                               {"Origin": "http://app.example:3001"})
        self.assertEqual(status, 403)

    def test_allow_host_adds_a_name(self):
        status, _, body = request(self.server.port, "GET", "/2015-03-31/functions/",
                                  {"Host": "stratus.test:%d" % self.server.port})
        self.assertEqual(status, 200, body)
        status, _, _ = request(self.server.port, "GET", "/2015-03-31/functions/",
                               {"Host": "other.test"})
        self.assertEqual(status, 403)


class ExposedServerTest(StratusTestCase):
    """--listen 0.0.0.0 with two credentials; every request is checked as AWS checks it."""

    server_args = ["--listen", "0.0.0.0:0", "--credentials", "%s:%s" % (KEY, SECRET),
                   "--credentials", "%s:%s" % (KEY2, SECRET2)]

    @classmethod
    def _attach(cls, server):
        cls.server = server
        cls.lam = client(server.endpoint, KEY, SECRET)
        cls.lam_nv = cls.lam

    def assertRefused(self, fn, code, message=None, message_prefix=None):
        resp = self.assertAwsError(fn, code, 403, message=message, message_prefix=message_prefix)
        return resp

    def test_warning_on_stderr_and_banner_first_on_stdout(self):
        self.assertTrue(self.server.banner.startswith("stratus: listening on http://0.0.0.0:"))
        self.assertIn("WARNING: listening on 0.0.0.0, which is not a loopback address",
                      self.server.log_tail(100000))

    def test_the_right_key_works_end_to_end(self):
        name, _, _ = self.create_function(source="exports.handler = async (e) => ({got: e});\n")
        arn = harness.function_arn(name)
        # An ARN in the path: botocore sends it percent-encoded and signs it encoded twice.
        got = self.lam.get_function(FunctionName=arn)
        self.assertEqual(got["Configuration"]["FunctionName"], name)
        self.assertEqual(self.invoke_ok(arn, {"a": 1}),
                         {"got": {"a": 1}})
        listed = self.lam.list_functions(MaxItems=50)
        self.assertIn(name, [f["FunctionName"] for f in listed["Functions"]])
        second = client(self.server.endpoint, KEY2, SECRET2)
        self.assertEqual(second.get_function_configuration(FunctionName=name)["FunctionName"], name)
        self.lam.tag_resource(Resource=arn, Tags={"k": "v with space/and:colon"})
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"k": "v with space/and:colon"})

    def test_a_wrong_secret_is_an_invalid_signature(self):
        bad = client(self.server.endpoint, KEY, "not-the-secret")
        self.assertRefused(bad.list_functions, "InvalidSignatureException", SIGNATURE_MISMATCH)

    def test_an_unknown_key_is_unrecognized(self):
        bad = client(self.server.endpoint, "AKIDNOBODYKNOWS", SECRET)
        self.assertRefused(bad.list_functions, "UnrecognizedClientException", INVALID_TOKEN)

    def test_no_signature_is_missing_authentication(self):
        status, headers, body = request(self.server.port, "GET", "/2015-03-31/functions/")
        self.assertEqual(status, 403)
        self.assertEqual(headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException")
        self.assertEqual(json.loads(body), {"message": "Missing Authentication Token"})
        # boto3 with signing turned off gets the same.
        from botocore import UNSIGNED
        unsigned = boto3.session.Session().client(
            "lambda", endpoint_url=self.server.endpoint, region_name=REGION,
            config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
        self.assertRefused(unsigned.list_functions, "MissingAuthenticationTokenException",
                           "Missing Authentication Token")
        # Health needs no signature (the harness polls it).
        self.assertEqual(request(self.server.port, "GET", "/_stratus/health")[0], 200)

    def test_a_tampered_body_fails(self):
        name, _, _ = self.create_function()
        creds = Credentials(KEY, SECRET)
        url = "%s/2015-03-31/functions/%s/invocations" % (self.server.endpoint, name)
        req = AWSRequest(method="POST", url=url, data=b'{"a":1}',
                         headers={"Content-Type": "application/json"})
        botocore.auth.SigV4Auth(creds, "lambda", REGION).add_auth(req)
        headers = dict(req.headers.items())
        status, _, body = request(self.server.port, "POST", "/2015-03-31/functions/%s/invocations"
                                  % name, headers, b'{"a":1}')
        self.assertEqual(status, 200, body)
        status, h, body = request(self.server.port, "POST", "/2015-03-31/functions/%s/invocations"
                                  % name, headers, b'{"a":2}')
        self.assertEqual(status, 403, body)
        self.assertEqual(h.get("x-amzn-errortype"), "InvalidSignatureException")

    def test_a_skewed_clock_is_refused(self):
        real = botocore.auth.get_current_datetime

        def twenty_minutes_ago(*args, **kwargs):
            return real(*args, **kwargs) - datetime.timedelta(minutes=20)

        with mock.patch.object(botocore.auth, "get_current_datetime", twenty_minutes_ago):
            resp = self.assertRefused(self.lam.list_functions, "InvalidSignatureException",
                                      message_prefix="Signature expired: ")
        self.assertRegex(resp["Error"]["Message"],
                         r"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
                         r"\(\d{8}T\d{6}Z - 15 min\.\)$")

    def test_presigned_urls(self):
        creds = Credentials(KEY, SECRET)
        url = "%s/2015-03-31/functions/?MaxItems=5" % self.server.endpoint
        req = AWSRequest(method="GET", url=url)
        botocore.auth.SigV4QueryAuth(creds, "lambda", REGION, expires=300).add_auth(req)
        target = req.url[len(self.server.endpoint):]
        self.assertIn("X-Amz-Signature=", target)
        status, _, body = request(self.server.port, "GET", target)
        self.assertEqual(status, 200, body)
        self.assertIn("Functions", json.loads(body))
        status, h, _ = request(self.server.port, "GET", target.replace("MaxItems=5", "MaxItems=6"))
        self.assertEqual(status, 403)
        self.assertEqual(h.get("x-amzn-errortype"), "InvalidSignatureException")
        bad = AWSRequest(method="GET", url=url)
        botocore.auth.SigV4QueryAuth(Credentials(KEY, "wrong"), "lambda", REGION).add_auth(bad)
        status, h, _ = request(self.server.port, "GET", bad.url[len(self.server.endpoint):])
        self.assertEqual(status, 403)
        self.assertEqual(h.get("x-amzn-errortype"), "InvalidSignatureException")

    def cli(self, key, secret, *args):
        exe = aws_cli_executable()
        if not exe:
            raise unittest.SkipTest("AWS CLI not installed")
        env = harness._cli_env()
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = key, secret
        cmd = [exe, "--endpoint-url", self.server.endpoint, "--output", "json",
               "--cli-connect-timeout", "5", "lambda"] + list(args)
        return subprocess.run(cmd, capture_output=True, timeout=CLI_TIMEOUT_S, env=env,
                              stdin=subprocess.DEVNULL)

    def test_aws_cli_v2_signs_with_the_right_key(self):
        if harness.aws_cli_major_version() < 2:
            self.skipTest("needs the AWS CLI v2")
        name, _, _ = self.create_function()
        ok = self.cli(KEY, SECRET, "get-function", "--function-name", harness.function_arn(name))
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout)["Configuration"]["FunctionName"], name)
        bad = self.cli(KEY, "wrong", "list-functions")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn(b"InvalidSignatureException", bad.stderr)


CALL_BACK_SOURCE = r"""
const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
// e.as: "own" (the sandbox's credentials from its environment), or a forgery of them.
function credentialsFor(as) {
  const own = {accessKeyId: process.env.AWS_ACCESS_KEY_ID,
               secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
               sessionToken: process.env.AWS_SESSION_TOKEN};
  if (as === "forged-key") return {...own, accessKeyId: "ASIA0123456789ABCDEF"};
  if (as === "forged-token") return {...own, sessionToken: "0".repeat(64)};
  if (as === "no-token") return {accessKeyId: own.accessKeyId, secretAccessKey: own.secretAccessKey};
  if (as === "wrong-secret") return {...own, secretAccessKey: "f".repeat(40)};
  return own;
}
exports.handler = async (e) => {
  const env = {key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY,
               token: process.env.AWS_SESSION_TOKEN, endpoint: process.env.AWS_ENDPOINT_URL_LAMBDA};
  const lambda = new LambdaClient({credentials: credentialsFor(e.as), maxAttempts: 1});
  try {
    const r = await lambda.send(new InvokeCommand({FunctionName: e.target,
                                                   Payload: JSON.stringify({from: "inside"})}));
    return {env, status: r.StatusCode, payload: JSON.parse(Buffer.from(r.Payload).toString())};
  } catch (err) {
    return {env, error: err.name, message: err.message};
  }
};
"""


class SandboxCredentialsTest(StratusTestCase):
    """On an exposed server, a function's SDK calls back to Stratus sign with the credentials
    its sandbox was given, which the verifier accepts (session token included) while that
    sandbox lives; forgeries and the server's own credentials never reach a function."""

    server_args = ["--listen", "0.0.0.0:0", "--credentials", "%s:%s" % (KEY, SECRET)]

    @classmethod
    def _attach(cls, server):
        cls.server = server
        cls.lam = client(server.endpoint, KEY, SECRET)
        cls.lam_nv = cls.lam

    def setUp(self):
        super().setUp()
        if not harness.process_tier_available(self.server):
            raise unittest.SkipTest("no process tier for nodejs on this host")
        env = {"Variables": {"STRATUS_TIER": "process"}}
        self.target, _, _ = self.create_function(
            source="exports.handler = async (e) => ({echo: e});\n", Environment=env)
        self.caller, _, _ = self.create_function(source=CALL_BACK_SOURCE, Timeout=30,
                                                 Environment=env)

    def call(self, as_):
        return self.invoke_ok(self.caller, {"target": self.target, "as": as_})

    def test_a_function_invokes_another_with_its_own_credentials(self):
        out = self.call("own")
        self.assertEqual(out.get("status"), 200, out)
        self.assertEqual(out["payload"], {"echo": {"from": "inside"}}, out)
        env = out["env"]
        self.assertTrue(env["key"].startswith("ASIA"), env)
        self.assertNotEqual(env["key"], KEY)
        self.assertNotEqual(env["secret"], SECRET)
        self.assertTrue(env["endpoint"].startswith("http://127.0.0.1:"), env)
        # The same sandbox, warm, calls again.
        self.assertEqual(self.call("own").get("status"), 200)

    def test_forgeries_are_refused(self):
        for as_, error in [("forged-key", "UnrecognizedClientException"),
                           ("forged-token", "UnrecognizedClientException"),
                           ("no-token", "UnrecognizedClientException"),
                           ("wrong-secret", "InvalidSignatureException")]:
            out = self.call(as_)
            self.assertEqual(out.get("error"), error, (as_, out))
            self.assertNotIn("payload", out, as_)

    def test_a_dead_sandbox_credentials_are_refused(self):
        env = self.call("own")["env"]
        outside = boto3.session.Session().client(
            "lambda", endpoint_url=self.server.endpoint, region_name=REGION,
            aws_access_key_id=env["key"], aws_secret_access_key=env["secret"],
            aws_session_token=env["token"],
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        # While the sandbox lives its credentials sign (from anywhere: they are the function's).
        self.assertEqual(outside.get_function(FunctionName=self.target)["Configuration"]
                         ["FunctionName"], self.target)
        # Deleting the caller ends its sandbox, and with it the credentials.
        self.lam.delete_function(FunctionName=self.caller)
        deadline = time.monotonic() + 20
        refused = None
        for _ in range(200):
            try:
                outside.get_function(FunctionName=self.target)
            except ClientError as e:
                refused = e.response
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIsNotNone(refused, "a deleted function's sandbox credentials still sign")
        self.assertEqual(refused["Error"]["Code"], "UnrecognizedClientException", refused)


class StartupTest(unittest.TestCase):
    """Off loopback, the server refuses to start without credentials; a file may hold them."""

    def test_refuses_to_listen_off_loopback_without_credentials(self):
        with tempfile.TemporaryDirectory(prefix="stratus-e2e-data-") as data:
            proc = subprocess.run([STRATUS_BIN, "serve", "--listen", "0.0.0.0:0", "--data-dir",
                                   data], capture_output=True, timeout=60,
                                  stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 2, proc)
        self.assertEqual(proc.stdout, b"")
        self.assertIn(b"not a loopback address", proc.stderr)
        self.assertIn(b"--credentials ACCESS_KEY_ID:SECRET", proc.stderr)
        self.assertIn(b"--credentials-file PATH", proc.stderr)

    def test_credentials_file_in_aws_format(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[default]\naws_access_key_id = AKIDFROMFILE\n"
                    "aws_secret_access_key = file-secret\n")
            path = f.name
        self.addCleanup(os.unlink, path)
        server = StratusServer(extra_args=["--listen", "0.0.0.0:0", "--credentials-file", path])
        self.addCleanup(server.cleanup)
        server.start()
        self.assertIn("Functions", client(server.endpoint, "AKIDFROMFILE",
                                          "file-secret").list_functions())
        with self.assertRaises(Exception) as cm:
            client(server.endpoint, "AKIDFROMFILE", "nope").list_functions()
        self.assertIn("InvalidSignatureException", str(cm.exception))


if __name__ == "__main__":
    main()
