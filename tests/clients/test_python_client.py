"""The Python runtime client (runtime/clients/python) run as a real process against the fake
Runtime API, as the sandbox runs it: the host's /usr/bin/python3, a temporary copy of
python_fixtures/ as LAMBDA_TASK_ROOT, and a full Lambda environment. Every process started here
is killed by its PID when its test ends; every wait is bounded.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("STRATUS_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
RUNTIME_DIR = os.path.realpath(os.path.join(SOURCE_DIR, "runtime", "clients", "python"))
BOOTSTRAP = os.path.join(RUNTIME_DIR, "bootstrap.py")
FIXTURES = os.path.join(HERE, "python_fixtures")
SYSTEM_PYTHON = "/usr/bin/python3"
WAIT = 10  # seconds: any single wait in these tests

sys.path.insert(0, HERE)
from fake_runtime_api import FakeRuntimeApi  # noqa: E402

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"
STREAM = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"
TEXT_RECORD = re.compile(r"\[(\w+)\]\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(.*)")


def lambda_environment(api, handler, task_root, extra=None):
    """What the sandbox gives a python3.12 function (LAMBDA.md §7, §7b), nothing inherited."""
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": "orders",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orders",
        "AWS_LAMBDA_LOG_STREAM_NAME": STREAM,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "token",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "PYTHONPATH": "/var/runtime",
        "PWD": task_root,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "SHLVL": "0",
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        # The runtime directory is read-only in the jail; here, keep the source tree clean.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


class Runtime:
    """One client process, its fake API and its log (stdout and stderr together, as the server
    captures them)."""

    def __init__(self, test, handler, env=None, task_root=None, function_arn=ARN):
        self.api = FakeRuntimeApi(function_arn=function_arn)
        self.task_root = task_root or test.task_root
        self._log = tempfile.TemporaryFile()
        test.addCleanup(self._log.close)
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, "-u", BOOTSTRAP],
            env=lambda_environment(self.api, handler, self.task_root, env),
            cwd=self.task_root, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        test.addCleanup(self.close)
        self._next_id = 0

    def invoke(self, payload, headers=None, request_id=None):
        """Queues one event; (kind, request id, body bytes, headers) of what the runtime posts."""
        if request_id is None:
            self._next_id += 1
            request_id = "req-%d" % self._next_id
        self.api.queue(request_id, payload, headers)
        return self.wait_post()

    def wait_post(self, timeout=WAIT):
        try:
            return self.api.wait_post(timeout=timeout)
        except Exception:
            raise AssertionError("no post from the runtime in %ss; log:\n%s"
                                 % (timeout, self.log()))

    def result(self, payload, headers=None):
        kind, _, body, _ = self.invoke(payload, headers)
        assert kind == "response", (kind, body, self.log())
        return json.loads(body)

    def exit_code(self, timeout=WAIT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("runtime still running after %ss" % timeout)

    def stop(self):
        """Ends the long poll with a 500, which must end the runtime."""
        self.api.close()
        return self.exit_code()

    def close(self):
        """Lets the runtime leave on the API's 500 (a kill during its long poll would reset the
        fake's connection), then kills it by its PID if it is still there."""
        self.api.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=WAIT)

    def log(self):
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.task_root = os.path.realpath(tempfile.mkdtemp(prefix="stratus-py-task-"))
        self.addCleanup(shutil.rmtree, self.task_root, True)
        shutil.copytree(FIXTURES, self.task_root, dirs_exist_ok=True)

    def fixture_line(self, relative, text):
        """The 1-based line of `text` in a fixture file."""
        with open(os.path.join(self.task_root, relative)) as f:
            for number, line in enumerate(f, 1):
                if text in line:
                    return number
        raise AssertionError("%r not in %s" % (text, relative))


