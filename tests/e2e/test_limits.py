#!/usr/bin/env python3
"""Limits: hostile code zips (zip-slip, absolute paths, links out of the tree, bombs, too many
entries, lying sizes), the unzipped and zipped size limits, and the 6 MB invoke request and
response limits (LAMBDA.md §3, §5)."""
import base64
import glob
import io
import json
import os
import stat
import sys
import tempfile
import urllib.parse
import uuid
import zipfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ROLE, StratusTestCase, function_arn, lying_size_zip, main, make_zip,  # noqa: E402
                     many_entries_zip, sha256_b64, unique_name, zip_bomb_300mb)

OK_INDEX = "exports.handler = async () => 'ok';\n"
CANNOT_UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
UNZIPPED_TOO_BIG = "Unzipped size must be smaller than 262144000 bytes"
SYNC_LIMIT = 6291456
RESPONSE_LIMIT = 6291556

BIG_RESPONSE = """
exports.handler = async (event) => 'x'.repeat(event.n);
"""
LENGTH = """
exports.handler = async (event) => (typeof event === 'string' ? event.length : JSON.stringify(event).length);
"""


class ZipSafetyTest(StratusTestCase):

    def assertRejected(self, zip_bytes, message=None):
        """Create and UpdateFunctionCode both refuse the zip with InvalidParameterValueException,
        and nothing of the function exists afterwards."""
        name = unique_name("evil")
        resp = self.assertAwsError(
            lambda: self.create_function(name=name, zip_bytes=zip_bytes, cleanup=False),
            "InvalidParameterValueException", 400, message=message)
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=name),
                            "ResourceNotFoundException", 404)
        self.assertAwsError(
            lambda: self.lam.update_function_code(FunctionName=self.victim, ZipFile=zip_bytes),
            "InvalidParameterValueException", 400, message=message)
        # The victim keeps its code and still runs.
        self.assertEqual(self.lam.get_function_configuration(FunctionName=self.victim)["CodeSha256"],
                         sha256_b64(self.victim_zip))
        self.assertEqual(self.invoke_ok(self.victim, {}), "ok")
        return resp

    def setUp(self):
        super().setUp()
        self.victim_zip = make_zip({"index.js": OK_INDEX})
        self.victim, _, _ = self.create_function(zip_bytes=self.victim_zip)

    def escape_targets(self, marker):
        """Paths a traversing entry named after `marker` could land on."""
        roots = {self.server.data_dir, os.path.dirname(self.server.data_dir), tempfile.gettempdir(),
                 "/", os.getcwd()}
        for d, _, _ in os.walk(self.server.data_dir):
            roots.add(d)
        return [os.path.join(r, marker) for r in roots]

    def assertNoFileNamed(self, marker):
        for p in self.escape_targets(marker):
            self.assertFalse(os.path.lexists(p), "zip entry escaped to %s" % p)
        hits = glob.glob(os.path.join(self.server.data_dir, "**", marker), recursive=True)
        self.assertEqual(hits, [], "entry was extracted inside the data dir: %s" % hits)

    def test_zip_slip(self):
        marker = "stratus-slip-%s.txt" % uuid.uuid4().hex
        for depth in (1, 2, 3, 4, 6, 10):
            evil = make_zip({"index.js": OK_INDEX, "../" * depth + marker: "pwned"})
            self.assertRejected(evil)
        evil = make_zip({"index.js": OK_INDEX, "lib/../../" + marker: "pwned"})
        self.assertRejected(evil)
        self.assertNoFileNamed(marker)

    def test_absolute_path(self):
        marker = "stratus-abs-%s.txt" % uuid.uuid4().hex
        target = os.path.join(tempfile.gettempdir(), marker)
        self.assertRejected(make_zip({"index.js": OK_INDEX, target: "pwned"}))
        self.assertFalse(os.path.lexists(target))
        self.assertNoFileNamed(marker)

    def test_symlink_out_of_tree(self):
        self.assertRejected(make_zip({"index.js": OK_INDEX}, symlinks={"passwd": "/etc/passwd"}))
        self.assertRejected(make_zip({"index.js": OK_INDEX}, symlinks={"up": "../../../../etc"}))
        self.assertRejected(make_zip({"index.js": OK_INDEX}, symlinks={"lib/deep": "../../x"}))

    def test_symlink_then_write_through_it(self):
        # A link to a directory outside, followed by a file "through" it.
        marker = "stratus-through-%s.txt" % uuid.uuid4().hex
        z = make_zip({"index.js": OK_INDEX, "out/" + marker: "pwned"},
                     symlinks={"out": tempfile.gettempdir()})
        # make_zip writes files before links; build the dangerous order explicitly too.
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("index.js", OK_INDEX)
            li = zipfile.ZipInfo("out")
            li.create_system = 3
            li.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(li, tempfile.gettempdir())
            zf.writestr("out/" + marker, "pwned")
        for evil in (z, buf.getvalue()):
            self.assertRejected(evil)
        self.assertFalse(os.path.lexists(os.path.join(tempfile.gettempdir(), marker)))

    def test_symlink_inside_tree_is_allowed(self):
        # Links that stay inside the bundle are ordinary (AWS keeps them).
        z = make_zip({"real.js": "exports.handler = async () => 'via link';"},
                     symlinks={"index.js": "real.js"})
        name, _, _ = self.create_function(zip_bytes=z)
        self.assertEqual(self.invoke_ok(name, {}), "via link")

    def test_zip_bomb_300mb_of_zeros(self):
        bomb = zip_bomb_300mb()
        self.assertLess(len(bomb), 2 << 20)
        self.assertRejected(bomb, message=UNZIPPED_TOO_BIG)
        self.assertTrue(self.server.healthy())

    def test_lying_sizes(self):
        self.assertRejected(lying_size_zip())

    def test_too_many_entries(self):
        self.assertRejected(many_entries_zip(25000))

    def test_not_a_zip(self):
        good = make_zip({"index.js": OK_INDEX})
        for junk in (b"", b"hello", os.urandom(4096), good[:-30], good[:-10], good[10:],
                     b"PK\x03\x04" + os.urandom(200)):
            with self.subTest(junk=junk[:16], size=len(junk)):
                self.assertRejected(junk, message=CANNOT_UNZIP)

    def test_unusual_but_valid_zips(self):
        # Stored (uncompressed) entries and explicit directory entries.
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("lib/", b"")
            zf.writestr("lib/x.js", "exports.v = 'stored';")
            zf.writestr("index.js", "exports.handler = async () => require('./lib/x').v;")
        name, _, _ = self.create_function(zip_bytes=buf.getvalue())
        self.assertEqual(self.invoke_ok(name, {}), "stored")
        # A file named like a traversal but harmless ("..foo").
        name, _, _ = self.create_function(files={"index.js": "exports.handler = async () => require('./..foo.js').v;",
                                                 "..foo.js": "exports.v = 'dots';"})
        self.assertEqual(self.invoke_ok(name, {}), "dots")

    def test_zipped_size_limit(self):
        # 52428801 bytes of zip body: over the 50 MB direct-upload limit -> 413 (LAMBDA.md §3).
        data = bytearray(os.urandom(1024)) * (52428801 // 1024 + 1)
        body = json.dumps({"FunctionName": unique_name("big"), "Runtime": "nodejs20.x", "Role": ROLE,
                           "Handler": "index.handler",
                           "Code": {"ZipFile": base64.b64encode(bytes(data[:52428801])).decode()}})
        r = self.server.http("POST", "/2015-03-31/functions", body=body,
                             headers={"Content-Type": "application/json"})
        self.assertRawError(r, 413, "RequestEntityTooLargeException", type_field=None,
                            message_key="Message",
                            message="Zipped size must be smaller than 52428800 bytes")
        self.assertTrue(self.server.healthy())


class PayloadLimitTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.length_fn = unique_name("len")
        cls.big_fn = unique_name("big")
        for name, src in ((cls.length_fn, LENGTH), (cls.big_fn, BIG_RESPONSE)):
            cls.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                    Handler="index.handler", MemorySize=512, Timeout=30,
                                    Code={"ZipFile": make_zip({"index.js": src})})

    def test_request_at_the_limit_is_accepted(self):
        payload = b'"' + b"a" * (SYNC_LIMIT - 2) + b'"'
        self.assertEqual(len(payload), SYNC_LIMIT)
        r = self.invoke(self.length_fn, raw_payload=payload, tail=False)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json(), SYNC_LIMIT - 2)

    def test_request_over_the_limit(self):
        payload = b'"' + b"a" * (SYNC_LIMIT - 1) + b'"'
        self.assertEqual(len(payload), SYNC_LIMIT + 1)
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=self.length_fn, Payload=payload),
                            "RequestEntityTooLargeException", 413,
                            message="Request must be smaller than 6291456 bytes for the InvokeFunction operation")
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.length_fn,
                             body=b"[" + b"1," * (4 << 20) + b"1]")
        self.assertRawError(r, 413, "RequestEntityTooLargeException", type_field=None,
                            message_key="Message",
                            message="Request must be smaller than 6291456 bytes for the InvokeFunction operation")
        self.assertEqual(self.invoke_ok(self.length_fn, {"a": 1}), 7)

    def test_each_operation_has_its_own_body_limit(self):
        # Refused from Content-Length before the body is read (request_limits.h): a control
        # operation's bodies are small; an Event invoke counts its payload's bytes.
        big = b'{"Tags": {"a": "' + b"x" * (2 << 20) + b'"}}'
        r = self.server.http("POST", "/2017-03-31/tags/" + urllib.parse.quote(
            function_arn(self.length_fn), safe=""), body=big)
        self.assertRawError(r, 413, "RequestEntityTooLargeException", type_field=None,
                            message_key="Message",
                            message="Request must be smaller than 1048576 bytes for the "
                                    "TagResource operation")
        payload = b"[" + b"1," * (1 << 20) + b"1]"  # 2 MB: over Event's 1 MB, under sync's 6
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.length_fn,
                             body=payload, headers={"X-Amz-Invocation-Type": "Event"})
        self.assertRawError(r, 413, "RequestEntityTooLargeException", type_field=None,
                            message_key="Message",
                            message="%d byte payload is too large for the Event invocation type "
                                    "(limit 1048576 bytes)" % len(payload))
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.length_fn,
                             body=payload)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.lam.list_tags(Resource=function_arn(self.length_fn))["Tags"], {})

    def test_event_request_over_the_limit(self):
        payload = b'"' + b"a" * (1048577 - 2) + b'"'
        self.assertAwsError(
            lambda: self.lam.invoke(FunctionName=self.length_fn, Payload=payload, InvocationType="Event"),
            "RequestEntityTooLargeException", 413,
            message="1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)")
        ok = b'"' + b"a" * (1048576 - 2) + b'"'
        resp = self.lam.invoke(FunctionName=self.length_fn, Payload=ok, InvocationType="Event")
        self.assertEqual(resp["StatusCode"], 202)

    def test_response_over_the_limit(self):
        # JSON of a string of n chars is n + 2 bytes.
        r = self.invoke(self.big_fn, {"n": RESPONSE_LIMIT - 1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.json(), {"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
                                    "errorType": "Function.ResponseSizeTooLarge"})
        # The function keeps working afterwards.
        self.assertEqual(len(self.invoke_ok(self.big_fn, {"n": 10})), 10)

    def test_response_at_the_limit(self):
        r = self.invoke(self.big_fn, {"n": RESPONSE_LIMIT - 2}, tail=False)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(len(r.body), RESPONSE_LIMIT)
        self.assertEqual(r.body, b'"' + b"x" * (RESPONSE_LIMIT - 2) + b'"')


if __name__ == "__main__":
    main()
