#!/usr/bin/env python3
"""Node.js handler semantics (LAMBDA.md §5, §7): handler strings, CommonJS require, async and
callback handlers, the context object, console formatting, timers, Promise, TextEncoder /
TextDecoder, URL, Buffer, process.env, and the runtime's error payloads."""
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (CONSOLE_RE, LOG_STREAM_RE, StratusTestCase, function_arn, main,  # noqa: E402
                     make_zip)

CALLBACKS = r"""
let fired = false;
exports.handler = (event, context, callback) => {
  switch (event.mode) {
    case 'ok': callback(null, { ok: true }); break;
    case 'error': callback(new Error('cb boom')); break;
    case 'string': callback('plain failure'); break;
    case 'twice': callback(null, 'first'); callback(null, 'second'); break;
    case 'wait': setTimeout(() => { fired = true; }, 400); callback(null, 'waited'); break;
    case 'fired': callback(null, fired); break;
    case 'later': setTimeout(() => callback(null, 'from timer'), 100); break;
    case 'succeed': context.succeed({ via: 'succeed' }); break;
    case 'fail': context.fail(new Error('via fail')); break;
    case 'done': context.done(null, 'via done'); break;
    case 'none': setTimeout(() => {}, 50); break;
    case 'return': return 42;
    case 'undefinedResult': callback(null); break;
  }
};
"""

ASYNC_ERRORS = r"""
class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }
exports.handler = async (event) => {
  switch (event.mode) {
    case 'throw': throw new Error('boom');
    case 'type': throw new TypeError('bad type');
    case 'custom': throw new MyError('custom msg');
    case 'reject': return Promise.reject(new RangeError('rejected'));
    case 'string': throw 'just a string';
    case 'later': await new Promise((r) => setTimeout(r, 20)); throw new Error('after await');
    case 'promise': return new Promise((resolve) => setTimeout(() => resolve('resolved later'), 30));
  }
  return 'fine';
};
"""

CONTEXT = r"""
exports.handler = async (event, context) => {
  const r1 = context.getRemainingTimeInMillis();
  await new Promise((r) => setTimeout(r, 200));
  const r2 = context.getRemainingTimeInMillis();
  return {
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    memoryType: typeof context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    r1, r2,
    getRemainingType: typeof context.getRemainingTimeInMillis,
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    identityUndefined: context.identity === undefined,
    clientContextUndefined: context.clientContext === undefined,
  };
};
"""

CONSOLE = r"""
console.log('loading module');
exports.handler = async () => {
  console.log('hello %s', 'world', { a: 1 });
  console.log({ a: 1, b: 'x', c: [1, 2] });
  console.log('n=%d', 42);
  console.log('%j', { j: 1 });
  console.log(1, true, null, undefined);
  console.log('multi\nline\ntext');
  console.info('info msg');
  console.warn('warn msg');
  console.error('error msg');
  console.debug('debug msg');
  console.log({ a: { b: { c: { d: 1 } } } });
  console.log([1, 'two', [3]]);
  console.log('');
  console.error(new Error('e1'));
  return 'done';
};
"""

TIMERS = r"""
exports.handler = async () => {
  const order = [];
  await new Promise((resolve) => {
    setTimeout(() => order.push('t2'), 100);
    setTimeout(() => order.push('t1'), 50);
    const cancelled = setTimeout(() => order.push('never'), 5);
    clearTimeout(cancelled);
    setTimeout((a, b) => order.push(a + b), 75, 'ar', 'gs');
    let n = 0;
    const iv = setInterval(() => { n++; if (n === 3) { clearInterval(iv); order.push('interval x3'); } }, 2);
    Promise.resolve().then(() => order.push('micro'));
    order.push('sync');
    setTimeout(resolve, 200);
  });
  const all = await Promise.all([1, Promise.resolve(2), new Promise((r) => setTimeout(() => r(3), 5))]);
  const settled = await Promise.allSettled([Promise.reject(new Error('x')), Promise.resolve(1)]);
  const race = await Promise.race([new Promise((r) => setTimeout(() => r('slow'), 80)),
                                   new Promise((r) => setTimeout(() => r('fast'), 1))]);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 100));
  const waited = Date.now() - t0;
  const chained = await Promise.resolve(1).then((x) => x + 1).then((x) => Promise.resolve(x * 10));
  return { order, all, settled: settled.map((s) => s.status), race, waited, chained };
};
"""

