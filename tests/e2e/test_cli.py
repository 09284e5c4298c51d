#!/usr/bin/env python3
"""The real AWS CLI against Stratus: create-function --zip-file fileb://, invoke with --payload
and --log-type Tail (reading out.json and decoding LogResult), get-function, list-functions,
update-function-code / -configuration, tags, account settings, delete, and error output."""
import base64
import json
import os
import re
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REPORT_RE, ROLE, StratusTestCase, aws_cli_executable,  # noqa: E402
                     cli_binary_format_args, function_arn, main, make_zip, raw_request,
                     sha256_b64, unique_name)

V1 = """
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  console.log('event is', JSON.stringify(event));
  if (event.fail) throw new Error('cli boom');
  return { version: 'v1', count, got: event, fn: context.functionName, color: process.env.COLOR || null };
};
"""
V2 = V1.replace("'v1'", "'v2'")


@unittest.skipIf(aws_cli_executable() is None, "AWS CLI not installed")
class CliTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="stratus-e2e-cli-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.zip1 = make_zip({"index.js": V1})
        cls.zip2 = make_zip({"index.js": V2})
        for fname, data in (("v1.zip", cls.zip1), ("v2.zip", cls.zip2)):
            with open(os.path.join(cls.tmp, fname), "wb") as f:
                f.write(data)

    def cli(self, *args, ok=True):
        r = self.server.cli(*args, cwd=self.tmp)
        if ok:
            self.assertEqual(r.returncode, 0, r)
        return r

    def cli_create(self, name=None, *extra):
        name = name or unique_name("cli")
        r = self.cli("create-function", "--function-name", name, "--runtime", "nodejs20.x",
                     "--role", ROLE, "--handler", "index.handler",
                     "--zip-file", "fileb://v1.zip", *extra)
        self.addCleanup(self._quiet_delete, name)
        return name, r.json()

    def cli_invoke(self, name, payload, *extra, outfile=None):
        outfile = outfile or "out-%s.json" % unique_name("o")
        r = self.cli("invoke", "--function-name", name, "--payload", payload,
                     *cli_binary_format_args(), *extra, outfile)
        with open(os.path.join(self.tmp, outfile), "rb") as f:
            body = f.read()
        return r.json(), body

    def assertCliError(self, r, code, operation, message):
        """The CLI's error line: 'An error occurred (Code) when calling the Op operation[ (reached
        max retries: N)]: message'."""
        self.assertNotEqual(r.returncode, 0, r)
        m = re.search(r"An error occurred \((\w+)\) when calling the (\w+) operation"
                      r"(?: \(reached max retries: \d+\))?: (.*)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        self.assertEqual((m.group(1), m.group(2)), (code, operation), r.stderr)
        self.assertTrue(m.group(3).startswith(message), (m.group(3), message))

    # -- the lifecycle ----------------------------------------------------------------------

    def test_create_invoke_update_delete(self):
        name, c = self.cli_create()
        self.assertEqual(c["FunctionName"], name)
        self.assertEqual(c["FunctionArn"], function_arn(name))
        self.assertEqual(c["CodeSha256"], sha256_b64(self.zip1))
        self.assertEqual(c["CodeSize"], len(self.zip1))
        self.assertEqual(c["State"], "Pending")
        self.assertEqual(c["Timeout"], 3)
        self.assertEqual(c["MemorySize"], 128)
        self.cli("wait", "function-active-v2", "--function-name", name)

        # invoke --payload --log-type Tail, reading out.json and decoding LogResult.
        meta, body = self.cli_invoke(name, '{"hello": "cli"}', "--log-type", "Tail")
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", meta)
        out = json.loads(body)
        self.assertEqual(out, {"version": "v1", "count": 1, "got": {"hello": "cli"}, "fn": name,
                               "color": None})
        log = base64.b64decode(meta["LogResult"]).decode()
        lines = log.split("\n")
        self.assertTrue(any(l.startswith("START RequestId: ") and l.endswith(" Version: $LATEST") for l in lines), log)
        self.assertTrue(any(l.startswith("END RequestId: ") for l in lines), log)
        self.assertTrue(any(re.match(r"^\S+\t\S+\tINFO\tevent is \{\"hello\":\"cli\"\}$", l) for l in lines), log)
        report = [REPORT_RE.match(l) for l in lines if l.startswith("REPORT")]
        self.assertEqual(len(report), 1, log)
        self.assertIsNotNone(report[0], log)
        self.assertIsNotNone(report[0].group("init"), "cold start: Init Duration expected\n" + log)
        self.assertEqual(report[0].group("memory"), "128")

        # Warm: the counter continues, no Init Duration.
        meta, body = self.cli_invoke(name, '{"n": 2}', "--log-type", "Tail")
        self.assertEqual(json.loads(body)["count"], 2)
        log = base64.b64decode(meta["LogResult"]).decode()
        self.assertNotIn("Init Duration", log)

        # get-function: configuration + a Code.Location that serves the zip.
        g = self.cli("get-function", "--function-name", name).json()
        self.assertEqual(g["Configuration"]["State"], "Active")
        self.assertEqual(g["Configuration"]["LastUpdateStatus"], "Successful")
        loc = urllib.parse.urlsplit(g["Code"]["Location"])
        zr = raw_request(self.server.port, "GET", loc.path + ("?" + loc.query if loc.query else ""))
        self.assertEqual(zr.status, 200)
        self.assertEqual(zr.body, self.zip1)
        gc = self.cli("get-function-configuration", "--function-name", name).json()
        self.assertEqual(gc, g["Configuration"])

        # update-function-code, then invoke sees the new code (fresh module state).
        u = self.cli("update-function-code", "--function-name", name,
                     "--zip-file", "fileb://v2.zip").json()
        self.assertEqual(u["CodeSha256"], sha256_b64(self.zip2))
        self.assertEqual(u["LastUpdateStatus"], "InProgress")
        self.cli("wait", "function-updated-v2", "--function-name", name)
        _, body = self.cli_invoke(name, "{}")
        self.assertEqual(json.loads(body)["version"], "v2")
        self.assertEqual(json.loads(body)["count"], 1)

        # update-function-configuration.
        u = self.cli("update-function-configuration", "--function-name", name, "--timeout", "10",
                     "--memory-size", "256", "--description", "from the cli",
                     "--environment", "Variables={COLOR=green,OTHER=x}").json()
        self.assertEqual((u["Timeout"], u["MemorySize"], u["Description"]), (10, 256, "from the cli"))
        self.assertEqual(u["Environment"], {"Variables": {"COLOR": "green", "OTHER": "x"}})
        _, body = self.cli_invoke(name, "{}")
        self.assertEqual(json.loads(body)["color"], "green")

        # delete-function, then get-function fails with the service's error.
        d = self.cli("delete-function", "--function-name", name)
        # Newer models give DeleteFunction a StatusCode output member: 204 as AWS answers.
        self.assertIn(d.json(), (None, {"StatusCode": 204}))
        r = self.cli("get-function", "--function-name", name, ok=False)
        self.assertCliError(r, "ResourceNotFoundException", "GetFunction",
                            "Function not found: " + function_arn(name))

    def test_invoke_function_error(self):
        name, _ = self.cli_create()
        meta, body = self.cli_invoke(name, '{"fail": true}', "--log-type", "Tail")
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["FunctionError"], "Unhandled")
        err = json.loads(body)
        self.assertEqual(err["errorType"], "Error")
        self.assertEqual(err["errorMessage"], "cli boom")
        self.assertEqual(err["trace"][0], "Error: cli boom")
        self.assertIn("Invoke Error", base64.b64decode(meta["LogResult"]).decode())

    def test_invoke_event_and_dry_run(self):
        name, _ = self.cli_create()
        meta, body = self.cli_invoke(name, '{"async": 1}', "--invocation-type", "Event")
        self.assertEqual(meta["StatusCode"], 202)
        self.assertEqual(body, b"")
        meta, body = self.cli_invoke(name, "{}", "--invocation-type", "DryRun")
        self.assertEqual(meta["StatusCode"], 204)
        self.assertEqual(body, b"")

    def test_invoke_payload_from_file(self):
        name, _ = self.cli_create()
        with open(os.path.join(self.tmp, "event.json"), "w") as f:
            json.dump({"from": "file", "list": [1, 2, 3]}, f)
        meta, body = self.cli_invoke(name, "fileb://event.json")
        self.assertEqual(json.loads(body)["got"], {"from": "file", "list": [1, 2, 3]})

    def test_invoke_missing_function(self):
        name = unique_name("nope")
        r = self.server.cli("invoke", "--function-name", name, "--payload", "{}",
                            *cli_binary_format_args(), "out-missing.json", cwd=self.tmp)
        self.assertCliError(r, "ResourceNotFoundException", "Invoke",
                            "Function not found: " + function_arn(name, "$LATEST"))

    def test_list_functions(self):
        names = sorted(self.cli_create()[0] for _ in range(3))
        everything = self.cli("list-functions").json()
        listed = [f["FunctionName"] for f in everything["Functions"]]
        for n in names:
            self.assertIn(n, listed)
        # --max-items pages with the CLI's NextToken (built on Marker/NextMarker).
        seen, token = [], None
        for _ in range(200):
            args = ["list-functions", "--max-items", "2"]
            if token:
                args += ["--starting-token", token]
            page = self.cli(*args).json()
            self.assertLessEqual(len(page["Functions"]), 2)
            seen += [f["FunctionName"] for f in page["Functions"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(seen), sorted(listed))
        self.assertEqual(len(seen), len(set(seen)))
        # --no-paginate with --max-items: at most that many.
        page = self.cli("list-functions", "--no-paginate", "--max-items", "1").json()
        self.assertEqual(len(page["Functions"]), 1)

    def test_tags_and_account_settings(self):
        name, _ = self.cli_create(None, "--tags", "team=core,env=dev")
        arn = function_arn(name)
        self.assertEqual(self.cli("list-tags", "--resource", arn).json()["Tags"],
                         {"team": "core", "env": "dev"})
        self.cli("tag-resource", "--resource", arn, "--tags", "owner=me")
        self.cli("untag-resource", "--resource", arn, "--tag-keys", "env")
        self.assertEqual(self.cli("list-tags", "--resource", arn).json()["Tags"],
                         {"team": "core", "owner": "me"})
        s = self.cli("get-account-settings").json()
        self.assertEqual(s["AccountLimit"]["CodeSizeZipped"], 52428800)
        self.assertEqual(s["AccountLimit"]["CodeSizeUnzipped"], 262144000)
        self.assertGreaterEqual(s["AccountUsage"]["FunctionCount"], 1)

    def test_cli_error_output(self):
        name = unique_name("cli")
        r = self.cli("create-function", "--function-name", name, "--runtime", "nodejs20.x",
                     "--role", ROLE, "--handler", "index.handler", "--zip-file", "fileb://v1.zip",
                     "--timeout", "901", ok=False)
        self.assertCliError(r, "ValidationException", "CreateFunction",
                            "1 validation error detected: Value '901' at 'timeout' failed to "
                            "satisfy constraint: Member must have value less than or equal to 900")
        r = self.cli("create-function", "--function-name", name, "--runtime", "nodejs99.x",
                     "--role", ROLE, "--handler", "index.handler", "--zip-file", "fileb://v1.zip",
                     ok=False)
        self.assertCliError(r, "InvalidParameterValueException", "CreateFunction",
                            "Value nodejs99.x at 'runtime' failed to satisfy constraint")
        self.cli_create(name)
        r = self.cli("create-function", "--function-name", name, "--runtime", "nodejs20.x",
                     "--role", ROLE, "--handler", "index.handler", "--zip-file", "fileb://v1.zip",
                     ok=False)
        self.assertCliError(r, "ResourceConflictException", "CreateFunction",
                            "Function already exist: " + name)
        # The CLI opens --zip-file with Python's zipfile first, so send one it accepts but the
        # server must refuse (zip-slip), and check the old code is kept.
        with open(os.path.join(self.tmp, "slip.zip"), "wb") as f:
            f.write(make_zip({"index.js": V2, "../../escape.js": "x"}))
        r = self.cli("update-function-code", "--function-name", name, "--zip-file",
                     "fileb://slip.zip", ok=False)
        self.assertCliError(r, "InvalidParameterValueException", "UpdateFunctionCode", "")
        self.assertEqual(self.cli("get-function-configuration", "--function-name", name).json()["CodeSha256"],
                         sha256_b64(self.zip1))
        r = self.cli("update-function-configuration", "--function-name", name,
                     "--environment", "Variables={AWS_REGION=eu-west-1}", ok=False)
        self.assertCliError(r, "InvalidParameterValueException", "UpdateFunctionConfiguration",
                            "Lambda was unable to configure your environment variables because "
                            "the environment variables you have provided contains reserved keys")

if __name__ == "__main__":
    main()
