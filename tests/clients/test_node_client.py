"""The Node.js runtime interface client (runtime/clients/node) against the fake Runtime API.

Every test starts the real client, `node runtime/clients/node/index.mjs`, with a Lambda-like
environment and a task root (tests/clients/node_fixtures/modules, or a temp dir written by the
test), queues invocations on tests/clients/fake_runtime_api.py and checks what the client posts,
prints and exits with. The expected texts are aws-lambda-ric's (LAMBDA.md §5-§8).

Set STRATUS_NODE_RIC to an installed aws-lambda-ric package directory (npm install aws-lambda-ric)
to also run the comparison tests against AWS's own client.
"""
import base64
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SOURCE_DIR = os.environ.get("STRATUS_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "clients"))
from fake_runtime_api import FakeRuntimeApi  # noqa: E402

NODE = os.environ.get("STRATUS_NODE") or shutil.which("node")  # another Node: STRATUS_NODE
CLIENT = os.path.join(SOURCE_DIR, "runtime", "clients", "node", "index.mjs")
CLIENTS_DIR = os.path.join(SOURCE_DIR, "runtime", "clients")
MODULES = os.path.join(SOURCE_DIR, "tests", "clients", "node_fixtures", "modules")
SDK = os.path.join(SOURCE_DIR, "third_party", "node-sdk", "node_modules")
RIC = os.environ.get("STRATUS_NODE_RIC")

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

# How the server starts the client for nodejs20.x: Lambda's bootstrap exposes gc, allows 80 KiB
# of headers and turns require(esm) off (Node >= 20.19 would otherwise require() an ES-syntax .js).
NODE_FLAGS = ["--expose-gc", "--max-http-header-size=81920", "--no-experimental-require-module"]


def quiet_api():
    """A FakeRuntimeApi that does not print tracebacks for connections of killed clients, and
    answers without Nagle's delay (Python's server sends headers and body in two writes; each
    exchange would otherwise wait out a 40 ms delayed ACK)."""
    api = FakeRuntimeApi()
    api._server.handle_error = lambda request, address: None
    api._server.RequestHandlerClass.disable_nagle_algorithm = True
    return api


def lambda_env(api, task_root, handler, **extra):
    """The variables Lambda gives a nodejs20.x function (LAMBDA.md §7), for this test."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_nodejs20.x",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
        "NODE_PATH": ":".join([SDK, task_root]),
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


class Client:
    """One runtime client process on its own fake Runtime API. Output is collected by threads."""

    def __init__(self, test, task_root, handler, env=None, cmd=None, prewarm_env=None):
        self.api = quiet_api()
        if prewarm_env is not None:
            full = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": self.api.address,
                    "STRATUS_PREWARM": "1"}
            full.update(prewarm_env)
        else:
            full = lambda_env(self.api, task_root, handler, **(env or {}))
        self.env = full
        self.lines = []
        self.stderr = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(cmd or [NODE] + NODE_FLAGS + [CLIENT], cwd=task_root or "/",
                                     env=full,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.lines)),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr))]
        for t in self._readers:
            t.daemon = True
            t.start()
        test.addCleanup(self.close)

    def _read(self, stream, into):
        for raw in iter(stream.readline, b""):
            with self._cond:
                into.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()

    def invoke(self, payload, request_id="req-1", headers=None, timeout=10):
        """Queues one event; returns (kind, request_id, body bytes, headers) of the next post."""
        self.api.queue(request_id, payload, headers)
        return self.api.wait_post(timeout=timeout)

    def wait_post(self, timeout=10):
        return self.api.wait_post(timeout=timeout)

    def wait_exit(self, timeout=10):
        return self.proc.wait(timeout=timeout)

    def wait_line(self, pattern, timeout=10):
        """The first stdout line matching the regex, waiting for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if re.search(pattern, line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no line matching %r in %r (stderr %r)"
                                         % (pattern, self.lines, self.stderr))
                self._cond.wait(left)

    def output(self):
        with self._cond:
            return "".join(self.lines)

    def wait_lines(self, count, timeout=5):
        """The output once it has `count` lines (or after `timeout` s): the runtime's stdout
        may still be on its way when its answer to the Runtime API has arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while "".join(self.lines).count("\n") < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return "".join(self.lines)

    def close(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.api.close()
        for t in self._readers:
            t.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()


def write_task(test, files):
    """A temp task root holding {relative path: text}."""
    root = tempfile.mkdtemp(prefix="stratus-node-")
    test.addCleanup(shutil.rmtree, root, True)
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return root


@unittest.skipIf(NODE is None, "node is not installed")
class NodeClientTest(unittest.TestCase):
    maxDiff = None

    def start(self, handler, files=None, task_root=None, env=None, **kw):
        root = task_root or (write_task(self, files) if files else MODULES)
        return Client(self, root, handler, env=env, **kw)

    def ok(self, client, payload=None, **kw):
        kind, _, body, _ = client.invoke({} if payload is None else payload, **kw)
        self.assertEqual(kind, "response", body)
        return json.loads(body)

    def error(self, client, payload=None, **kw):
        kind, rid, body, headers = client.invoke({} if payload is None else payload, **kw)
        self.assertEqual(kind, "error", body)
        return json.loads(body), headers

    def init_error(self, client):
        kind, _, body, headers = client.wait_post()
        self.assertEqual(kind, "init_error", body)
        return json.loads(body), headers

    # ---- handler resolution (LAMBDA.md §7) ----

    def test_commonjs_index(self):
        c = self.start("index.handler")
        self.assertEqual(self.ok(c, {"a": 1}), {"kind": "cjs", "event": {"a": 1}})

    def test_mjs_module(self):
        self.assertEqual(self.ok(self.start("esm.handler")), {"kind": "mjs", "url": True})

    def test_js_under_type_module_is_imported(self):
        self.assertEqual(self.ok(self.start("typemod/app.handler")),
                         {"kind": "type module", "isModule": True})

    def test_cjs_extension(self):
        self.assertEqual(self.ok(self.start("common.handler")),
                         {"kind": "cjs extension", "typeofRequire": "function"})
        self.assertEqual(self.ok(self.start("typemod/legacy.handler")), "cjs beside type module")

    def test_extensionless_file(self):
        self.assertEqual(self.ok(self.start("noext.handler")), "extensionless")

    def test_top_level_await_completes_during_init(self):
        c = self.start("tla.handler")
        self.assertEqual(self.ok(c), "awaited at init")

    def test_nested_path_and_property(self):
        self.assertEqual(self.ok(self.start("index.nested.deeper.fn")), "nested property")
        self.assertEqual(self.ok(self.start("nested/deep/handler.api.v1.get")),
                         "deep/handler.api.v1.get")

    def test_node_modules_of_the_task_root(self):
        self.assertEqual(self.ok(self.start("pkgmod.handler")), "from node_modules")

    # ---- init errors: posted to /init/error, logged, exit 129 ----

    def assert_init_error(self, handler, error_type, message, trace0=None, **kw):
        c = self.start(handler, **kw)
        body, headers = self.init_error(c)
        self.assertEqual(body["errorType"], error_type)
        self.assertEqual(body["errorMessage"], message)
        self.assertEqual(headers["lambda-runtime-function-error-type"], error_type)
        self.assertEqual(body["trace"][0], trace0 or "%s: %s" % (error_type, message.split("\n")[0]))
        self.assertEqual(c.wait_exit(), 129)
        line = c.wait_line("Uncaught Exception")
        self.assertRegex(line, r"^%s\tundefined\tERROR\tUncaught Exception \t\{" % TS)
        return body

    def test_init_error_module_not_found(self):
        self.assert_init_error(
            "nothere.handler", "Runtime.ImportModuleError",
            "Error: Cannot find module 'nothere'\nRequire stack:\n- %s/index.mjs" % CLIENTS_DIR)

    def test_init_error_dependency_not_found(self):
        self.assert_init_error(
            "broken/missing_dep.handler", "Runtime.ImportModuleError",
            "Error: Cannot find module 'no-such-package'\nRequire stack:\n- %s/broken/missing_dep.js"
            "\n- %s/index.mjs" % (MODULES, CLIENTS_DIR))

    def test_init_error_esm_package_not_found(self):
        # As in Lambda: ERR_MODULE_NOT_FOUND is not wrapped; it is a plain Error.
        self.assert_init_error(
            "broken/missing_dep_esm.handler", "Error",
            "Cannot find package 'no-such-package' imported from %s/broken/missing_dep_esm.mjs" % MODULES,
            trace0="Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'no-such-package' imported "
                   "from %s/broken/missing_dep_esm.mjs" % MODULES)

    def test_init_error_handler_not_found(self):
        self.assert_init_error("index.missing", "Runtime.HandlerNotFound",
                               "index.missing is undefined or not exported")
        self.assert_init_error("index.nested.nope.fn", "Runtime.HandlerNotFound",
                               "index.nested.nope.fn is undefined or not exported")

    def test_init_error_handler_not_a_function(self):
        self.assert_init_error("index.notAFunction", "Runtime.HandlerNotFound",
                               "index.notAFunction is not a function")

    def test_init_error_malformed_handler(self):
        self.assert_init_error("index", "Runtime.MalformedHandlerName", "Bad handler")
        self.assert_init_error(
            "../index.handler", "Runtime.MalformedHandlerName",
            "'../index.handler' is not a valid handler name. Use absolute paths when specifying "
            "root directories in handler names.")

    def test_init_error_syntax(self):
        self.assert_init_error("broken/syntax.handler", "Runtime.UserCodeSyntaxError",
                               "SyntaxError: Unexpected end of input")
        self.assert_init_error("broken/syntax_esm.handler", "Runtime.UserCodeSyntaxError",
                               "SyntaxError: Unexpected end of input")

    def test_init_error_es_syntax_in_commonjs_file(self):
        # With Lambda's --no-experimental-require-module (NODE_FLAGS): not loaded as ESM.
        root = write_task(self, {"index.js": "export const handler = async () => 1;\n"})
        self.assert_init_error("index.handler", "Runtime.UserCodeSyntaxError",
                               "SyntaxError: Unexpected token 'export'", task_root=root)

    def test_init_error_thrown_at_load(self):
        self.assert_init_error("broken/throws.handler", "TypeError", "init failed")

    def test_init_error_unhandled_rejection_exits_128(self):
        c = self.start("index.handler", files={
            "index.js": "Promise.reject(new Error('init rejection'));\n"
                        "exports.handler = async () => 1;\n"})
        body, headers = self.init_error(c)
        self.assertEqual(body["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(body["errorMessage"], "Error: init rejection")
        self.assertEqual(c.wait_exit(), 128)

    # ---- results and errors (LAMBDA.md §5, §7) ----

    def test_async_promise_and_undefined_results(self):
        c = self.start("index.asyncFn", files={"index.js": r"""
exports.asyncFn = async (event) => event.n + 1;
exports.promise = (event) => new Promise((resolve) => setTimeout(() => resolve('later'), 20));
exports.undef = async () => undefined;
"""})
        self.assertEqual(self.ok(c, {"n": 41}), 42)
        self.assertEqual(self.ok(c, {"n": 1}, request_id="req-2"), 2)
        self.assertEqual(self.ok(self.start("index.promise", task_root=c.env["LAMBDA_TASK_ROOT"])),
                         "later")
        kind, _, body, _ = self.start("index.undef", task_root=c.env["LAMBDA_TASK_ROOT"]).invoke({})
        self.assertEqual((kind, body), ("response", b"null"))

    CALLBACKS = r"""
exports.callback = (event, context, callback) => { callback(null, { via: 'callback' }); callback(null, 'second'); };
exports.succeed = (event, context) => { context.succeed('succeeded'); context.fail(new Error('ignored')); };
exports.fail = (event, context) => context.fail(new RangeError('failed'));
exports.failEmpty = (event, context) => context.fail();
exports.done = (event, context) => { context.done(null, 'done'); context.done(new Error('ignored')); };
exports.doneError = (event, context) => context.done(new TypeError('done wrong'));
exports.callbackString = (event, context, callback) => callback('bad thing');
exports.mixed = async (event, context, callback) => { callback(null, 'callback wins'); return 'promise loses'; };
"""

    def test_callback_succeed_fail_done(self):
        root = write_task(self, {"index.js": self.CALLBACKS})
        c = self.start("index.callback", task_root=root)
        self.assertEqual(self.ok(c), {"via": "callback"})
        # Only the first answer counts: the process carries on with the next invocation.
        self.assertEqual(self.ok(c, request_id="req-2"), {"via": "callback"})
        self.assertEqual(self.ok(self.start("index.succeed", task_root=root)), "succeeded")
        self.assertEqual(self.ok(self.start("index.done", task_root=root)), "done")
        self.assertEqual(self.ok(self.start("index.mixed", task_root=root)), "callback wins")
        body, _ = self.error(self.start("index.fail", task_root=root))
        self.assertEqual((body["errorType"], body["errorMessage"]), ("RangeError", "failed"))
        body, _ = self.error(self.start("index.failEmpty", task_root=root))
        self.assertEqual(body, {"errorType": "string", "errorMessage": "handled", "trace": []})
        body, _ = self.error(self.start("index.doneError", task_root=root))
        self.assertEqual((body["errorType"], body["errorMessage"]), ("TypeError", "done wrong"))
        body, headers = self.error(self.start("index.callbackString", task_root=root))
        self.assertEqual(body, {"errorType": "string", "errorMessage": "bad thing", "trace": []})
        self.assertEqual(headers["lambda-runtime-function-error-type"], "string")

    def test_callback_waits_for_empty_event_loop(self):
        # CommonJS, and an ES module (whose import turns on the NODE_PATH loader hooks: they must
        # not keep the loop from draining either).
        code = r"""
HANDLER = (event, context, callback) => {
  setTimeout(() => console.log('timer fired'), 200);
  callback(null, 'after the timer');
};
"""
        for name, text in (("index.js", code.replace("HANDLER", "exports.handler")),
                           ("index.mjs", code.replace("HANDLER", "export const handler"))):
            c = self.start("index.handler", files={name: text})
            c.wait_line("plans to remove support for callback-based")  # the RIC's init warning
            start = time.monotonic()
            self.assertEqual(self.ok(c), "after the timer", name)
            self.assertGreaterEqual(time.monotonic() - start, 0.19, name)
            c.wait_line(r"\treq-1\tINFO\ttimer fired")

    def test_callback_without_waiting_answers_at_once_and_frozen_timers_resume(self):
        c = self.start("index.handler", files={"index.js": r"""
const seen = [];
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  if (event.first) setTimeout(() => seen.push('timer'), 1000);
  callback(null, seen.slice());
};
"""})
        start = time.monotonic()
        self.assertEqual(self.ok(c, {"first": True}), [])
        # Answered without waiting for the pending 1 s timer (not a speed goal: the timer's
        # delay is the line between the two behaviours).
        self.assertLess(time.monotonic() - start, 0.9)
        # The sandbox freezes the process between invocations (Lambda does); the timer comes due
        # while frozen and runs in the next invocation's loop, before its handler.
        os.kill(c.proc.pid, signal.SIGSTOP)
        time.sleep(max(0.0, 1.5 - (time.monotonic() - start)))  # the timer is well past due
        c.api.queue("req-2", {})
        os.kill(c.proc.pid, signal.SIGCONT)
        kind, _, body, _ = c.wait_post()
        self.assertEqual((kind, json.loads(body)), ("response", ["timer"]))

    def test_sync_handler_without_callback_answers_null_when_loop_drains(self):
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = (event) => { setTimeout(() => console.log('pending work done'), 100); return 'ignored'; };
"""})
        start = time.monotonic()
        kind, _, body, _ = c.invoke({})
        self.assertEqual((kind, body), ("response", b"null"))
        self.assertGreaterEqual(time.monotonic() - start, 0.09)

    def test_async_handler_that_never_settles(self):
        c = self.start("index.handler", files={
            "index.js": "exports.handler = async () => new Promise(() => {});\n"})
        body, _ = self.error(c)
        self.assertEqual(body["errorType"], "Runtime.NodeJsExit")
        self.assertTrue(body["errorMessage"].startswith(
            "The Lambda runtime client detected an unexpected Node.js exit code. This is most "
            "commonly caused by a Promise that was never settled."), body)

    def test_thrown_error_payload_and_log(self):
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = async () => { const e = new TypeError('boom'); e.code = 'E_BOOM'; throw e; };
"""})
        body, headers = self.error(c)
        self.assertEqual(sorted(body), ["errorMessage", "errorType", "trace"])
        self.assertEqual((body["errorType"], body["errorMessage"]), ("TypeError", "boom"))
        self.assertEqual(body["trace"][0], "TypeError: boom")
        self.assertTrue(body["trace"][1].startswith("    at exports.handler ("), body["trace"])
        self.assertEqual(headers["lambda-runtime-function-error-type"], "TypeError")
        self.assertIn("lambda-runtime-function-xray-error-cause", headers)
        line = c.wait_line("Invoke Error")
        m = re.match(r"^%s\treq-1\tERROR\tInvoke Error \t(\{.*\})\n$" % TS, line)
        self.assertIsNotNone(m, line)
        logged = json.loads(m.group(1))
        self.assertEqual((logged["errorType"], logged["errorMessage"], logged["code"]),
                         ("TypeError", "boom", "E_BOOM"))
        self.assertEqual(logged["stack"][0], "TypeError: boom")

    def test_thrown_non_errors(self):
        root = write_task(self, {"index.js": r"""