TIMER_EXTRAS = r"""
exports.handler = async () => {
  const order = [];
  await new Promise((resolve) => {
    setImmediate(() => order.push('immediate'));
    queueMicrotask(() => order.push('microtask'));
    order.push('sync');
    setTimeout(resolve, 30);
  });
  return order;
};
"""

GLOBALS = r"""
exports.handler = async () => {
  const enc = new TextEncoder().encode('h\u00e9llo \u20ac');
  const dec = new TextDecoder().decode(enc);
  const u = new URL('https://user:pw@example.com:8080/a/b%20c?x=1&y=two#frag');
  const sp = new URLSearchParams('a=1&b=2&a=3');
  sp.append('c', 'x y');
  const b = Buffer.from('hello world');
  return {
    encLen: enc.length, encType: Object.prototype.toString.call(enc),
    encBytes: Array.from(enc.slice(0, 3)), dec,
    url: { href: u.href, protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port,
           pathname: u.pathname, search: u.search, hash: u.hash, x: u.searchParams.get('x'),
           username: u.username, origin: u.origin },
    sp: { all: sp.getAll('a'), str: sp.toString(), has: sp.has('b') },
    rel: new URL('../up?q', 'https://h.example/base/dir/file').href,
    b64: b.toString('base64'), hex: b.toString('hex'), utf8: b.toString('utf8'),
    fromB64: Buffer.from('aGVsbG8=', 'base64').toString(),
    fromHex: Buffer.from('68656c6c6f', 'hex').toString('utf8'),
    byteLength: Buffer.byteLength('h\u00e9llo'), len: b.length,
    isBuf: Buffer.isBuffer(b), notBuf: Buffer.isBuffer('x'),
    concat: Buffer.concat([Buffer.from('ab'), Buffer.from('cd')]).toString(),
    slice: b.slice(0, 5).toString(), sub: b.subarray(6).toString(), idx: b[0],
    alloc: Buffer.alloc(3).toString('hex'), u8: b instanceof Uint8Array,
    euroLen: Buffer.from('\u20ac').length,
  };
};
"""

ENV = r"""
const atInit = process.env.MY_VAR;
exports.handler = async (event, context) => ({ env: { ...process.env }, atInit,
                                               stream: context.logStreamName });
"""

REQUIRE_FILES = {
    "index.js": r"""
const lib = require('./lib/math');
const lib2 = require('./lib/math.js');
const data = require('./data/config.json');
const dirmod = require('./lib');
const pad = require('leftpad');
const withMain = require('withmain');
const nested = require('./src/deep/mod');
let missing;
try { require('./nope'); } catch (e) { missing = { code: e.code, msg: String(e.message).split('\n')[0] }; }
exports.handler = async () => ({
  sum: lib.add(2, 3), same: lib === lib2, data, dir: dirmod.name, pad: pad('5', 3),
  main: withMain(), nested, missing, counter: lib.bump(),
  dirname: typeof __dirname, filename: typeof __filename, module: typeof module,
  exportsIsModuleExports: exports === module.exports,
});
""",
    "lib/math.js": "let n = 0; exports.add = (a, b) => a + b; exports.bump = () => ++n;",
    "lib/index.js": "module.exports = { name: 'lib-index' };",
    "data/config.json": '{"region": "here", "list": [1, 2]}',
    "src/deep/mod.js": "module.exports = require('../shared').tag + '+deep';",
    "src/shared.js": "exports.tag = 'shared';",
    "node_modules/leftpad/index.js": "module.exports = (s, n) => s.padStart(n, '0');",
    "node_modules/withmain/package.json": '{"name": "withmain", "main": "lib/entry.js"}',
    "node_modules/withmain/lib/entry.js": "module.exports = () => 'entry';",
}


