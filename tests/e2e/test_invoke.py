#!/usr/bin/env python3
"""Invoke (LAMBDA.md §5, §6): RequestResponse / DryRun / Event, headers, LogType=Tail and the
REPORT line, warm reuse and its retirement on updates, timeouts, infinite loops, out of memory,
concurrency."""
import base64
import concurrent.futures
import json
import math
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (CONSOLE_RE, REPORT_RE, StratusTestCase, function_arn, main,  # noqa: E402
                     make_zip)

ECHO = "exports.handler = async (event) => event;\n"

COUNTER = """
let count = 0;
const loadedAt = Date.now();
exports.handler = async (event, context) => {
  count += 1;
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event && event.spin) { while (true) {} }
  if (event && event.oom) { const a = []; while (true) a.push(new Array(1e6).fill(event.oom)); }
  console.log('count is', count);
  return { count, loadedAt, version: 'v1', env: process.env.COLOR || null };
};
"""

LOGGER = """
exports.handler = async (event) => {
  console.log('first line');
  for (let i = 0; i < (event.lines || 0); i++) console.log('line ' + i + ' ' + 'x'.repeat(event.width || 10));
  return 'logged';
};
"""

SLEEP_FOREVER = """
exports.handler = async () => { await new Promise((r) => setTimeout(r, 60000)); return 'late'; };
"""


class InvokeTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = "echo-" + os.urandom(4).hex()
        cls.lam.create_function(FunctionName=cls.echo, Runtime="nodejs20.x",
                                Role="arn:aws:iam::000000000000:role/r", Handler="index.handler",
                                Code={"ZipFile": make_zip({"index.js": ECHO})})

    # -- RequestResponse --------------------------------------------------------------------

    def test_request_response(self):
        event = {"hello": "wörld", "n": [1, 2.5, None, True], "nested": {"a": {"b": "c"}}}
        r = self.invoke(self.echo, event, tail=False)
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.function_error)
        self.assertEqual(r.executed_version, "$LATEST")
        self.assertEqual(r.headers.get("x-amz-executed-version"), "$LATEST")
        self.assertEqual(r.headers.get("content-type", "").split(";")[0], "application/json")
        self.assertNotIn("x-amz-log-result", r.headers)
        self.assertNotIn("x-amz-function-error", r.headers)
        self.assertUuid(r.request_id)
        self.assertEqual(r.json(), event)

    def test_any_json_value_is_a_payload(self):
        for value in ([1, 2, 3], "a string", 42, 3.5, True, None, {}, [], {"deep": [[[[1]]]]}):
            r = self.invoke(self.echo, raw_payload=json.dumps(value).encode(), tail=False)
            self.assertEqual(r.status, 200, value)
            self.assertEqual(r.json(), value)
        # Whitespace around JSON is fine.
        r = self.invoke(self.echo, raw_payload=b'  \n {"a" : 1}\n ', tail=False)
        self.assertEqual(r.json(), {"a": 1})

    def test_empty_body_is_empty_object(self):
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.echo, body=b"")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {})
        r = self.invoke(self.echo, tail=False)  # boto3 without Payload
        self.assertEqual(r.json(), {})

    def test_undefined_result_is_null(self):
        name, _, _ = self.create_function(source="exports.handler = async () => undefined;")
        r = self.invoke(name, {}, tail=False)
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.function_error)
        self.assertEqual(r.body, b"null")

    def test_string_and_number_results(self):
        name, _, _ = self.create_function(source="exports.handler = async (e) => e.kind === 's' ? 'text' : 12.5;")
        self.assertEqual(self.invoke(name, {"kind": "s"}, tail=False).body, b'"text"')
        self.assertEqual(self.invoke(name, {"kind": "n"}, tail=False).body, b"12.5")

    def test_invoke_by_every_name_form(self):
        for form in (self.echo, function_arn(self.echo), "000000000000:function:" + self.echo,
                     function_arn(self.echo, "$LATEST"), self.echo + ":$LATEST"):
            r = self.invoke(form, {"via": form}, tail=False)
            self.assertEqual(r.status, 200, form)
            self.assertEqual(r.json(), {"via": form})
            self.assertEqual(r.executed_version, "$LATEST")
        r = self.invoke(self.echo, {"q": 1}, Qualifier="$LATEST", tail=False)
        self.assertEqual(r.json(), {"q": 1})

    # -- DryRun and Event -------------------------------------------------------------------

    def test_dry_run(self):
        resp = self.lam.invoke(FunctionName=self.echo, InvocationType="DryRun", Payload=b"{}")
        self.assertEqual(resp["StatusCode"], 204)
        self.assertEqual(resp["Payload"].read(), b"")
        r = self.server.http("POST", "/2015-03-31/functions/%s/invocations" % self.echo, body=b"{}",
                             headers={"X-Amz-Invocation-Type": "DryRun"})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")

    def test_dry_run_does_not_run_the_function(self):
        name, _, _ = self.create_function(source=COUNTER)
        for _ in range(3):
            self.lam.invoke(FunctionName=name, InvocationType="DryRun")
        self.assertEqual(self.invoke_ok(name, {})["count"], 1)

    def test_event_invocation(self):
        name, _, _ = self.create_function(source=COUNTER)
        resp = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"a":1}',
                               LogType="Tail")
        self.assertEqual(resp["StatusCode"], 202)
        self.assertEqual(resp["Payload"].read(), b"")
        hdrs = resp["ResponseMetadata"]["HTTPHeaders"]
        self.assertNotIn("x-amz-executed-version", hdrs)
        self.assertNotIn("x-amz-log-result", hdrs)  # ignored for Event
        self.assertNotIn("x-amz-function-error", hdrs)
        # The event ran (in the one sandbox, which is then reused): the next count is 2.
        time.sleep(1.0)
        self.assertEqual(self.invoke_ok(name, {})["count"], 2)

    def test_event_legacy_invoke_async(self):
        r = self.server.http("POST", "/2014-11-13/functions/%s/invoke-async/" % self.echo, body=b'{"x":1}')
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json(), {"Status": 202})

    # -- LogType=Tail -----------------------------------------------------------------------

    def check_report(self, r, cold, memory=128):
        lines = r.log_lines()
        self.assertEqual(lines[-1], "", "log must end with a newline: %r" % r.log)
        starts = [l for l in lines if l.startswith("START ")]
        self.assertEqual(starts, ["START RequestId: %s Version: $LATEST" % r.request_id], r.log)
        self.assertIn("END RequestId: %s" % r.request_id, lines)
        m = r.report()
        self.assertIsNotNone(m, "no REPORT line matching %s in %r" % (REPORT_RE.pattern, r.log))
        self.assertEqual(lines[-2], m.group(0), "REPORT must be the last line")
        self.assertEqual(m.group("id"), r.request_id)
        self.assertEqual(int(m.group("memory")), memory)
        self.assertGreaterEqual(int(m.group("max_used")), 1)
        duration = float(m.group("duration"))
        billed = int(m.group("billed"))
        if cold:
            self.assertIsNotNone(m.group("init"), "cold start must report Init Duration: %r" % r.log)
            init = float(m.group("init"))
            # Since 2025-08 cold starts bill ceil(Duration + Init Duration) (LAMBDA.md §6).
            self.assertTrue(math.ceil(duration + init) - 1 <= billed <= math.ceil(duration + init) + 1,
                            (duration, init, billed))
            self.assertTrue(any(l.startswith("INIT_START Runtime Version: nodejs:") for l in lines), r.log)
        else:
            self.assertIsNone(m.group("init"), "warm start must not report Init Duration: %r" % r.log)
            self.assertTrue(max(1, math.ceil(duration)) <= billed <= math.ceil(duration) + 1,
                            (duration, billed))
            self.assertFalse(any(l.startswith("INIT_START") for l in lines), r.log)
        self.assertIsNone(m.group("status"), r.log)
        return m

    def test_log_tail_cold_then_warm(self):
        name, _, _ = self.create_function(source=LOGGER)
        r = self.invoke(name, {})
        self.assertEqual(r.body, b'"logged"')
        self.assertEqual(r.headers.get("x-amz-executed-version"), "$LATEST")
        self.check_report(r, cold=True)
        lines = r.log_lines()
        # Console lines sit between START and END.
        i_start = next(i for i, l in enumerate(lines) if l.startswith("START "))
        i_end = lines.index("END RequestId: %s" % r.request_id)
        between = lines[i_start + 1:i_end]
        self.assertEqual(len(between), 1, r.log)
        m = CONSOLE_RE.match(between[0])
        self.assertIsNotNone(m, between)
        self.assertEqual((m.group("id"), m.group("level"), m.group("msg")),
                         (r.request_id, "INFO", "first line"))
        r2 = self.invoke(name, {})
        self.check_report(r2, cold=False)
        self.assertNotEqual(r2.request_id, r.request_id)

    def test_log_tail_is_last_4kb(self):
        name, _, _ = self.create_function(source=LOGGER)
        r = self.invoke(name, {"lines": 200, "width": 100})
        self.assertEqual(r.body, b'"logged"')
        raw = base64.b64decode(r.headers["x-amz-log-result"])
        self.assertEqual(len(raw), 4096)
        self.assertFalse(r.log.startswith("START"), "the tail keeps the end, not the start")
        self.assertTrue(r.log.endswith("\n"))
        self.assertIsNotNone(r.report())
        self.assertIn("line 199 ", r.log)
        self.assertIn("END RequestId: " + r.request_id, r.log)

    def test_memory_size_in_report(self):
        name, _, _ = self.create_function(source=LOGGER, MemorySize=512)
        r = self.invoke(name, {})
        self.check_report(r, cold=True, memory=512)

    # -- warm reuse and retirement ----------------------------------------------------------

    def test_warm_reuse_keeps_module_state(self):
        name, _, _ = self.create_function(source=COUNTER)
        results = [self.invoke_ok(name, {}) for _ in range(4)]
        self.assertEqual([x["count"] for x in results], [1, 2, 3, 4])
        self.assertEqual(len({x["loadedAt"] for x in results}), 1)

    def test_update_code_retires_warm_sandbox(self):
        name, _, _ = self.create_function(source=COUNTER)
        self.assertEqual(self.invoke_ok(name, {})["count"], 1)
        self.assertEqual(self.invoke_ok(name, {})["count"], 2)
        self.lam.update_function_code(FunctionName=name,
                                      ZipFile=make_zip({"index.js": COUNTER.replace("'v1'", "'v2'")}))
        out = self.invoke_ok(name, {})
        self.assertEqual(out["version"], "v2")
        self.assertEqual(out["count"], 1)
        r = self.invoke(name, {})
        self.assertEqual(r.json()["count"], 2)
        self.check_report(r, cold=False)

    def test_update_configuration_retires_warm_sandbox(self):
        name, _, _ = self.create_function(source=COUNTER, Environment={"Variables": {"COLOR": "red"}})
        first = self.invoke_ok(name, {})
        self.assertEqual((first["count"], first["env"]), (1, "red"))
        self.assertEqual(self.invoke_ok(name, {})["count"], 2)
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": {"COLOR": "blue"}})
        r = self.invoke(name, {})
        self.assertEqual(r.json()["env"], "blue")
        self.assertEqual(r.json()["count"], 1)
        self.check_report(r, cold=True)
        self.lam.update_function_configuration(FunctionName=name, MemorySize=256)
        r = self.invoke(name, {})
        self.assertEqual(r.json()["count"], 1)
        self.check_report(r, cold=True, memory=256)

    def test_update_handler_takes_effect(self):
        name, _, _ = self.create_function(files={"index.js": ECHO,
                                                 "b.js": "exports.go = async () => 'b';"})
        self.assertEqual(self.invoke_ok(name, {"a": 1}), {"a": 1})
        self.lam.update_function_configuration(FunctionName=name, Handler="b.go")
        self.assertEqual(self.invoke_ok(name, {"a": 1}), "b")

    # -- timeouts ---------------------------------------------------------------------------

    def assertTimedOut(self, r, seconds):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.headers.get("x-amz-function-error"), "Unhandled")
        body = r.json()
        self.assertEqual(body.get("errorType"), "Sandbox.Timedout", body)
        self.assertEqual(body.get("errorMessage"),
                         "RequestId: %s Error: Task timed out after %s seconds" % (r.request_id, seconds),
                         body)

    def test_timeout_one_second(self):
        name, _, _ = self.create_function(source=COUNTER, Timeout=1)
        self.assertEqual(self.invoke_ok(name, {})["count"], 1)
        t0 = time.monotonic()
        r = self.invoke(name, {"sleepMs": 10000})
        elapsed = time.monotonic() - t0
        self.assertTimedOut(r, "1.00")
        self.assertGreaterEqual(elapsed, 0.95)
        self.assertLess(elapsed, 4.0)
        # Logs: the timeout line (elapsed time, 2 decimals) and REPORT ... Status: timeout.
        self.assertRegex(r.log, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out after 1\.\d\d seconds$"
                         % re.escape(r.request_id))
        m = r.report()
        self.assertIsNotNone(m, r.log)
        self.assertEqual(m.group("status"), "timeout")
        self.assertGreaterEqual(float(m.group("duration")), 990)
        # The timed-out environment is discarded: the next invoke is a cold start.
        r2 = self.invoke(name, {})
        self.assertEqual(r2.json()["count"], 1)
        self.check_report(r2, cold=True)

    def test_default_timeout_three_seconds(self):
        name, _, _ = self.create_function(source=SLEEP_FOREVER)
        t0 = time.monotonic()
        r = self.invoke(name, {})
        elapsed = time.monotonic() - t0
        self.assertTimedOut(r, "3.00")
        self.assertGreaterEqual(elapsed, 2.9)
        self.assertLess(elapsed, 6.0)

    def test_infinite_loop_is_terminated(self):
        spinner, _, _ = self.create_function(source=COUNTER, Timeout=1)
        other, _, _ = self.create_function(source=ECHO)
        self.invoke_ok(other, {"warm": True})
        box = {}

        def spin():
            t0 = time.monotonic()
            box["r"] = self.invoke(spinner, {"spin": True}, client=self.server.client())
            box["elapsed"] = time.monotonic() - t0

        th = threading.Thread(target=spin, daemon=True)
        th.start()
        time.sleep(0.3)
        # While one isolate spins, the server keeps serving other functions promptly.
        t0 = time.monotonic()
        self.assertEqual(self.invoke_ok(other, {"during": 1}), {"during": 1})
        self.assertLess(time.monotonic() - t0, 0.9)
        self.assertTrue(self.server.healthy())
        th.join(timeout=15)
        self.assertFalse(th.is_alive(), "the infinite loop was never terminated")
        self.assertTimedOut(box["r"], "1.00")
        self.assertLess(box["elapsed"], 4.0)
        # Another function, and the same one, still work.
        self.assertEqual(self.invoke_ok(other, {"after": 1}), {"after": 1})
        self.assertEqual(self.invoke_ok(spinner, {})["count"], 1)

    def test_out_of_memory(self):
        # A node process has two limits, as in Lambda: the cgroup's (MemorySize: the kernel
        # kills it, Runtime.OutOfMemory) and V8's heap (90% of it, Lambda's bootstrap flags: V8
        # aborts, Runtime.ExitError). A growing heap meets whichever comes first.
        self.check_out_of_memory({}, allowed=(
            ("Runtime.OutOfMemory", "signal: killed"), ("Runtime.ExitError", "signal: aborted")))

    def test_out_of_memory_in_an_isolate(self):
        # An isolate's heap limit is the memory size: always Runtime.OutOfMemory.
        self.check_out_of_memory({"STRATUS_TIER": "isolate"},
                                 allowed=(("Runtime.OutOfMemory", "signal: killed"),))

    def check_out_of_memory(self, variables, allowed):
        name, _, _ = self.create_function(source=COUNTER, MemorySize=128, Timeout=30,
                                          Environment={"Variables": variables})
        self.assertEqual(self.invoke_ok(name, {})["count"], 1)
        t0 = time.monotonic()
        r = self.invoke(name, {"oom": 7})
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        answers = {t: "RequestId: %s Error: Runtime exited with error: %s" % (r.request_id, why)
                   for t, why in allowed}
        self.assertIn(body.get("errorType"), answers, body)
        self.assertEqual(body.get("errorMessage"), answers[body["errorType"]])
        m = r.report()
        self.assertIsNotNone(m, r.log)
        self.assertEqual(m.group("status"), "error")
        self.assertEqual(m.group("error_type"), body["errorType"])
        # The server still serves; the function gets a fresh environment.
        self.assertTrue(self.server.healthy())
        self.assertEqual(self.invoke_ok(self.echo, {"x": 1}), {"x": 1})
        r2 = self.invoke(name, {})
        self.assertEqual(r2.json()["count"], 1)
        self.check_report(r2, cold=True)

    def test_out_of_memory_with_strings(self):
        name, _, _ = self.create_function(
            source="let keep = []; exports.handler = async () => { let s = 'x'; "
                   "while (true) { s = s + s.slice(0, 1 << 20) + Math.random(); keep.push(s); } };",
            MemorySize=128, Timeout=30)
        r = self.invoke(name, {})
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.json().get("errorType"), "Runtime.OutOfMemory", r)
        self.assertTrue(self.server.healthy())
        self.assertEqual(self.invoke_ok(self.echo, {"y": 2}), {"y": 2})

    # -- concurrency ------------------------------------------------------------------------

    def test_concurrent_invokes(self):
        name, _, _ = self.create_function(
            source="exports.handler = async (e) => { await new Promise(r => setTimeout(r, 500)); return e.i; };")
        client = self.server.client()
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            outs = list(ex.map(lambda i: self.invoke(name, {"i": i}, client=client, tail=False).json(),
                               range(8), timeout=60))
        elapsed = time.monotonic() - t0
        self.assertEqual(outs, list(range(8)))
        # 8 invokes of 0.5 s, 4 at a time: well under 8 x 0.5 s if they run in parallel.
        self.assertLess(elapsed, 3.5)

    # -- hostile handlers: the server survives, the function reports an error ---------------

    def test_stack_overflow(self):
        name, _, _ = self.create_function(
            source="const f = (n) => f(n + 1) + 1; exports.handler = async (e) => e.go ? f(0) : 'ok';")
        r = self.invoke(name, {"go": True})
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        self.assertEqual(body["errorType"], "RangeError", body)
        self.assertEqual(body["errorMessage"], "Maximum call stack size exceeded", body)
        self.assertTrue(self.server.healthy())
        self.assertEqual(self.invoke_ok(name, {}), "ok")

    def test_process_exit(self):
        # A runtime that exits mid-invoke: Runtime.ExitError (LAMBDA.md §5); never the server.
        name, _, _ = self.create_function(source="exports.handler = async () => { process.exit(3); };")
        r = self.invoke(name, {})
        self.assertTrue(self.server.healthy())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), "Runtime.ExitError", body)
        self.assertEqual(body.get("errorMessage"),
                         "RequestId: %s Error: Runtime exited with error: exit status 3" % r.request_id)

    def test_unhandled_rejection(self):
        name, _, _ = self.create_function(source=(
            "exports.handler = async () => { Promise.reject(new Error('bg')); "
            "await new Promise((r) => setTimeout(r, 50)); return 'ok'; };"))
        r = self.invoke(name, {})
        self.assertTrue(self.server.healthy())
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), "Runtime.UnhandledPromiseRejection", body)
        self.assertEqual(body.get("errorMessage"), "Error: bg", body)

    def test_event_invocation_that_spins(self):
        spinner, _, _ = self.create_function(source=COUNTER, Timeout=1)
        resp = self.lam.invoke(FunctionName=spinner, InvocationType="Event", Payload=b'{"spin": true}')
        self.assertEqual(resp["StatusCode"], 202)
        t0 = time.monotonic()
        self.assertEqual(self.invoke_ok(self.echo, {"z": 1}), {"z": 1})
        self.assertLess(time.monotonic() - t0, 0.9)
        time.sleep(1.5)  # the spinning event is terminated at its 1 s timeout
        self.assertEqual(self.invoke_ok(spinner, {})["count"], 1)

    def test_delete_during_invocation(self):
        name, _, _ = self.create_function(source=COUNTER, cleanup=False)
        box = {}
        client = self.server.client()
        th = threading.Thread(target=lambda: box.update(r=self.invoke(name, {"sleepMs": 800}, client=client)),
                              daemon=True)
        th.start()
        time.sleep(0.3)
        self.lam.delete_function(FunctionName=name)
        th.join(timeout=15)
        self.assertFalse(th.is_alive())
        # The invocation that was already running finishes normally.
        self.assertEqual(box["r"].status, 200, box["r"])
        self.assertIsNone(box["r"].function_error, box["r"])
        self.assertAwsError(lambda: self.lam.invoke(FunctionName=name), "ResourceNotFoundException", 404)
        # The name can be reused at once, with fresh state.
        self.create_function(name=name, source=COUNTER)
        self.assertEqual(self.invoke_ok(name, {})["count"], 1)

    def test_update_code_during_invocation(self):
        name, _, _ = self.create_function(source=COUNTER)
        box = {}
        client = self.server.client()
        th = threading.Thread(target=lambda: box.update(r=self.invoke(name, {"sleepMs": 800}, client=client)),
                              daemon=True)
        th.start()
        time.sleep(0.3)
        self.lam.update_function_code(FunctionName=name,
                                      ZipFile=make_zip({"index.js": COUNTER.replace("'v1'", "'v2'")}))
        th.join(timeout=15)
        self.assertFalse(th.is_alive())
        self.assertEqual(box["r"].json()["version"], "v1")  # started before the update
        out = self.invoke_ok(name, {})
        self.assertEqual((out["version"], out["count"]), ("v2", 1))
        self.assertEqual(self.invoke_ok(name, {})["count"], 2)  # the v1 sandbox was not kept

    def test_client_context(self):
        name, _, _ = self.create_function(source="exports.handler = async (e, ctx) => ctx.clientContext === undefined ? 'none' : ctx.clientContext;")
        cc = {"client": {"installation_id": "abc", "app_title": "t"}, "custom": {"k": "v"}, "env": {"platform": "x"}}
        r = self.invoke(name, {}, ClientContext=base64.b64encode(json.dumps(cc).encode()).decode(), tail=False)
        self.assertEqual(r.json(), cc)
        self.assertEqual(self.invoke(name, {}, tail=False).json(), "none")


if __name__ == "__main__":
    main()