class InvokeTest(ClientTest):
    def test_nested_module_path_and_several_invocations_keep_module_state(self):
        rt = Runtime(self, "nested/deep/handlers.counter")
        first = rt.result({})
        self.assertEqual(first["count"], 1)
        self.assertEqual([rt.result({})["count"] for _ in range(3)], [2, 3, 4])
        self.assertEqual(rt.result({})["pid"], first["pid"])
        self.assertEqual(rt.stop(), 1)  # a 500 on /next ends the runtime

    def test_results_dict_none_and_echo(self):
        rt = Runtime(self, "nested/deep/handlers.echo")
        kind, request_id, body, headers = rt.invoke({"a": [1, "x", None]}, request_id="id-1")
        self.assertEqual((kind, request_id), ("response", "id-1"))
        self.assertEqual(body, b'{"a": [1, "x", null]}')  # awslambdaric's separators
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(rt.invoke("text")[2], b'"text"')
        none = Runtime(self, "nested/deep/handlers.returns_none")
        self.assertEqual(none.invoke({})[:3:2], ("response", b"null"))

    def test_decimal_keeps_its_digits(self):
        rt = Runtime(self, "nested/deep/handlers.decimals")
        self.assertEqual(rt.invoke({})[2],
                         b'{"price": 19.90, "big": 1E+2, "nan": NaN, "list": [-0.5]}')

    def test_simplejson_types_and_utf8_for_python312(self):
        rt = Runtime(self, "nested/deep/handlers.simplejson_types")
        self.assertEqual(rt.invoke({})[2],
                         '{"point": {"x": 1, "y": 2}, "bytes": "text", "tuple": [1, 2], '
                         '"nan": NaN, "unicode": "caf\u00e9 \u2603"}'.encode("utf-8"))

    def test_ascii_escapes_before_python312(self):
        rt = Runtime(self, "nested/deep/handlers.simplejson_types",
                     {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"})
        self.assertIn(b'"unicode": "caf\\u00e9 \\u2603"', rt.invoke({})[2])

    def test_bytes_result_is_sent_raw(self):
        rt = Runtime(self, "nested/deep/handlers.raw_bytes")
        kind, _, body, headers = rt.invoke({})
        self.assertEqual((kind, body), ("response", b"\x00raw bytes\xff"))
        self.assertEqual(headers["content-type"], "application/unknown")

    def test_non_json_event_reaches_the_handler_as_bytes(self):
        rt = Runtime(self, "nested/deep/handlers.event_type")
        self.assertEqual(rt.result(b"plain", {"Content-Type": "text/plain"}), "bytes")
        self.assertEqual(rt.result({}), "dict")

    def test_malformed_json_event_is_an_unmarshal_error(self):
        rt = Runtime(self, "nested/deep/handlers.echo")
        error = json.loads(rt.invoke(b"{bad")[2])
        self.assertEqual((error["errorType"], error["errorMessage"]), (
            "Runtime.UnmarshalError", "Unable to unmarshal input: Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1)"))

    def test_unserialisable_result_is_a_marshal_error(self):
        rt = Runtime(self, "nested/deep/handlers.unserialisable")
        kind, request_id, body, headers = rt.invoke({})
        self.assertEqual(kind, "error")
        self.assertEqual(body, b'{"errorMessage": "Unable to marshal response: Object of type '
                               b'datetime is not JSON serializable", "errorType": '
                               b'"Runtime.MarshalError", "requestId": "' +
                         request_id.encode() + b'", "stackTrace": []}')
        self.assertEqual(headers["lambda-runtime-function-error-type"], "Runtime.MarshalError")

    def test_raised_exception_body_stack_trace_and_log_record(self):
        rt = Runtime(self, "nested/deep/handlers.raises")
        kind, request_id, body, headers = rt.invoke({"card": "visa"})
        self.assertEqual(kind, "error")
        path = os.path.join(self.task_root, "nested", "deep", "handlers.py")
        call_line = self.fixture_line("nested/deep/handlers.py", '_charge(event.get("card"))')
        raise_line = self.fixture_line("nested/deep/handlers.py", "raise PaymentDeclined(")
        trace = [
            '  File "%s", line %d, in raises\n    _charge(event.get("card"))\n' % (path, call_line),
            '  File "%s", line %d, in _charge\n    raise PaymentDeclined("card {} declined"'
            '.format(card))\n' % (path, raise_line),
        ]
        error = json.loads(body)
        self.assertEqual(list(error), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(error, {"errorMessage": "card visa declined",
                                 "errorType": "PaymentDeclined", "requestId": request_id,
                                 "stackTrace": trace})
        self.assertEqual(headers["lambda-runtime-function-error-type"], "PaymentDeclined")
        cause = json.loads(headers["lambda-runtime-function-xray-error-cause"])
        self.assertEqual(cause["exceptions"][0]["type"], "PaymentDeclined")
        self.assertEqual(cause["paths"], [path])

        nbsp = "\u00a0"
        record = ("[ERROR] PaymentDeclined: card visa declined\rTraceback (most recent call last):"
                  "\r{0}{0}File \"{1}\", line {2}, in raises\r{0}{0}{0}{0}_charge(event.get(\"card\"))"
                  "\r{0}{0}File \"{1}\", line {3}, in _charge\r{0}{0}{0}{0}raise PaymentDeclined("
                  "\"card {{}} declined\".format(card))\n").format(nbsp, path, call_line, raise_line)
        rt.stop()
        self.assertIn(record, rt.log())

    def test_runtime_keeps_serving_after_a_function_error(self):
        rt = Runtime(self, "nested/deep/handlers.raises")
        self.assertEqual(rt.invoke({"card": "a"})[0], "error")
        self.assertEqual(rt.invoke({"card": "b"})[0], "error")
        self.assertIsNone(rt.proc.poll())

    def test_exception_without_message(self):
        rt = Runtime(self, "nested/deep/handlers.raises_empty")
        error = json.loads(rt.invoke({})[2])
        self.assertEqual((error["errorMessage"], error["errorType"]), ("", "ValueError"))
        rt.stop()
        self.assertIn("[ERROR] ValueError\rTraceback (most recent call last):\r", rt.log())

    def test_handler_that_is_not_callable_fails_at_invoke(self):
        rt = Runtime(self, "nested/deep/handlers.not_callable")
        error = json.loads(rt.invoke({})[2])
        self.assertEqual((error["errorType"], error["errorMessage"]),
                         ("TypeError", "'NoneType' object is not callable"))

    def test_sys_exit_in_handler_ends_the_process(self):
        rt = Runtime(self, "nested/deep/handlers.exits")
        rt.api.queue("req-exit", {})
        self.assertEqual(rt.exit_code(), 3)

    def test_context_fields_client_context_identity_and_remaining_time(self):
        rt = Runtime(self, "nested/deep/handlers.context_fields")
        client_context = {"client": {"installation_id": "inst", "app_title": "Shop",
                                     "app_version_name": "1.0", "app_version_code": "7",
                                     "app_package_name": "com.example"},
                          "custom": {"k": "v"}, "env": {"locale": "en"}}
        identity = {"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "pool"}
        kind, request_id, body, _ = rt.invoke({}, {
            "Lambda-Runtime-Client-Context": json.dumps(client_context),
            "Lambda-Runtime-Cognito-Identity": json.dumps(identity),
            "Lambda-Runtime-Aws-Tenant-Id": "tenant-9",
            "Lambda-Runtime-Trace-Id": "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f6a3;Sampled=1",
        })
        got = json.loads(body)
        self.assertTrue(0 < got.pop("remaining") <= rt.api.timeout_ms, body)
        self.assertTrue(got.pop("repr").startswith(
            "LambdaContext([aws_request_id=%s,log_group_name=/aws/lambda/orders," % request_id))
        self.assertEqual(got, {
            "function_name": "orders", "function_version": "$LATEST",
            "invoked_function_arn": ARN,
            "memory_limit_in_mb": "128",  # a string, as in awslambdaric
            "aws_request_id": request_id, "log_group_name": "/aws/lambda/orders",
            "log_stream_name": STREAM, "tenant_id": "tenant-9",
            "identity": ["us-east-1:abc", "pool"],
            "client_context": {"custom": {"k": "v"}, "env": {"locale": "en"},
                               "client": ["inst", "Shop", "1.0", "7", "com.example"]},
            "trace_id": "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f6a3;Sampled=1",
        })
        # Without the optional headers: no client context, an empty identity, no trace id.
        bare = rt.result({}, {"Lambda-Runtime-Trace-Id": ""})
        self.assertEqual((bare["client_context"], bare["identity"], bare["tenant_id"],
                          bare["trace_id"]), (None, [None, None], None, None))

    def test_malformed_client_context_is_a_context_error(self):
        rt = Runtime(self, "nested/deep/handlers.context_fields")
        error = json.loads(rt.invoke({}, {"Lambda-Runtime-Client-Context": "{nope"})[2])
        self.assertEqual(error["errorType"], "Runtime.LambdaContextUnmarshalError")
        self.assertTrue(error["errorMessage"].startswith("Unable to parse Client Context JSON: "))


class InitErrorTest(ClientTest):
    def assert_init_error(self, handler, error_type, message, stack_trace=None):
        rt = Runtime(self, handler)
        kind, _, body, headers = rt.wait_post()
        self.assertEqual(kind, "init_error", body)
        error = json.loads(body)
        self.assertEqual(list(error), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual((error["errorType"], error["errorMessage"], error["requestId"]),
                         (error_type, message, ""))
        if stack_trace is not None:
            self.assertEqual(error["stackTrace"], stack_trace)
        self.assertEqual(headers["lambda-runtime-function-error-type"], error_type)
        self.assertEqual(rt.exit_code(), 1)
        log = rt.log()
        self.assertRegex(log, r"\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception\. ")
        self.assertIn("[ERROR] %s: %s\rTraceback (most recent call last):" % (error_type, message),
                      log)
        return error, log

    def test_malformed_handler_name(self):
        error, log = self.assert_init_error(
            "nohandler", "Runtime.MalformedHandlerName",
            "Bad handler 'nohandler': not enough values to unpack (expected 2, got 1)", [])
        self.assertIn("Traceback (most recent call last):\n", log)  # an empty trace, as Lambda's

    def test_missing_module(self):
        self.assert_init_error("missing_module.handler", "Runtime.ImportModuleError",
                               "Unable to import module 'missing_module': "
                               "No module named 'missing_module'", [])

    def test_import_error_inside_the_module(self):
        self.assert_init_error("import_error.handler", "Runtime.ImportModuleError",
                               "Unable to import module 'import_error': "
                               "No module named 'not_a_real_module_xyz'", [])

    def test_syntax_error(self):
        path = os.path.join(self.task_root, "syntax_error.py")
        self.assert_init_error("syntax_error.handler", "Runtime.UserCodeSyntaxError",
                               "Syntax error in module 'syntax_error': "
                               "invalid syntax (syntax_error.py, line 3)",
                               ['  File "%s" Line 3\n    def broken(:\n' % path])

    def test_handler_not_found(self):
        self.assert_init_error("nested/deep/handlers.missing", "Runtime.HandlerNotFound",
                               "Handler 'missing' missing on module 'nested/deep/handlers'", [])

    def test_built_in_module_conflict(self):
        self.assert_init_error("sys.handler", "Runtime.BuiltInModuleConflict",
                               "Cannot use built-in module sys as a handler module", [])

    def test_other_exception_at_import_uses_its_class_name(self):
        error, _ = self.assert_init_error("raises_at_import.handler", "ConfigMissing",
                                          "no config for stage")
        path = os.path.join(self.task_root, "raises_at_import.py")
        trace = error["stackTrace"]
        # From importlib down, none of the runtime's own frames: as Lambda shows it.
        self.assertIn("importlib", trace[0])
        self.assertFalse([t for t in trace if RUNTIME_DIR in t], trace)
        self.assertEqual(trace[-2:], [
            '  File "%s", line %d, in <module>\n    _load()\n'
            % (path, self.fixture_line("raises_at_import.py", "_load()\n")),
            '  File "%s", line %d, in _load\n    raise ConfigMissing("no config for stage")\n'
            % (path, self.fixture_line("raises_at_import.py", "raise ConfigMissing")),
        ])


class LogTest(ClientTest):
    def run_logs(self, env=None):
        rt = Runtime(self, "nested/deep/handlers.logs", env)
        kind, request_id, _, _ = rt.invoke({})
        self.assertEqual(kind, "response")
        rt.stop()
        return request_id, rt.log().split("\n")

    def text_records(self, lines):
        return [TEXT_RECORD.match(line).groups() for line in lines if TEXT_RECORD.match(line)]

    def test_text_format_default_level_is_warning(self):
        request_id, lines = self.run_logs()
        self.assertIn("plain print line", lines)
        self.assertIn("stderr line", lines)
        records = self.text_records(lines)
        self.assertEqual([(level, rid, msg) for level, _, rid, msg in records], [
            ("WARNING", request_id, "warning record"),
            ("ERROR", request_id, "error record"),
            ("ERROR", request_id, "caught"),
        ])
        # logger.exception's traceback follows its record, which then ends with a newline.
        self.assertIn("KeyError: 'missing'", lines)
        # Order is the function's: print, then records, then stderr.
        self.assertLess(lines.index("plain print line"), lines.index("stderr line"))

    def test_text_format_with_log_level(self):
        _, lines = self.run_logs({"AWS_LAMBDA_LOG_LEVEL": "INFO"})
        self.assertEqual([(level, msg) for level, _, _, msg in self.text_records(lines)][:2],
                         [("INFO", "info record 1"), ("WARNING", "warning record")])
        _, lines = self.run_logs({"AWS_LAMBDA_LOG_LEVEL": "TRACE"})  # TRACE is DEBUG
        self.assertEqual(self.text_records(lines)[0][3], "debug record")

    def test_json_format(self):
        request_id, lines = self.run_logs({"AWS_LAMBDA_LOG_FORMAT": "JSON",
                                           "AWS_LAMBDA_LOG_LEVEL": "DEBUG"})
        records = [json.loads(line) for line in lines if line.startswith("{")]
        self.assertEqual([r["message"] for r in records],
                         ["debug record", "info record 1", "warning record", "error record",
                          "caught"])
        for r in records:
            self.assertRegex(r.pop("timestamp"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(records[1], {"level": "INFO", "message": "info record 1",
                                      "logger": "root", "requestId": request_id})
        self.assertEqual(records[3], {"level": "ERROR", "message": "error record",
                                      "logger": "app.orders", "requestId": request_id,
                                      "order": 7})
        caught = records[4]
        self.assertEqual((caught["errorType"], caught["errorMessage"]), ("KeyError", "'missing'"))
        self.assertTrue(caught["location"].endswith(":logs:%d" % self.fixture_line(
            "nested/deep/handlers.py", 'root.exception("caught")')))
        self.assertIsInstance(caught["stackTrace"], list)
        self.assertIn("plain print line", lines)

    def test_json_format_function_error_record(self):
        rt = Runtime(self, "nested/deep/handlers.raises", {"AWS_LAMBDA_LOG_FORMAT": "JSON"})
        _, request_id, body, _ = rt.invoke({"card": "amex"})
        rt.stop()
        records = [json.loads(line) for line in rt.log().split("\n") if line.startswith("{")]
        self.assertEqual(len(records), 1, rt.log())
        record = records[0]
        self.assertEqual(list(record), ["timestamp", "log_level", "errorMessage", "errorType",
                                        "requestId", "stackTrace"])
        self.assertEqual(record["log_level"], "ERROR")
        self.assertEqual(record["stackTrace"], json.loads(body)["stackTrace"])
        self.assertEqual(record["requestId"], request_id)


class EnvironmentTest(ClientTest):
    def test_sys_path_order_and_streams(self):
        rt = Runtime(self, "nested/deep/handlers.interpreter")
        got = rt.result({})
        # The layer directory names the client's python version, not this test's.
        site_packages = [p for p in got["sys_path"] if p.startswith("/opt/python/lib/python3.")]
        self.assertEqual(got["sys_path"], [self.task_root, site_packages[0], "/opt/python",
                                           RUNTIME_DIR])
        self.assertRegex(site_packages[0], r"^/opt/python/lib/python3\.\d+/site-packages$")
        self.assertEqual(got["executable"], SYSTEM_PYTHON)
        self.assertEqual(got["stdout_flushes"], "_Unbuffered")

    def test_trace_id_env_follows_each_invocation(self):
        rt = Runtime(self, "nested/deep/handlers.environment")
        traced = rt.result(["_X_AMZN_TRACE_ID"])
        self.assertTrue(traced["_X_AMZN_TRACE_ID"].startswith("Root=1-"))
        self.assertEqual(rt.result(["_X_AMZN_TRACE_ID"], {"Lambda-Runtime-Trace-Id": ""}),
                         {"_X_AMZN_TRACE_ID": None})

    def test_runtime_provided_boto3_is_importable(self):
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import boto3"], capture_output=True,
                               timeout=WAIT)
        self.assertEqual(probe.returncode, 0,
                         "the system python has no boto3: apt-get install python3-boto3")
        rt = Runtime(self, "nested/deep/handlers.uses_boto3")
        got = rt.result({})
        self.assertTrue(got["file"].startswith("/usr/lib/python3/dist-packages/boto3/"), got)
        self.assertEqual(got["client"], "SQS")

    def test_lost_connection_exits(self):
        # An API that takes the long poll and then drops the connection.
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(WAIT)
        rt = Runtime(self, "nested/deep/handlers.empty",
                     {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % listener.getsockname()[1]})
        conn, _ = listener.accept()
        conn.settimeout(WAIT)
        self.assertTrue(conn.recv(4096).startswith(b"GET /2018-06-01/runtime/invocation/next "))
        conn.close()
        self.assertEqual(rt.exit_code(), 1)
        self.assertIn("RemoteDisconnected", rt.log())

    def test_no_runtime_api_exits(self):
        rt = Runtime(self, "nested/deep/handlers.empty",
                     {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1"})
        self.assertEqual(rt.exit_code(), 1)
        self.assertIn("Runtime API", rt.log())


class PrewarmTest(ClientTest):
    def claim_env(self, task_root, handler, extra=None):
        env = {"_HANDLER": handler, "LAMBDA_TASK_ROOT": task_root, "PWD": task_root,
               "AWS_LAMBDA_FUNCTION_NAME": "claimed", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}
        env.update(extra or {})
        return env

    def start_prewarmed(self, extra_env=None):
        # Started knowing nothing of its function: no handler, a placeholder task root.
        placeholder = tempfile.mkdtemp(prefix="stratus-py-prewarm-")
        self.addCleanup(shutil.rmtree, placeholder, True)
        env = {"STRATUS_PREWARM": "1", "_HANDLER": None, "AWS_LAMBDA_FUNCTION_NAME": None,
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": None}
        env.update(extra_env or {})
        return Runtime(self, "", env, task_root=placeholder)

    def test_claim_then_init_with_the_claimed_environment(self):
        rt = self.start_prewarmed()
        rt.api.queue("req-1", ["AWS_LAMBDA_FUNCTION_NAME", "STRATUS_PREWARM", "AWS_REGION"])
        with self.assertRaises(AssertionError):
            rt.wait_post(timeout=0.5)  # nothing happens before the claim
        self.assertIsNone(rt.proc.poll())
        rt.api.claim(self.claim_env(self.task_root, "nested/deep/handlers.environment"))
        kind, _, body, _ = rt.wait_post()
        self.assertEqual(kind, "response", rt.log())
        self.assertEqual(json.loads(body), {"AWS_LAMBDA_FUNCTION_NAME": "claimed",
                                            "STRATUS_PREWARM": None, "AWS_REGION": "us-east-1"})
        self.assertTrue(rt.api.claimed.is_set())

    def test_claimed_process_has_the_functions_path_and_cwd(self):
        rt = self.start_prewarmed()
        rt.api.claim(self.claim_env(self.task_root, "nested/deep/handlers.interpreter"))
        got = rt.result({})
        self.assertEqual(got["sys_path"][0], self.task_root)
        self.assertEqual(got["cwd"], self.task_root)

    def test_claimed_log_format_and_context(self):
        rt = self.start_prewarmed()
        rt.api.claim(self.claim_env(self.task_root, "nested/deep/handlers.logs",
                                    {"AWS_LAMBDA_LOG_FORMAT": "JSON",
                                     "AWS_LAMBDA_LOG_LEVEL": "INFO"}))
        self.assertEqual(rt.result({}), "ok")
        rt.stop()
        records = [json.loads(line) for line in rt.log().split("\n") if line.startswith("{")]
        self.assertEqual(records[0]["message"], "info record 1")
        rt2 = self.start_prewarmed()
        rt2.api.claim(self.claim_env(self.task_root, "nested/deep/handlers.context_fields"))
        got = rt2.result({})
        self.assertEqual((got["function_name"], got["memory_limit_in_mb"]), ("claimed", "512"))

    def test_claimed_init_error(self):
        rt = self.start_prewarmed()
        rt.api.claim(self.claim_env(self.task_root, "missing_module.handler"))
        kind, _, body, _ = rt.wait_post()
        self.assertEqual((kind, json.loads(body)["errorType"]),
                         ("init_error", "Runtime.ImportModuleError"))
        self.assertEqual(rt.exit_code(), 1)

    def test_functions_own_copy_of_a_preloaded_module_wins(self):
        shadow_root = os.path.join(self.task_root, "shadow_task")
        rt = self.start_prewarmed()
        rt.api.claim(self.claim_env(shadow_root, "shadow.handler"))
        self.assertEqual(rt.result({}), {"shadowed": True,
                                         "file": os.path.join(shadow_root, "uuid.py")})

    def test_claimed_pythonpath_is_honoured(self):
        # The interpreter started before PYTHONPATH was known: the runtime adds it.
        rt = self.start_prewarmed()
        rt.api.claim(self.claim_env(self.task_root, "handlers.echo", {
            "PYTHONPATH": os.path.join(self.task_root, "nested", "deep")}))
        self.assertEqual(rt.result({"via": "pythonpath"}), {"via": "pythonpath"})

    def test_boto3_preload(self):
        rt = self.start_prewarmed({"STRATUS_PREWARM_PRELOAD_BOTO3": "1"})
        rt.api.claim(self.claim_env(self.task_root, "nested/deep/handlers.uses_boto3"))
        self.assertEqual(rt.result({})["client"], "SQS")


if __name__ == "__main__":
    unittest.main()
