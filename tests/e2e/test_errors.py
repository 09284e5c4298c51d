#!/usr/bin/env python3
"""Every error shape: status code, x-amzn-ErrorType header and JSON body (LAMBDA.md §0, §3, §4),
unknown routes/methods, malformed requests, and inputs that must neither crash nor hang the
server."""
import base64
import concurrent.futures
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ROLE, StratusTestCase, function_arn, main, make_zip,  # noqa: E402
                     raw_socket_exchange, unique_name)

ECHO = "exports.handler = async (event) => event;\n"
JSON_HEADERS = {"Content-Type": "application/json"}
NAME_PATTERN_PREFIX = "Member must satisfy regular expression pattern: "


def create_body(name, **over):
    body = {"FunctionName": name, "Runtime": "nodejs20.x", "Role": ROLE,
            "Handler": "index.handler",
            "Code": {"ZipFile": base64.b64encode(make_zip({"index.js": ECHO})).decode()}}
    body.update(over)
    return json.dumps(body)


class ErrorShapeTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fn = unique_name("err")
        cls.lam.create_function(FunctionName=cls.fn, Runtime="nodejs20.x", Role=ROLE,
                                Handler="index.handler",
                                Code={"ZipFile": make_zip({"index.js": ECHO})})

    def post_create(self, body):
        return self.server.http("POST", "/2015-03-31/functions", body=body, headers=JSON_HEADERS)

    # -- 404 ResourceNotFoundException ------------------------------------------------------

    def test_not_found_envelope(self):
        name = unique_name("nope")
        r = self.server.http("GET", "/2015-03-31/functions/" + name)
        # ResourceNotFoundException uses the capitalised "Message" key (obs.).
        self.assertRawError(r, 404, "ResourceNotFoundException", message_key="Message",
                            message="Function not found: " + function_arn(name))
        self.assertEqual(r.header("content-type").split(";")[0], "application/json")
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % name, body="{}")
        self.assertRawError(r, 404, "ResourceNotFoundException", message_key="Message",
                            message="Function not found: " + function_arn(name, "$LATEST"))
        r = self.server.http("GET", "/2015-03-31/functions/%s/configuration" % name)
        self.assertRawError(r, 404, "ResourceNotFoundException")
        r = self.server.http("DELETE", "/2015-03-31/functions/" + name)
        self.assertRawError(r, 404, "ResourceNotFoundException")
        r = self.server.http("PUT", "/2015-03-31/functions/%s/configuration" % name,
                             body='{"Timeout": 5}', headers=JSON_HEADERS)
        self.assertRawError(r, 404, "ResourceNotFoundException")

    def test_not_found_boto3(self):
        name = unique_name("nope")
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name, Payload=b"{}"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(name, "$LATEST"))
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name, InvocationType="DryRun"),
                            "ResourceNotFoundException", 404)
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name, InvocationType="Event"),
                            "ResourceNotFoundException", 404)

    def test_qualifiers_are_case_sensitive(self):
        # `$latest` is a valid qualifier by the model's pattern, but no such version: 404.
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=self.fn, Qualifier="$latest"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(self.fn, "$latest"))
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=self.fn, Qualifier="$latest"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(self.fn, "$latest"))

    def test_unpublished_version_not_found(self):
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=self.fn, Qualifier="3"),
                            "ResourceNotFoundException", 404,
                            message="Function not found: " + function_arn(self.fn, "3"))

    def test_other_region_and_account(self):
        arn = "arn:aws:lambda:eu-west-1:000000000000:function:" + self.fn
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=arn),
                            "ResourceNotFoundException", 404,
                            message="Functions from 'eu-west-1' are not reachable in this region ('us-east-1')")
        arn = "arn:aws:lambda:us-east-1:123456789012:function:" + self.fn
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=arn),
                            "AccessDeniedException", 403)

    def test_derived_qualifier_mismatch(self):
        self.assertAwsError(lambda: self.lam.get_function(FunctionName=self.fn + ":$LATEST", Qualifier="1"),
                            "InvalidParameterValueException", 400,
                            message="The derived qualifier from the function name does not match the specified qualifier.")

    # -- 409 ResourceConflictException ------------------------------------------------------

    def test_conflict_envelope(self):
        r = self.post_create(create_body(self.fn))
        self.assertRawError(r, 409, "ResourceConflictException", message_key="message",
                            message="Function already exist: " + self.fn)

    # -- 400 InvalidParameterValueException ---------------------------------------------------

    def test_bad_runtime(self):
        r = self.post_create(create_body(unique_name(), Runtime="nodejs99.x"))
        body = self.assertRawError(r, 400, "InvalidParameterValueException", message_key="message")
        msg = body["message"]
        self.assertTrue(msg.startswith("Value nodejs99.x at 'runtime' failed to satisfy constraint: "
                                       "Member must satisfy enum value set: ["), msg)
        self.assertTrue(msg.endswith("] or be a valid ARN"), msg)
        self.assertIn("nodejs20.x", msg)
        # Exact case: NodeJS20.x is not a runtime.
        self.assertAwsError(lambda: self.lam.create_function(
            FunctionName=unique_name(), Runtime="NodeJS20.x", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": make_zip({"index.js": ECHO})}),
            "InvalidParameterValueException", 400,
            message_prefix="Value NodeJS20.x at 'runtime' failed to satisfy constraint")
        # Also on UpdateFunctionConfiguration.
        self.assertAwsError(lambda: self.lam.update_function_configuration(FunctionName=self.fn, Runtime="nodejs99.x"),
                            "InvalidParameterValueException", 400,
                            message_prefix="Value nodejs99.x at 'runtime' failed to satisfy constraint")

    def test_valid_but_unsupported_runtime(self):
        self.assertAwsError(lambda: self.lam.create_function(
            FunctionName=unique_name(), Runtime="java21", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": make_zip({"index.js": ECHO})}),
            "InvalidParameterValueException", 400)

    def test_environment_4kb_limit(self):
        prefix = ("Lambda was unable to configure your environment variables because the "
                  "environment variables you have provided exceeded the 4KB limit. String measured: ")
        # {"BIG":"<v>"} is len(v) + 10 bytes of compact JSON.
        ok_vars = {"BIG": "x" * 4086}
        name, _, c = self.create_function(Environment={"Variables": ok_vars})
        self.assertEqual(c["Environment"]["Variables"], ok_vars)
        big = {"BIG": "x" * 4087}
        measured = json.dumps(big, separators=(",", ":"))
        self.assertEqual(len(measured), 4097)
        self.assertAwsError(lambda: self.create_function(Environment={"Variables": big}, cleanup=False),
                            "InvalidParameterValueException", 400, message=prefix + measured)
        self.assertAwsError(lambda: self.lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": big}),
            "InvalidParameterValueException", 400, message=prefix + measured)
        # Refused updates change nothing.
        g = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(g["Environment"]["Variables"], ok_vars)

    def test_reserved_environment_keys(self):
        prefix = ("Lambda was unable to configure your environment variables because the "
                  "environment variables you have provided contains reserved keys that are "
                  "currently not supported for modification. Reserved keys used in this request: ")
        # (_HANDLER and _X_AMZN_TRACE_ID are reserved too, but fail the key pattern first.)
        for key in ("AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID",
                    "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API"):
            self.assertAwsError(lambda: self.create_function(
                Environment={"Variables": {key: "x", "FINE": "y"}}, cleanup=False),
                "InvalidParameterValueException", 400, message=prefix + key)
        self.assertAwsError(lambda: self.lam.update_function_configuration(
            FunctionName=self.fn, Environment={"Variables": {"AWS_REGION": "eu-west-1"}}),
            "InvalidParameterValueException", 400, message=prefix + "AWS_REGION")

    def test_not_a_zip(self):
        self.assertAwsError(lambda: self.create_function(zip_bytes=b"PK\x03\x04 definitely not a zip", cleanup=False),
                            "InvalidParameterValueException", 400,
                            message="Could not unzip uploaded file. Please check your file, then try to upload again.")

    def test_name_too_long_on_create(self):
        name = "a" * 65
        self.assertAwsError(lambda: self.create_function(name=name, cleanup=False),
                            "InvalidParameterValueException", 400,
                            message_re=r"Member must have length less than or equal to 64$")
        # 64 is fine.
        self.create_function(name="b" * 60 + unique_name("")[-4:])

    def test_missing_code_source(self):
        r = self.post_create(json.dumps({"FunctionName": unique_name(), "Runtime": "nodejs20.x",
                                         "Role": ROLE, "Handler": "index.handler", "Code": {}}))
        self.assertRawError(r, 400, "InvalidParameterValueException")

    # -- 400 ValidationException (model constraints) -------------------------------------------

    def test_function_name_pattern(self):
        bad = "bad name!"
        self.assertAwsError(lambda: self.create_function(name=bad, cleanup=False),
                            "ValidationException", 400,
                            message_prefix="1 validation error detected: Value 'bad name!' at "
                                           "'functionName' failed to satisfy constraint: " + NAME_PATTERN_PREFIX)
        for op in (lambda: self.lam.get_function(FunctionName=bad),
                   lambda: self.lam.get_function_configuration(FunctionName=bad),
                   lambda: self.lam.invoke(FunctionName=bad),
                   lambda: self.lam.delete_function(FunctionName=bad)):
            self.assertAwsError(op, "ValidationException", 400,
                                message_prefix="1 validation error detected: Value 'bad name!' at 'functionName'")

    def test_validation_envelope(self):
        r = self.post_create(create_body("bad*name"))
        body = self.assertRawError(r, 400, "ValidationException", message_key="message")
        self.assertTrue(body["message"].startswith(
            "1 validation error detected: Value 'bad*name' at 'functionName' failed to satisfy "
            "constraint: " + NAME_PATTERN_PREFIX), body)

    def test_memory_size_range(self):
        for value, bound in ((127, "greater than or equal to 128"), (64, "greater than or equal to 128"),
                             (10241, "less than or equal to 10240")):
            msg = ("1 validation error detected: Value '%d' at 'memorySize' failed to satisfy "
                   "constraint: Member must have value %s" % (value, bound))
            self.assertAwsError(lambda: self.create_function(client=self.lam_nv, MemorySize=value, cleanup=False),
                                "ValidationException", 400, message=msg)
            self.assertAwsError(lambda: self.lam_nv.update_function_configuration(FunctionName=self.fn, MemorySize=value),
                                "ValidationException", 400, message=msg)
        for value in (128, 10240):
            name, _, c = self.create_function(MemorySize=value)
            self.assertEqual(c["MemorySize"], value)

    def test_timeout_range(self):
        for value, bound in ((0, "greater than or equal to 1"), (901, "less than or equal to 900")):
            msg = ("1 validation error detected: Value '%d' at 'timeout' failed to satisfy "
                   "constraint: Member must have value %s" % (value, bound))
            self.assertAwsError(lambda: self.create_function(client=self.lam_nv, Timeout=value, cleanup=False),
                                "ValidationException", 400, message=msg)
            self.assertAwsError(lambda: self.lam_nv.update_function_configuration(FunctionName=self.fn, Timeout=value),
                                "ValidationException", 400, message=msg)
        for value in (1, 900):
            name, _, c = self.create_function(Timeout=value)
            self.assertEqual(c["Timeout"], value)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=self.fn)["Timeout"], 3)

    def test_several_violations_in_one_message(self):
        resp = self.assertAwsError(lambda: self.create_function(client=self.lam_nv, Timeout=0, MemorySize=64, cleanup=False),
                                   "ValidationException", 400,
                                   message_prefix="2 validation errors detected: ")
        msg = resp["Error"]["Message"]
        self.assertIn("Value '0' at 'timeout'", msg)
        self.assertIn("Value '64' at 'memorySize'", msg)
        self.assertIn("; ", msg)

    def test_other_model_constraints(self):
        self.assertAwsError(lambda: self.create_function(client=self.lam_nv, Role="not-a-role", cleanup=False),
                            "ValidationException", 400, message_re="at 'role' failed to satisfy constraint")
        self.assertAwsError(lambda: self.create_function(Description="d" * 257, cleanup=False),
                            "ValidationException", 400, message_re="at 'description' failed to satisfy constraint")
        self.assertAwsError(lambda: self.create_function(handler="has space.handler", cleanup=False),
                            "ValidationException", 400, message_re="at 'handler' failed to satisfy constraint")
        self.assertAwsError(lambda: self.create_function(handler="h" * 129, cleanup=False),
                            "ValidationException", 400, message_re="at 'handler' failed to satisfy constraint")
        self.assertAwsError(lambda: self.create_function(Environment={"Variables": {"1BAD": "x"}}, cleanup=False),
                            "ValidationException", 400)
        self.assertAwsError(lambda: self.create_function(Architectures=["sparc"], cleanup=False),
                            "ValidationException", 400)
        r = self.post_create(json.dumps({"Runtime": "nodejs20.x", "Role": ROLE,
                                         "Handler": "index.handler", "Code": {"ZipFile": ""}}))
        body = self.assertRawError(r, 400, "ValidationException")
        self.assertIn("'functionName'", body["message"])
        r = self.post_create(json.dumps({"FunctionName": unique_name(), "Runtime": "nodejs20.x",
                                         "Handler": "index.handler",
                                         "Code": {"ZipFile": base64.b64encode(make_zip({"index.js": ECHO})).decode()}}))
        body = self.assertRawError(r, 400, "ValidationException")
        self.assertIn("'role'", body["message"])
        # A member of the wrong JSON type fails deserialization, before validation
        # (triggers/request_decoder.h; every member and type: test_decoding.py).
        r = self.post_create(create_body(unique_name(), Timeout="5"))
        self.assertRawError(r, 400, "SerializationException")

    def test_invalid_invocation_type(self):
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.fn, body="{}",
                             headers={"X-Amz-Invocation-Type": "Sometimes"})
        self.assertRawError(r, 400, "ValidationException")

    # -- 400 InvalidRequestContentException ---------------------------------------------------

    def test_invoke_payload_not_json(self):
        for payload in (b"not json", b"{\"a\":", b"{'a': 1}", b"[1,2,,]", b"{} {}",
                        b"\xff\xfe", b'{"a":"\xff"}', b'"\xc3\x28"'):
            with self.subTest(payload=payload):
                r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.fn, body=payload)
                body = self.assertRawError(r, 400, "InvalidRequestContentException", message_key="message")
                self.assertTrue(body["message"].startswith(
                    "Could not parse request body into json: Could not parse payload into json: "), body)
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=self.fn, Payload=b"nope"),
                            "InvalidRequestContentException", 400,
                            message_prefix="Could not parse request body into json: Could not parse payload into json: ")
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=self.fn, Payload=b"nope", InvocationType="Event"),
                            "InvalidRequestContentException", 400)
        # The function still answers.
        self.assertEqual(self.invoke_ok(self.fn, {"ok": 1}), {"ok": 1})

    def test_invoke_payload_number_out_of_range(self):
        # 1e400 is valid JSON (RFC 8259 grammar); it must be accepted or refused as a client
        # error, never answered with a 5xx.
        for payload in (b"1e400", b"[1e400]", b'{"n": -1e999}'):
            with self.subTest(payload=payload):
                r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.fn, body=payload)
                self.assertIn(r.status, (200, 400), r)
                if r.status == 400:
                    self.assertRawError(r, 400, "InvalidRequestContentException")

    def test_malformed_control_plane_json(self):
        for body in ("{not json", "[]", "null", "42", '"str"', "{\"FunctionName\": "):
            r = self.post_create(body)
            self.assertEqual(r.status, 400, r)
            self.assertTrue(r.header("x-amzn-ErrorType"), r)
            self.assertIsInstance(r.json(), dict)
            r = self.server.http("PUT", "/2015-03-31/functions/%s/configuration" % self.fn,
                                 body=body, headers=JSON_HEADERS)
            self.assertEqual(r.status, 400, r)
            r = self.server.http("PUT", "/2015-03-31/functions/%s/code" % self.fn,
                                 body=body, headers=JSON_HEADERS)
            self.assertEqual(r.status, 400, r)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=self.fn)["Timeout"], 3)

    def test_bad_base64_zip(self):
        r = self.post_create(create_body(unique_name(), Code={"ZipFile": "!!!not base64!!!"}))
        self.assertRawError(r, 400, "InvalidParameterValueException")

    # -- unknown routes and methods ---------------------------------------------------------

    def test_unknown_routes(self):
        for method, path in (("GET", "/"), ("GET", "/nothing"), ("GET", "/2015-03-31"),
                             ("GET", "/2015-03-31/functions/%s/nothing" % self.fn),
                             ("POST", "/2099-01-01/functions"),
                             ("GET", "/2015-03-31/functions/a/b/c/d/e/f"),
                             ("GET", "/" + "x/" * 500)):
            r = self.server.http(method, path)
            self.assertEqual(r.status, 404, (method, path, r))
            self.assertTrue(r.header("x-amzn-ErrorType"), r)
            self.assertTrue(r.header("x-amzn-RequestId"), r)
            body = r.json()
            self.assertTrue("message" in body or "Message" in body, body)

    def test_wrong_methods(self):
        for method, path in (("PATCH", "/2015-03-31/functions"),
                             ("PUT", "/2015-03-31/functions"),
                             ("DELETE", "/2015-03-31/functions"),
                             ("GET", "/2015-03-31/functions/%s/invocations" % self.fn),
                             ("POST", "/2015-03-31/functions/%s/configuration" % self.fn),
                             ("PUT", "/2016-08-19/account-settings")):
            r = self.server.http(method, path, body="{}")
            self.assertIn(r.status, (404, 405), (method, path, r))
            self.assertTrue(r.header("x-amzn-ErrorType"), r)
            body = r.json()
            self.assertTrue("message" in body or "Message" in body, body)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=self.fn)["FunctionName"], self.fn)

    def test_odd_paths_and_queries(self):
        cases = ["/2015-03-31/functions/%ZZ", "/2015-03-31/functions/%00abc",
                 "/2015-03-31/functions/" + "n" * 300, "/2015-03-31/functions/a%2Fb",
                 "/2015-03-31/functions/:::", "/2015-03-31/functions/arn%3Aaws%3Alambda",
                 "/2015-03-31/functions?Marker=%%%", "/2015-03-31/functions?Marker=!!!!",
                 "/2015-03-31/functions?MaxItems=99999999999999999999",
                 "/2015-03-31/functions/%s?Qualifier=%%FF" % self.fn,
                 "/2015-03-31/functions/%s?Qualifier=%s" % (self.fn, "q" * 200),
                 "/2015-03-31/functions//configuration", "/../../etc/passwd",
                 "/2015-03-31/functions/" + urllib.parse.quote("😀", safe=""),
                 "/2015-03-31/functions/%FF", "/2015-03-31/functions/%C3%28",
                 "/2015-03-31/functions?Marker=%FF", "/2015-03-31/functions?MaxItems=%FF",
                 "/2017-03-31/tags/%FF", "/%FF"]
        for path in cases:
            for method in ("GET", "DELETE"):
                with self.subTest(method=method, path=path):
                    r = self.server.http(method, path)
                    self.assertGreaterEqual(r.status, 400, (path, r))
                    self.assertLess(r.status, 500, (path, r))
                    self.assertTrue(self.server.alive())
        r = self.server.http("GET", "/2015-03-31/functions/" + "n" * 300)
        self.assertRawError(r, 400, "ValidationException")

    # -- inputs that must neither crash nor hang the server ------------------------------------

    def assertServes(self):
        self.assertTrue(self.server.alive(), self.server.log_tail())
        self.assertTrue(self.server.healthy(), "server stopped answering")

    def test_garbage_on_the_socket(self):
        port = self.server.port
        for junk in (b"\x00\x01\x02\x03" * 100, b"HELLO\r\n\r\n", b"GET\r\n\r\n",
                     b"GET / HTTP/9.9\r\n\r\n", b"\r\n\r\n\r\n",
                     b"POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                     b"POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                     b"POST /2015-03-31/functions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
                     b"GET /_stratus/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Long: " + b"a" * 200000 + b"\r\n\r\n",
                     b"FOO /_stratus/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"):
            out = raw_socket_exchange(port, junk, timeout=3, shutdown_write=True)
            if out:
                # Either a clean answer (never a 5xx) or just a closed connection.
                self.assertRegex(out[:12], rb"^HTTP/1\.[01] [1-4]\d\d", out[:200])
            self.assertServes()

    def test_truncated_and_abandoned_requests(self):
        port = self.server.port
        # Headers promise a body that never comes, then the client goes away.
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"a\":" % self.fn.encode())
        s.close()
        # Half a request line.
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /2015-03-31/fun")
        s.close()
        # Idle connections that never send anything, while others are served.
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]
        try:
            self.assertServes()
            self.assertEqual(self.invoke_ok(self.fn, {"x": 1}), {"x": 1})
        finally:
            for s in idle:
                s.close()
        self.assertServes()

    def test_oversized_body_refused_before_upload(self):
        # A CreateFunction whose declared body exceeds the whole-request limit is refused at
        # once with a 413 (LAMBDA.md §3), without waiting for 80 MB.
        port = self.server.port
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            s.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 80000000\r\n\r\n{\"a\":")
            data = b""
            deadline = time.monotonic() + 10
            while b"\r\n\r\n" not in data and time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 413"), data[:300])
            self.assertIn(b"x-amzn-errortype: requestentitytoolargeexception", head.lower())
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            while len(rest) < length and time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            body = json.loads(rest[:length].decode())
            self.assertEqual(body, {"Message": "Request must be smaller than 70167211 bytes for the CreateFunction operation"})
        finally:
            s.close()
        self.assertServes()

    def test_pipelined_requests(self):
        req = b"GET /_stratus/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        last = b"GET /2015-03-31/functions/%s/configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % self.fn.encode()
        out = raw_socket_exchange(self.server.port, req * 3 + last, timeout=10)
        self.assertEqual(out.count(b"HTTP/1.1 200"), 4, out[:2000])
        self.assertIn(self.fn.encode(), out)

    def test_chunked_invoke_body(self):
        body = b'{"chunked": true}'
        req = (b"POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % self.fn.encode())
        req += b"%x\r\n%s\r\n" % (5, body[:5]) + b"%x\r\n%s\r\n" % (len(body) - 5, body[5:]) + b"0\r\n\r\n"
        out = raw_socket_exchange(self.server.port, req, timeout=15)
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:500])
        head, _, payload = out.partition(b"\r\n\r\n")
        self.assertEqual(json.loads(payload), {"chunked": True}, out[-300:])

    def test_many_concurrent_connections(self):
        def one(i):
            if i % 2:
                return self.server.http("GET", "/_stratus/health").status
            return self.server.http("GET", "/2015-03-31/functions/%s/configuration" % self.fn).status
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            statuses = list(ex.map(one, range(64), timeout=60))
        self.assertEqual(statuses, [200] * 64)

    def test_keep_alive_after_error(self):
        # An error answer must not break the connection for the next request on it.
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request("GET", "/2015-03-31/functions/" + unique_name("nope"))
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 404)
            conn.request("POST", "/2015-03-31/functions/%s/invocations" % self.fn, body=b"bad")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 400)
            conn.request("POST", "/2015-03-31/functions/%s/invocations" % self.fn, body=b'{"k":2}')
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.read()), {"k": 2})
        finally:
            conn.close()

    def test_every_route_with_hostile_bodies(self):
        routes = [("POST", "/2015-03-31/functions"),
                  ("PUT", "/2015-03-31/functions/%s/configuration" % self.fn),
                  ("PUT", "/2015-03-31/functions/%s/code" % self.fn),
                  ("POST", "/2017-03-31/tags/" + urllib.parse.quote(function_arn(self.fn), safe="")),
                  ("POST", "/2014-11-13/functions/%s/invoke-async" % self.fn),
                  ("POST", "/2015-03-31/functions/%s/invocations" % self.fn)]
        bodies = ["", "{}", "[]", "null", "{\"FunctionName\": null}", "{\"Code\": []}",
                  "{\"Code\": {\"ZipFile\": 5}}", "{\"ZipFile\": null}", "{\"Timeout\": 1e400}",
                  "{\"Timeout\": -1}", "{\"MemorySize\": 99999999999999999999}",
                  "{\"Environment\": {\"Variables\": {\"A\": {\"nested\": 1}}}}",
                  "{\"Environment\": \"x\"}", "{\"Tags\": {\"a\": 1}}", "{\"Tags\": []}",
                  "{\"Handler\": \"\"}", "{\"Runtime\": null}", "{\"Architectures\": []}",
                  "\"" + "a" * 10000 + "\"", "{" * 5000 + "}" * 5000, "[" * 100000,
                  "[" * 100000 + "]" * 100000, "1e400", b'{"a": "\xff"}', b"\xff",
                  b'{"Description": "\xff"}', b'{"Tags": {"\xff": "x"}}']
        for method, path in routes:
            for body in bodies:
                with self.subTest(method=method, path=path, body=body[:40]):
                    r = self.server.http(method, path, body=body, headers=JSON_HEADERS)
                    self.assertLess(r.status, 500, (method, path, body[:80], r))
        self.assertServes()
        g = self.lam.get_function_configuration(FunctionName=self.fn)
        self.assertEqual(g["Timeout"], 3)
        self.assertEqual(g["Handler"], "index.handler")
        self.assertEqual(self.invoke_ok(self.fn, {"still": "ok"}), {"still": "ok"})

    def test_every_response_has_request_id(self):
        for method, path, body in (("GET", "/_stratus/health", None),
                                   ("GET", "/2015-03-31/functions", None),
                                   ("GET", "/2016-08-19/account-settings", None),
                                   ("POST", "/2015-03-31/functions/%s/invocations" % self.fn, "{}"),
                                   ("GET", "/nothing", None)):
            r = self.server.http(method, path, body=body)
            self.assertUuid(r.header("x-amzn-RequestId"))


if __name__ == "__main__":
    main()