class HandlerTest(StratusTestCase):

    def assertFunctionError(self, r, error_type, message=None, message_prefix=None,
                            trace_first=None, empty_trace=False):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.headers.get("x-amz-function-error"), "Unhandled", r)
        self.assertEqual(r.executed_version, "$LATEST")
        body = r.json()
        self.assertEqual(body.get("errorType"), error_type, body)
        if message is not None:
            self.assertEqual(body.get("errorMessage"), message, body)
        if message_prefix is not None:
            self.assertTrue(str(body.get("errorMessage")).startswith(message_prefix), body)
        if trace_first is not None or empty_trace:
            self.assertIn("trace", body)
            self.assertIsInstance(body["trace"], list)
            if empty_trace:
                self.assertEqual(body["trace"], [])
            else:
                self.assertEqual(body["trace"][0], trace_first, body)
                self.assertGreater(len(body["trace"]), 1, body)
                for line in body["trace"][1:]:
                    self.assertTrue(line.startswith("    at "), body)
        return body

    # -- handler strings ---------------------------------------------------------------------

    def test_handler_in_subdirectory(self):
        name, _, _ = self.create_function(
            handler="src/handlers/api.handle",
            files={"src/handlers/api.js": "const u = require('../util'); exports.handle = async (e) => u.shout(e.word);",
                   "src/util.js": "exports.shout = (w) => w.toUpperCase() + '!';"})
        self.assertEqual(self.invoke_ok(name, {"word": "hey"}), "HEY!")

    def test_nested_export_path(self):
        name, _, _ = self.create_function(
            handler="index.ns.inner.fn",
            source="exports.ns = { inner: { fn: async () => 'nested export' } };")
        self.assertEqual(self.invoke_ok(name, {}), "nested export")

    def test_cjs_file(self):
        name, _, _ = self.create_function(
            handler="app.handler", files={"app.cjs": "module.exports.handler = async () => 'cjs';"})
        self.assertEqual(self.invoke_ok(name, {}), "cjs")

    def test_module_exports_function_object(self):
        name, _, _ = self.create_function(
            source="module.exports = { handler: async (e) => ({ got: e.v }) };")
        self.assertEqual(self.invoke_ok(name, {"v": 9}), {"got": 9})

    # -- CommonJS require ---------------------------------------------------------------------

    def test_commonjs_require(self):
        name, _, _ = self.create_function(files=REQUIRE_FILES)
        out = self.invoke_ok(name, {})
        self.assertEqual(out["sum"], 5)
        self.assertIs(out["same"], True)
        self.assertEqual(out["data"], {"region": "here", "list": [1, 2]})
        self.assertEqual(out["dir"], "lib-index")
        self.assertEqual(out["pad"], "005")
        self.assertEqual(out["main"], "entry")
        self.assertEqual(out["nested"], "shared+deep")
        self.assertEqual(out["missing"]["code"], "MODULE_NOT_FOUND")
        self.assertTrue(out["missing"]["msg"].startswith("Cannot find module './nope'"), out["missing"])
        self.assertEqual((out["dirname"], out["filename"], out["module"]), ("string", "string", "object"))
        self.assertIs(out["exportsIsModuleExports"], True)
        self.assertEqual(out["counter"], 1)
        # The required module's state is kept warm too.
        self.assertEqual(self.invoke_ok(name, {})["counter"], 2)

    def test_require_cannot_reach_host_files(self):
        # Isolates share the host's file system; a function must not load files outside its
        # bundle (on AWS it only sees its own container).
        outside = os.path.join(self.server.data_dir, "..", "stratus-e2e-outside-%s.json" % os.getpid())
        outside = os.path.abspath(outside)
        with open(outside, "w") as f:
            f.write('{"secret": 42}')
        self.addCleanup(os.remove, outside)
        rel = "../" * 12 + outside.lstrip("/")
        name, _, _ = self.create_function(source=r"""
exports.handler = async (event) => {
  const out = {};
  for (const p of event.paths) {
    try { out[p] = JSON.stringify(require(p)); } catch (e) { out[p] = 'refused'; }
  }
  return out;
};""")
        out = self.invoke_ok(name, {"paths": [outside, rel, "/etc/passwd"]})
        for p, v in out.items():
            self.assertEqual(v, "refused", "require(%r) loaded %r" % (p, v))

    # -- async handlers -----------------------------------------------------------------------

    def test_async_results_and_errors(self):
        name, _, _ = self.create_function(source=ASYNC_ERRORS)
        self.assertEqual(self.invoke_ok(name, {"mode": "none"}), "fine")
        self.assertEqual(self.invoke_ok(name, {"mode": "promise"}), "resolved later")
        body = self.assertFunctionError(self.invoke(name, {"mode": "throw"}), "Error", "boom",
                                        trace_first="Error: boom")
        self.assertEqual(set(body), {"errorType", "errorMessage", "trace"})
        self.assertFunctionError(self.invoke(name, {"mode": "type"}), "TypeError", "bad type",
                                 trace_first="TypeError: bad type")
        self.assertFunctionError(self.invoke(name, {"mode": "custom"}), "MyError", "custom msg",
                                 trace_first="MyError: custom msg")
        self.assertFunctionError(self.invoke(name, {"mode": "reject"}), "RangeError", "rejected",
                                 trace_first="RangeError: rejected")
        self.assertFunctionError(self.invoke(name, {"mode": "string"}), "string", "just a string",
                                 empty_trace=True)
        self.assertFunctionError(self.invoke(name, {"mode": "later"}), "Error", "after await",
                                 trace_first="Error: after await")
        # A function error does not discard the environment.
        self.assertEqual(self.invoke_ok(name, {"mode": "none"}), "fine")

    def test_invoke_error_log_line(self):
        name, _, _ = self.create_function(source=ASYNC_ERRORS)
        r = self.invoke(name, {"mode": "throw"})
        lines = [l for l in r.log_lines() if "\tERROR\tInvoke Error " in l]
        self.assertEqual(len(lines), 1, r.log)
        m = CONSOLE_RE.match(lines[0])
        self.assertIsNotNone(m, lines[0])
        self.assertEqual(m.group("id"), r.request_id)
        self.assertTrue(m.group("msg").startswith("Invoke Error \t{"), m.group("msg"))
        detail = json.loads(m.group("msg")[len("Invoke Error \t"):])
        self.assertEqual(detail["errorType"], "Error")
        self.assertEqual(detail["errorMessage"], "boom")
        self.assertEqual(detail["stack"][0], "Error: boom")

    # -- callback handlers --------------------------------------------------------------------

    def test_callback_handlers(self):
        name, _, _ = self.create_function(source=CALLBACKS)
        self.assertEqual(self.invoke_ok(name, {"mode": "ok"}), {"ok": True})
        self.assertFunctionError(self.invoke(name, {"mode": "error"}), "Error", "cb boom",
                                 trace_first="Error: cb boom")
        self.assertFunctionError(self.invoke(name, {"mode": "string"}), "string", "plain failure",
                                 empty_trace=True)
        self.assertEqual(self.invoke_ok(name, {"mode": "twice"}), "first")
        self.assertEqual(self.invoke_ok(name, {"mode": "later"}), "from timer")
        self.assertEqual(self.invoke_ok(name, {"mode": "succeed"}), {"via": "succeed"})
        self.assertFunctionError(self.invoke(name, {"mode": "fail"}), "Error", "via fail")
        self.assertEqual(self.invoke_ok(name, {"mode": "done"}), "via done")
        r = self.invoke(name, {"mode": "undefinedResult"})
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.body, b"null")

    def test_callback_waits_for_empty_event_loop(self):
        name, _, _ = self.create_function(source=CALLBACKS)
        t0 = time.monotonic()
        self.assertEqual(self.invoke_ok(name, {"mode": "wait"}), "waited")
        self.assertGreaterEqual(time.monotonic() - t0, 0.35,
                                "callback must wait for the pending 400 ms timer by default")
        self.assertIs(self.invoke_ok(name, {"mode": "fired"}), True)

    def test_callback_does_not_wait_when_told(self):
        name, _, _ = self.create_function(source=r"""
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => {}, 2500);
  callback(null, 'immediate');
};""", Timeout=10)
        t0 = time.monotonic()
        self.assertEqual(self.invoke_ok(name, {}), "immediate")
        self.assertLess(time.monotonic() - t0, 1.5)

    def test_sync_handler_without_callback_returns_null(self):
        name, _, _ = self.create_function(source=CALLBACKS)
        for mode in ("none", "return"):
            r = self.invoke(name, {"mode": mode})
            self.assertIsNone(r.function_error, r)
            self.assertEqual(r.body, b"null", mode)
        name2, _, _ = self.create_function(source="exports.handler = (event, context) => 42;")
        r = self.invoke(name2, {})
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.body, b"null")

    # -- context ----------------------------------------------------------------------------

    def test_context_object(self):
        name, _, _ = self.create_function(source=CONTEXT)
        r = self.invoke(name, {})
        self.assertIsNone(r.function_error, r)
        c = r.json()
        self.assertEqual(c["functionName"], name)
        self.assertEqual(c["functionVersion"], "$LATEST")
        self.assertEqual(c["invokedFunctionArn"], function_arn(name))
        self.assertEqual(c["memoryLimitInMB"], "128")
        self.assertEqual(c["memoryType"], "string")
        self.assertEqual(c["awsRequestId"], r.request_id)
        self.assertEqual(c["logGroupName"], "/aws/lambda/" + name)
        self.assertRegex(c["logStreamName"], LOG_STREAM_RE)
        self.assertEqual(c["getRemainingType"], "function")
        self.assertIsInstance(c["r1"], int)
        self.assertTrue(2000 < c["r1"] <= 3000, c)
        self.assertTrue(150 <= c["r1"] - c["r2"] <= 1500, c)
        self.assertIs(c["callbackWaitsForEmptyEventLoop"], True)
        self.assertIs(c["identityUndefined"], True)
        self.assertIs(c["clientContextUndefined"], True)
        # A second invoke: new request id, same environment (same log stream).
        r2 = self.invoke(name, {})
        c2 = r2.json()
        self.assertEqual(c2["awsRequestId"], r2.request_id)
        self.assertNotEqual(c2["awsRequestId"], c["awsRequestId"])
        self.assertEqual(c2["logStreamName"], c["logStreamName"])

    def test_context_reflects_configuration(self):
        name, _, _ = self.create_function(source=CONTEXT, MemorySize=256, Timeout=20)
        c = self.invoke_ok(name, {}, Qualifier="$LATEST")
        self.assertEqual(c["memoryLimitInMB"], "256")
        self.assertTrue(19000 < c["r1"] <= 20000, c)
        self.assertEqual(c["invokedFunctionArn"], function_arn(name, "$LATEST"))
        resp = self.lam.invoke(FunctionName=function_arn(name))
        self.assertEqual(json.loads(resp["Payload"].read())["invokedFunctionArn"], function_arn(name))

    # -- console ----------------------------------------------------------------------------

    def test_console_formatting(self):
        name, _, _ = self.create_function(source=CONSOLE)
        r = self.invoke(name, {})
        self.assertEqual(r.body, b'"done"')
        lines = r.log_lines()
        start = next(i for i, l in enumerate(lines) if l.startswith("START "))
        end = lines.index("END RequestId: " + r.request_id)
        # The module's load-time line comes before START, with request id "undefined".
        init_lines = [CONSOLE_RE.match(l) for l in lines[:start]]
        init_lines = [m for m in init_lines if m]
        self.assertEqual([(m.group("id"), m.group("level"), m.group("msg")) for m in init_lines],
                         [("undefined", "INFO", "loading module")], r.log)
        got = []
        for l in lines[start + 1:end]:
            m = CONSOLE_RE.match(l)
            self.assertIsNotNone(m, "not a console line: %r" % l)
            self.assertEqual(m.group("id"), r.request_id)
            got.append((m.group("level"), m.group("msg")))
        expected = [
            ("INFO", "hello world { a: 1 }"),
            ("INFO", "{ a: 1, b: 'x', c: [ 1, 2 ] }"),
            ("INFO", "n=42"),
            ("INFO", '{"j":1}'),
            ("INFO", "1 true null undefined"),
            ("INFO", "multi\rline\rtext"),
            ("INFO", "info msg"),
            ("WARN", "warn msg"),
            ("ERROR", "error msg"),
            ("DEBUG", "debug msg"),
            ("INFO", "{ a: { b: { c: [Object] } } }"),
            ("INFO", "[ 1, 'two', [ 3 ] ]"),
            ("INFO", ""),
        ]
        self.assertEqual(got[:len(expected)], expected)
        self.assertEqual(len(got), len(expected) + 1, got)
        level, msg = got[-1]
        self.assertEqual(level, "ERROR")
        self.assertTrue(msg.startswith("Error: e1\r    at "), msg)
        self.assertNotIn("\n", msg)

    # -- timers, Promise, globals -----------------------------------------------------------

    def test_timers_and_promises(self):
        name, _, _ = self.create_function(source=TIMERS)
        out = self.invoke_ok(name, {})
        order = out["order"]
        self.assertEqual(order[:2], ["sync", "micro"], order)
        self.assertNotIn("never", order)
        self.assertIn("interval x3", order)
        self.assertEqual([x for x in order if x in ("t1", "args", "t2")], ["t1", "args", "t2"], order)
        self.assertEqual(out["all"], [1, 2, 3])
        self.assertEqual(out["settled"], ["rejected", "fulfilled"])
        self.assertEqual(out["race"], "fast")
        self.assertTrue(95 <= out["waited"] < 1000, out)
        self.assertEqual(out["chained"], 20)

    def test_set_immediate_and_queue_microtask(self):
        name, _, _ = self.create_function(source=TIMER_EXTRAS)
        self.assertEqual(self.invoke_ok(name, {}), ["sync", "microtask", "immediate"])

    def test_text_url_buffer(self):
        name, _, _ = self.create_function(source=GLOBALS)
        out = self.invoke_ok(name, {})
        self.assertEqual(out["encLen"], 10)
        self.assertEqual(out["encType"], "[object Uint8Array]")
        self.assertEqual(out["encBytes"], [104, 195, 169])
        self.assertEqual(out["dec"], "héllo €")
        self.assertEqual(out["url"], {
            "href": "https://user:pw@example.com:8080/a/b%20c?x=1&y=two#frag",
            "protocol": "https:", "host": "example.com:8080", "hostname": "example.com",
            "port": "8080", "pathname": "/a/b%20c", "search": "?x=1&y=two", "hash": "#frag",
            "x": "1", "username": "user", "origin": "https://example.com:8080"})
        self.assertEqual(out["sp"], {"all": ["1", "3"], "str": "a=1&b=2&a=3&c=x+y", "has": True})
        self.assertEqual(out["rel"], "https://h.example/base/up?q")
        self.assertEqual(out["b64"], "aGVsbG8gd29ybGQ=")
        self.assertEqual(out["hex"], "68656c6c6f20776f726c64")
        self.assertEqual(out["utf8"], "hello world")
        self.assertEqual(out["fromB64"], "hello")
        self.assertEqual(out["fromHex"], "hello")
        self.assertEqual(out["byteLength"], 6)
        self.assertEqual(out["len"], 11)
        self.assertIs(out["isBuf"], True)
        self.assertIs(out["notBuf"], False)
        self.assertEqual(out["concat"], "abcd")
        self.assertEqual(out["slice"], "hello")
        self.assertEqual(out["sub"], "world")
        self.assertEqual(out["idx"], 104)
        self.assertEqual(out["alloc"], "000000")
        self.assertIs(out["u8"], True)
        self.assertEqual(out["euroLen"], 3)

    # -- process.env ------------------------------------------------------------------------

    def test_process_env(self):
        name, _, _ = self.create_function(
            source=ENV, Environment={"Variables": {"MY_VAR": "mine", "OTHER": "x=y"}})
        out = self.invoke_ok(name, {})
        env = out["env"]
        self.assertEqual(out["atInit"], "mine")
        self.assertEqual(env["MY_VAR"], "mine")
        self.assertEqual(env["OTHER"], "x=y")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], name)
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128")
        self.assertEqual(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/" + name)
        self.assertEqual(env["AWS_LAMBDA_LOG_STREAM_NAME"], out["stream"])
        self.assertRegex(env["AWS_LAMBDA_LOG_STREAM_NAME"], LOG_STREAM_RE)
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["AWS_DEFAULT_REGION"], "us-east-1")
        self.assertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_nodejs20.x")
        self.assertEqual(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand")
        self.assertEqual(env["_HANDLER"], "index.handler")
        self.assertTrue(env.get("LAMBDA_TASK_ROOT"))
        self.assertEqual(env["TZ"], ":UTC")
        self.assertEqual(env["LANG"], "en_US.UTF-8")
        # The host's environment does not leak in.
        self.assertNotIn("STRATUS_BIN", env)
        self.assertNotIn("HOME", env)

    def test_process_env_credentials(self):
        # Lambda's Node environment carries credentials for the SDK (LAMBDA.md §7).
        name, _, _ = self.create_function(source=ENV)
        env = self.invoke_ok(name, {})["env"]
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            self.assertTrue(env.get(key), "%s missing from process.env" % key)

    def test_env_follows_updates(self):
        name, _, _ = self.create_function(source=ENV, Environment={"Variables": {"MY_VAR": "one"}})
        self.assertEqual(self.invoke_ok(name, {})["env"]["MY_VAR"], "one")
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": {"MY_VAR": "two"}})
        out = self.invoke_ok(name, {})
        self.assertEqual(out["env"]["MY_VAR"], "two")
        self.assertEqual(out["atInit"], "two")
        self.lam.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
        self.assertNotIn("MY_VAR", self.invoke_ok(name, {})["env"])

    def test_env_isolated_between_functions(self):
        a, _, _ = self.create_function(
            source="exports.handler = async () => { process.env.SHARED = 'a'; return process.env.SHARED; };")
        b, _, _ = self.create_function(
            source="exports.handler = async () => process.env.SHARED || 'unset';")
        self.assertEqual(self.invoke_ok(a, {}), "a")
        self.assertEqual(self.invoke_ok(b, {}), "unset")

    def test_globals_isolated_between_functions(self):
        a, _, _ = self.create_function(
            source="exports.handler = async () => { globalThis.leak = 'from a'; return globalThis.leak; };")
        b, _, _ = self.create_function(
            source="exports.handler = async () => typeof globalThis.leak;")
        self.assertEqual(self.invoke_ok(a, {}), "from a")
        self.assertEqual(self.invoke_ok(b, {}), "undefined")

    # -- load errors ------------------------------------------------------------------------

    def test_import_module_error(self):
        name, _, _ = self.create_function(handler="missing.handler")
        r = self.invoke(name, {})
        self.assertFunctionError(r, "Runtime.ImportModuleError",
                                 message_prefix="Error: Cannot find module 'missing'")
        self.assertRegex(r.log, r"(?m)^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: (init|invoke)\t"
                                r"Status: error\tError Type: Runtime\.ImportModuleError")
        # A missing module inside the bundle's own require chain is the same error type.
        name2, _, _ = self.create_function(source="require('./not-there'); exports.handler = async () => 1;")
        self.assertFunctionError(self.invoke(name2, {}), "Runtime.ImportModuleError",
                                 message_prefix="Error: Cannot find module './not-there'")

    def test_handler_not_found(self):
        name, _, _ = self.create_function(handler="index.nothere")
        self.assertFunctionError(self.invoke(name, {}), "Runtime.HandlerNotFound",
                                 "index.nothere is undefined or not exported")
        name, _, _ = self.create_function(source="exports.handler = 5;")
        self.assertFunctionError(self.invoke(name, {}), "Runtime.HandlerNotFound",
                                 "index.handler is not a function")

    def test_malformed_handler(self):
        name, _, _ = self.create_function(handler="index")
        self.assertFunctionError(self.invoke(name, {}), "Runtime.MalformedHandlerName", "Bad handler")
        name, _, _ = self.create_function(handler="../index.handler")
        self.assertFunctionError(
            self.invoke(name, {}), "Runtime.MalformedHandlerName",
            "'../index.handler' is not a valid handler name. Use absolute paths when specifying "
            "root directories in handler names.")

    def test_syntax_error(self):
        name, _, _ = self.create_function(source="exports.handler = async () => {")
        r = self.invoke(name, {})
        self.assertFunctionError(r, "Runtime.UserCodeSyntaxError",
                                 "SyntaxError: Unexpected end of input")
        name, _, _ = self.create_function(files={"index.js": "require('./bad'); exports.handler = async () => 1;",
                                                 "bad.js": "let let = 1;"})
        self.assertFunctionError(self.invoke(name, {}), "Runtime.UserCodeSyntaxError",
                                 message_prefix="SyntaxError: ")

    def test_init_error(self):
        name, _, _ = self.create_function(
            source="console.log('about to fail'); throw new Error('init boom');")
        for _ in range(2):  # not cached: every invoke re-runs the failing init
            r = self.invoke(name, {})
            self.assertFunctionError(r, "Error", "init boom", trace_first="Error: init boom")
            self.assertIn("INIT_REPORT Init Duration: ", r.log)
            self.assertIn("about to fail", r.log)
        # The server is fine, and a fixed function works.
        self.lam.update_function_code(FunctionName=name,
                                      ZipFile=make_zip({"index.js": "exports.handler = async () => 'fixed';"}))
        self.assertEqual(self.invoke_ok(name, {}), "fixed")


if __name__ == "__main__":
    main()