exports.string = () => { throw 'plain string'; };
exports.number = async () => { throw 42; };
exports.object = async () => { throw { a: 1 }; };
exports.rejectUndefined = async () => { throw undefined; };
"""})
        cases = {
            "string": {"errorType": "string", "errorMessage": "plain string", "trace": []},
            "number": {"errorType": "number", "errorMessage": "42", "trace": []},
            "object": {"errorType": "object", "errorMessage": "[object Object]", "trace": []},
            "rejectUndefined": {"errorType": "string", "errorMessage": "handled", "trace": []},
        }
        for name, expected in cases.items():
            body, headers = self.error(self.start("index." + name, task_root=root))
            self.assertEqual(body, expected, name)
            self.assertEqual(headers["lambda-runtime-function-error-type"], expected["errorType"])

    def test_unserialisable_result(self):
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = async () => { const a = {}; a.self = a; return a; };
"""})
        body, _ = self.error(c)
        self.assertEqual((body["errorType"], body["errorMessage"]),
                         ("Error", "Unable to stringify response body"))

    def test_uncaught_exception_during_invoke_exits_129(self):
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = async () => { setTimeout(() => { throw new RangeError('late'); }, 10); return new Promise(() => {}); };
"""})
        body, _ = self.error(c)
        self.assertEqual((body["errorType"], body["errorMessage"]), ("RangeError", "late"))
        self.assertEqual(c.wait_exit(), 129)
        self.assertRegex(c.wait_line("Uncaught Exception"),
                         r"^%s\treq-1\tERROR\tUncaught Exception \t\{\"errorType\":\"RangeError\"" % TS)

    def test_unhandled_rejection_during_invoke_exits_128(self):
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = async () => { Promise.reject(new Error('rejected')); return new Promise((r) => setTimeout(r, 500)); };
"""})
        body, headers = self.error(c)
        self.assertEqual(body["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(body["errorMessage"], "Error: rejected")
        self.assertEqual(body["trace"][0], "Runtime.UnhandledPromiseRejection: Error: rejected")
        self.assertEqual(headers["lambda-runtime-function-error-type"],
                         "Runtime.UnhandledPromiseRejection")
        self.assertEqual(c.wait_exit(), 128)
        c.wait_line("Unhandled Promise Rejection \t")

    # ---- context (LAMBDA.md §7) ----

    CONTEXT = r"""
exports.handler = async (event, context) => ({
  functionName: context.functionName, functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId, logGroupName: context.logGroupName,
  logStreamName: context.logStreamName, identity: context.identity ?? null,
  clientContext: context.clientContext ?? null, tenantId: context.tenantId ?? null,
  remaining: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop,
  functions: ['succeed', 'fail', 'done'].map((f) => typeof context[f]),
  trace: process.env._X_AMZN_TRACE_ID ?? null,
});
"""

    def test_context_fields(self):
        c = self.start("index.handler", files={"index.js": self.CONTEXT})
        arn = "arn:aws:lambda:us-east-1:123456789012:function:fn:live"
        client_context = {"client": {"installation_id": "i1"}, "custom": {"k": "v"}, "env": {"e": 1}}
        got = self.ok(c, request_id="8f5f2c4e-0000-4000-8000-000000000001", headers={
            "Lambda-Runtime-Invoked-Function-Arn": arn,
            "Lambda-Runtime-Client-Context": json.dumps(client_context),
            "Lambda-Runtime-Cognito-Identity": json.dumps({"cognitoIdentityId": "id-1",
                                                           "cognitoIdentityPoolId": "pool-1"}),
            "Lambda-Runtime-Aws-Tenant-Id": "tenant-7",
            "Lambda-Runtime-Trace-Id": "Root=1-5f84c7a1-000000000000000000000001;Sampled=1",
        })
        remaining = got.pop("remaining")
        self.assertTrue(2500 < remaining <= 3000, remaining)  # the fake's deadline is now + 3 s
        self.assertEqual(got, {
            "functionName": "fn", "functionVersion": "$LATEST", "invokedFunctionArn": arn,
            "memoryLimitInMB": "128", "awsRequestId": "8f5f2c4e-0000-4000-8000-000000000001",
            "logGroupName": "/aws/lambda/fn",
            "logStreamName": "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
            "identity": {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
            "clientContext": client_context, "tenantId": "tenant-7", "waits": True,
            "functions": ["function", "function", "function"],
            "trace": "Root=1-5f84c7a1-000000000000000000000001;Sampled=1",
        })
        # Per invoke: the next one has its own trace id and no client context.
        got = self.ok(c, request_id="req-2")
        self.assertEqual((got["awsRequestId"], got["clientContext"], got["tenantId"], got["trace"]),
                         ("req-2", None, None, "Root=1-00000000-000000000000000000000000;Sampled=0"))

    def test_malformed_client_context_is_the_invocations_error(self):
        c = self.start("index.handler", files={"index.js": self.CONTEXT})
        body, _ = self.error(c, headers={"Lambda-Runtime-Client-Context": "{not json"})
        self.assertEqual(body["errorType"], "Error")
        self.assertTrue(body["errorMessage"].startswith(
            "Cannot parse ClientContext as json: SyntaxError: "), body)

    # ---- console (LAMBDA.md §6, §7) ----

    CONSOLE = r"""
console.log('at init');
exports.handler = async () => {
  console.log('two\nlines', { a: [1, 2] });
  console.info('count %d', 3);
  console.warn('careful');
  console.error(new RangeError('bad range'));
  console.debug('debugging');
  console.trace('tracing');
  console.log();
  return 'logged';
};
"""

    def test_console_text_format(self):
        c = self.start("index.handler", files={"index.js": self.CONSOLE})
        self.assertEqual(self.ok(c), "logged")
        out = c.wait_lines(8)
        lines = out.split("\n")
        self.assertEqual(lines[-1], "")  # every line ends with \n
        fields = [l.split("\t", 3) for l in lines[:-1]]
        for f in fields:
            self.assertRegex(f[0], "^%s$" % TS)
        self.assertEqual([f[1:] for f in fields[:6]], [
            ["undefined", "INFO", "at init"],
            ["req-1", "INFO", "two\rlines { a: [ 1, 2 ] }"],
            ["req-1", "INFO", "count 3"],
            ["req-1", "WARN", "careful"],
            ["req-1", "ERROR", fields[4][3]],
            ["req-1", "DEBUG", "debugging"],
        ])
        self.assertTrue(fields[4][3].startswith("RangeError: bad range\r    at exports.handler"))
        self.assertEqual(fields[6][1:], ["req-1", "TRACE", "tracing"])
        self.assertEqual(fields[7][1:], ["req-1", "INFO", "undefined"])
        self.assertEqual(len(fields), 8)

    def test_console_json_format_and_level(self):
        c = self.start("index.handler", files={"index.js": self.CONSOLE + r"""
exports.failing = async () => { console.warn('with error', new TypeError('te')); throw new SyntaxError('final'); };
"""}, env={"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "info"})
        self.assertEqual(self.ok(c), "logged")
        records = [json.loads(l) for l in c.wait_lines(6).splitlines()]
        for r in records:
            self.assertRegex(r.pop("timestamp"), "^%s$" % TS)
        self.assertEqual(records[0], {"level": "INFO", "message": "at init"})  # no requestId yet
        self.assertEqual(records[1], {"level": "INFO", "requestId": "req-1",
                                      "message": "two\nlines { a: [ 1, 2 ] }"})
        self.assertEqual(records[2]["message"], "count 3")
        self.assertEqual(records[3], {"level": "WARN", "requestId": "req-1", "message": "careful"})
        err = records[4]
        self.assertEqual((err["level"], err["message"]["errorType"], err["message"]["errorMessage"]),
                         ("ERROR", "RangeError", "bad range"))
        self.assertEqual(err["message"]["stackTrace"][0], "RangeError: bad range")
        # debug and trace are below INFO: dropped. console.log() is "undefined" text: no message.
        self.assertEqual(records[5], {"level": "INFO", "requestId": "req-1"})
        self.assertEqual(len(records), 6)
        # Errors among several arguments, and the invoke error record.
        c2 = self.start("index.failing", task_root=c.env["LAMBDA_TASK_ROOT"],
                        env={"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"})
        body, _ = self.error(c2)
        c2.wait_line("SyntaxError")
        records = [json.loads(l) for l in c2.output().splitlines()]
        self.assertEqual([r["level"] for r in records], ["WARN", "ERROR"])  # 'at init' dropped
        self.assertEqual((records[0]["errorType"], records[0]["errorMessage"],
                          records[0]["stackTrace"][0]), ("TypeError", "te", "TypeError: te"))
        self.assertTrue(records[0]["message"].startswith("with error TypeError: te\n"))
        self.assertEqual((records[1]["message"]["errorType"], records[1]["message"]["errorMessage"]),
                         ("SyntaxError", "final"))

    # ---- nodejs24.x: RIC v4, no callbacks ----

    def test_nodejs24_refuses_callback_handlers(self):
        c = self.start("index.handler", files={
            "index.js": "console.log('init');\n"
                        "exports.handler = (event, context, callback) => callback(null, 1);\n"},
            env={"AWS_EXECUTION_ENV": "AWS_Lambda_nodejs24.x"})
        body, headers = self.init_error(c)
        self.assertEqual(body["errorType"], "Runtime.CallbackHandlerDeprecated")
        self.assertEqual(body["errorMessage"],
                         "ERROR: AWS Lambda has removed support for callback-based function handlers "
                         "starting with Node.js 24. You need to modify this function to use a supported "
                         "handler signature to use Node.js 24 or later. For more information see "
                         "https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.")
        self.assertEqual(c.wait_exit(), 1)
        self.assertRegex(c.wait_line("init$"), r"^%s\t-\tINFO\tinit$" % TS)
        self.assertRegex(c.wait_line("Init Error"), r"^%s\t-\tERROR\tInit Error \t\{" % TS)

    def test_nodejs24_promise_only_context(self):
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = (event, context) => ({
  sync: 'returned directly',
  callbackApi: ['succeed', 'fail', 'done', 'callbackWaitsForEmptyEventLoop'].filter((k) => k in context),
  xRayTraceId: context.xRayTraceId,
  storeRequestId: awslambda.InvokeStore.getRequestId(),
});
"""}, env={"AWS_EXECUTION_ENV": "AWS_Lambda_nodejs24.x"})
        self.assertEqual(self.ok(c), {"sync": "returned directly", "callbackApi": [],
                                      "xRayTraceId": "Root=1-00000000-000000000000000000000000;Sampled=0",
                                      "storeRequestId": "req-1"})

    # ---- prewarm: claim first, then init with the claimed environment ----

    def test_prewarm_claim(self):
        root = write_task(self, {"index.js": r"""
console.log('loaded');
exports.handler = async () => ({ name: process.env.AWS_LAMBDA_FUNCTION_NAME,
  prewarm: process.env.STRATUS_PREWARM ?? null, overwritten: process.env.OVERWRITE,
  cwd: process.cwd() });
"""})
        c = Client(self, None, None, prewarm_env={"OVERWRITE": "spawn value"})
        time.sleep(0.5)
        self.assertEqual(c.output(), "")  # no user code before the claim
        self.assertIsNone(c.proc.poll())
        env = lambda_env(c.api, root, "index.handler", OVERWRITE="claimed value")
        c.api.claim({k: v for k, v in env.items() if k not in ("PATH", "AWS_LAMBDA_RUNTIME_API")})
        self.assertEqual(self.ok(c), {"name": "fn", "prewarm": None,
                                      "overwritten": "claimed value", "cwd": root})
        c.wait_line(r"\tundefined\tINFO\tloaded")

    def test_prewarm_esm_sdk_import(self):
        if not os.path.isdir(SDK):
            self.skipTest("run scripts/deps-node-sdk.sh for the runtime's AWS SDK")
        # NODE_PATH comes with the claim: both import and require() must follow it.
        root = write_task(self, {"index.mjs": r"""
import { createRequire } from 'node:module';
import { S3Client } from '@aws-sdk/client-s3';
const { SQSClient } = createRequire(import.meta.url)('@aws-sdk/client-sqs');
export const handler = async () => [typeof S3Client, typeof SQSClient];
"""})
        c = Client(self, None, None, prewarm_env={"NODE_PATH": "/nonexistent/node_modules"})
        time.sleep(0.3)
        env = lambda_env(c.api, root, "index.handler")
        c.api.claim({k: v for k, v in env.items() if k not in ("PATH", "AWS_LAMBDA_RUNTIME_API")})
        self.assertEqual(self.ok(c), ["function", "function"])

    # ---- builtins and the runtime-provided AWS SDK ----

    def test_builtins_from_a_handler(self):
        c = self.start("index.handler", files={"index.mjs": r"""
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export const handler = async () => {
  const file = path.join(os.tmpdir(), `stratus-${crypto.randomUUID()}.txt`);
  await fs.writeFile(file, 'hello');
  const read = await fs.readFile(file, 'utf8');
  await fs.unlink(file);
  const chunks = [];
  await pipeline(Readable.from(['a', 'b', 'c']),
    new Transform({ transform(chunk, _e, cb) { cb(null, chunk.toString().toUpperCase()); } }),
    async function* (source) { for await (const c of source) chunks.push(c.toString()); });
  const server = http.createServer((req, res) => res.end(`served ${req.url}`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const fetched = await (await fetch(`http://127.0.0.1:${port}/x`)).text();
  const got = await new Promise((resolve) => http.get(`http://127.0.0.1:${port}/y`, (res) => {
    let body = ''; res.on('data', (d) => { body += d; }); res.on('end', () => resolve(body));
  }));
  server.close();
  return {
    sha256: crypto.createHash('sha256').update('abc').digest('hex').slice(0, 16),
    read, stream: chunks.join(''),
    zlib: zlib.gunzipSync(zlib.gzipSync('zipped')).toString(),
    fetched, got, data: await (await fetch('data:text/plain,inline')).text(),
  };
};
"""})
        self.assertEqual(self.ok(c), {"sha256": "ba7816bf8f01cfea", "read": "hello", "stream": "ABC",
                                      "zlib": "zipped", "fetched": "served /x", "got": "served /y",
                                      "data": "inline"})

    def test_runtime_sdk_require_and_import(self):
        if not os.path.isdir(SDK):
            self.skipTest("run scripts/deps-node-sdk.sh for the runtime's AWS SDK")
        code = r"""
const s3 = new S3Client({ region: 'us-east-1' });
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
return [typeof s3.send, typeof doc.send, await s3.config.region()];
"""
        root = write_task(self, {
            "esm.mjs": "import { S3Client } from '@aws-sdk/client-s3';\n"
                       "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n"
                       "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n"
                       "export const handler = async () => {" + code + "};\n",
            "cjs.js": "const { S3Client } = require('@aws-sdk/client-s3');\n"
                      "const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');\n"
                      "const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');\n"
                      "exports.handler = async () => {" + code + "};\n",
        })
        for handler in ("esm.handler", "cjs.handler"):
            self.assertEqual(self.ok(self.start(handler, task_root=root)),
                             ["function", "function", "us-east-1"], handler)

    # ---- the Runtime API loop ----

    def test_many_invocations_one_process(self):
        c = self.start("index.handler", files={"index.js": r"""
let n = 0;
exports.handler = async (event, context) => ({ n: ++n, id: context.awsRequestId });
"""})
        for i in range(1, 6):
            self.assertEqual(self.ok(c, request_id="r%d" % i), {"n": i, "id": "r%d" % i})
        self.assertIsNone(c.proc.poll())

    def test_runtime_api_gone_exits_1(self):
        c = self.start("index.handler")
        self.ok(c)
        c.api.close()  # answers the pending /next with 500
        self.assertEqual(c.wait_exit(), 1)

    def test_response_over_the_limit(self):
        # runtime/rapi answers a body over 6 MiB + 100 bytes with 413 before reading it all, and
        # closes: the client carries on with the next invocation.
        c = self.start("index.handler", files={"index.js": r"""
exports.handler = async (event) => (event.big ? 'x'.repeat(7 * 1024 * 1024) : 'small');
"""})
        handler_class = c.api._server.RequestHandlerClass
        fake_post = handler_class.do_POST

        def do_post(handler):
            if int(handler.headers.get("Content-Length") or 0) > 6291556:
                handler.close_connection = True
                handler._reply(413, b'{"errorMessage":"Exceeded maximum allowed payload size '
                                    b'(6291556 bytes).","errorType":"RequestEntityTooLarge"}')
                c.api._posts.put(("too_large", None, b"", {}))
                return
            fake_post(handler)

        handler_class.do_POST = do_post
        self.assertEqual(c.invoke({"big": True})[0], "too_large")
        self.assertEqual(self.ok(c, {"big": False}, request_id="req-2"), "small")

    def test_response_streaming(self):
        root = write_task(self, {"index.mjs": r"""
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType('text/plain');
  responseStream.write('hello ');
  responseStream.write({ json: true });
  if (event.fail) throw new RangeError('mid-stream');
  responseStream.end();
});
"""})
        for fail in (False, True):
            c = self.start("index.handler", task_root=root)
            posts = []

            def do_post(handler):  # the fake reads Content-Length bodies only: de-chunk here
                body, trailers = b"", {}
                while True:
                    size = int(handler.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        break
                    body += handler.rfile.read(size)
                    handler.rfile.readline()
                for line in iter(handler.rfile.readline, b"\r\n"):
                    name, _, value = line.decode().partition(":")
                    trailers[name.strip().lower()] = value.strip()
                posts.append(({k.lower(): v for k, v in handler.headers.items()}, trailers))
                handler._reply(202, b'{"status":"OK"}')
                c.api._posts.put(("response", handler.path.split("/")[4], body, {}))

            c.api._server.RequestHandlerClass.do_POST = do_post
            kind, rid, body, _ = c.invoke({"fail": fail})
            self.assertEqual((kind, rid, body), ("response", "req-1", b'hello {"json":true}'))
            headers, trailers = posts[0]
            self.assertEqual(headers["lambda-runtime-function-response-mode"], "streaming")
            self.assertEqual(headers["content-type"], "text/plain")
            self.assertEqual(headers["transfer-encoding"], "chunked")
            if not fail:
                self.assertEqual(trailers, {})
                continue
            self.assertEqual(trailers["lambda-runtime-function-error-type"], "RangeError")
            error = json.loads(base64.b64decode(trailers["lambda-runtime-function-error-body"]))
            self.assertEqual((error["errorType"], error["errorMessage"]), ("RangeError", "mid-stream"))
            c.wait_line("Invoke Error")

    def test_startup_cost(self):
        """Spawn to the first GET /next with an empty handler: printed, bounded loosely."""
        root = write_task(self, {"index.js": "exports.handler = async () => null;\n"})
        times = []
        for _ in range(int(os.environ.get("STRATUS_STARTUP_RUNS", "10"))):
            api = quiet_api()
            first = []
            get = api._events.get
            api._events.get = lambda *a, **k: (first.append(time.monotonic()), get(*a, **k))[1]
            t0 = time.monotonic()
            proc = subprocess.Popen([NODE] + NODE_FLAGS + [CLIENT], cwd=root,
                                    env=lambda_env(api, root, "index.handler"),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not first and time.monotonic() - t0 < 10:
                time.sleep(0.0005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            api.close()
            self.assertTrue(first, "no GET /next within 10 s")
            times.append((first[0] - t0) * 1000)
        median = statistics.median(times)
        sys.stderr.write("\nnode client startup to first /next: median %.1f ms over %d runs\n"
                         % (median, len(times)))
        self.assertLess(median, 2000)


# Scenarios compared with AWS's own client, when one is installed (STRATUS_NODE_RIC). Paths of
# the two runtimes differ; everything else in the posted bodies must match.
COMPARED = {
    "index.js": r"""
exports.ok = async (e) => ({ e });
exports.str = () => { throw 'x'; };
exports.num = async () => { throw 42; };
exports.type = async () => { throw new TypeError('t'); };
exports.cb = (e, c, cb) => cb(null, 'cb');
exports.failEmpty = (e, c) => c.fail();
exports.sync = () => 'ignored';
exports.circ = async () => { const a = {}; a.a = a; return a; };
exports.missing = undefined;
""",
}


@unittest.skipIf(NODE is None or not RIC, "set STRATUS_NODE_RIC to an aws-lambda-ric package directory")
class CompareWithRicTest(unittest.TestCase):
    def run_one(self, cmd, root, handler):
        c = Client(self, root, handler, cmd=cmd)
        kind, _, body, headers = c.invoke({"k": 1})
        text = body.decode()
        text = text.replace(CLIENTS_DIR + "/index.mjs", "RUNTIME").replace(
            os.path.join(RIC, "dist", "index.mjs"), "RUNTIME")
        parsed = json.loads(text)
        if isinstance(parsed, dict) and "trace" in parsed:
            parsed["trace"] = parsed["trace"][:1]  # frames inside each runtime differ
        return kind, parsed

    def test_same_posts(self):
        root = write_task(self, COMPARED)
        for name in ("ok", "str", "num", "type", "cb", "failEmpty", "sync", "circ", "missing"):
            ours = self.run_one(None, root, "index." + name)
            theirs = self.run_one([NODE, os.path.join(RIC, "bin", "index.mjs"), "index." + name],
                                  root, "index." + name)
            self.assertEqual(ours, theirs, name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
