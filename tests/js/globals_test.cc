// The Node-like globals and builtins: Buffer, TextEncoder/TextDecoder, URL, process, util,
// events, path, assert, structuredClone, AbortController.
#include <nlohmann/json.hpp>

#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;

class GlobalsTest : public JsTest {
 protected:
  json run(const std::string& body) {
    write("index.js", "exports.handler = async () => {\n" + body + "\n};\n");
    auto function = load();
    JsResult result = invoke(*function);
    EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
    return json::parse(result.payload, nullptr, false);
  }
};

TEST_F(GlobalsTest, BufferRoundTrips) {
  json out = run(R"(
    const text = 'héllo wörld \u{1F600}';
    const b = Buffer.from(text, 'utf8');
    return [
      b.length, Buffer.byteLength(text), b.toString(), b.toString('base64'), b.toString('hex'),
      Buffer.from(b.toString('base64'), 'base64').toString('utf8') === text,
      Buffer.from(b.toString('hex'), 'hex').equals(b),
      Buffer.from('aGk', 'base64').toString(), Buffer.from('aGk_-w', 'base64url').toString('hex'),
      Buffer.from([104, 105]).toString(), Buffer.from(new Uint8Array([1, 2]).buffer).length,
      Buffer.alloc(3, 'ab').toString(), Buffer.concat([Buffer.from('a'), Buffer.from('bc')]).toString(),
      Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1)), b instanceof Uint8Array,
      b.slice(0, 1).toString(), b.subarray(1, 3).length, Buffer.isBuffer(b.subarray(0, 1)),
      JSON.stringify(Buffer.from('hi')), Buffer.compare(Buffer.from('a'), Buffer.from('b')),
      Buffer.from('xyz').toString('latin1'), Buffer.from('\u00ff', 'latin1')[0],
      Buffer.from('abc').indexOf('c'), Buffer.from('abc').includes('bc'),
    ];
  )");
  EXPECT_EQ(out, json::parse(R"([18, 18, "héllo wörld \ud83d\ude00", "aMOpbGxvIHfDtnJsZCDwn5iA",
    "68c3a96c6c6f2077c3b6726c6420f09f9880", true, true, "hi", "68693ffb", "hi", 2, "aba", "abc",
    true, false, true, "h", 2, true, "{\"type\":\"Buffer\",\"data\":[104,105]}", -1, "xyz", 255, 2, true])"));
}

TEST_F(GlobalsTest, BufferSliceIsAViewAndNumbers) {
  json out = run(R"(
    const b = Buffer.from('abcdef');
    const s = b.slice(1, 3);
    s[0] = 0x5a;
    const n = Buffer.alloc(8);
    n.writeUInt32BE(0xdeadbeef, 0);
    n.writeInt16LE(-2, 4);
    return [b.toString(), n.readUInt32BE(0), n.readInt16LE(4), n.toString('hex'), n.readUInt8(0)];
  )");
  EXPECT_EQ(out, json({"aZcdef", 3735928559u, -2, "deadbeeffeff0000", 222}));
}

TEST_F(GlobalsTest, TextEncoderDecoder) {
  json out = run(R"(
    const enc = new TextEncoder();
    const bytes = enc.encode('€uro ' + 'x'.repeat(100));
    const dec = new TextDecoder();
    const target = new Uint8Array(4);
    const into = enc.encodeInto('a€b', target);
    const stream = new TextDecoder();
    const euro = enc.encode('€');
    const parts = stream.decode(euro.subarray(0, 1), { stream: true }) + stream.decode(euro.subarray(1));
    let fatal;
    try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { fatal = e.name; }
    return [bytes.length, bytes.constructor.name, dec.decode(bytes).slice(0, 4), enc.encoding,
            [into.read, into.written], parts, dec.decode(new Uint8Array([0xff, 0x41])), fatal,
            new TextDecoder('utf-16le').decode(new Uint8Array([0x41, 0, 0x42, 0]))];
  )");
  EXPECT_EQ(out, json::parse(R"([107, "Uint8Array", "€uro", "utf-8", [2, 4], "€", "\ufffdA", "TypeError", "AB"])"));
}

TEST_F(GlobalsTest, UrlAndSearchParams) {
  json out = run(R"(
    const u = new URL('HTTPS://User:Pw@Example.COM:443/a/./b/../c d?x=1&y=two words#frag');
    const fields = [u.href, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname,
                    u.search, u.hash, u.origin, u.searchParams.get('y')];
    u.searchParams.append('z', 'a&b');
    u.searchParams.set('x', '2');
    const rel = new URL('../up?q#h', 'http://host:8080/dir/sub/file');
    const p = new URLSearchParams({ a: '1', b: 'x y' });
    p.append('a', '3');
    let invalid;
    try { new URL('not a url'); } catch (e) { invalid = [e.name, e.code]; }
    return [fields, u.href, rel.href, p.toString(), p.getAll('a'), p.has('b'), [...p.keys()],
            new URL('file:///tmp/x.txt').pathname, new URL('mailto:a@b.c').pathname, invalid,
            new URL('http://127.1/').hostname, new URL('http://[::1]:80/').host, String(new URL('http://h')),
            require('url').parse('http://a.com:81/p?q=1#f').port, require('url').fileURLToPath('file:///a%20b')];
  )");
  EXPECT_EQ(out[0], json({"https://User:Pw@example.com/a/c%20d?x=1&y=two%20words#frag", "https:",
                          "User", "Pw", "example.com", "example.com", "", "/a/c%20d",
                          "?x=1&y=two%20words", "#frag", "https://example.com", "two words"}));
  EXPECT_EQ(out[1], "https://User:Pw@example.com/a/c%20d?x=2&y=two+words&z=a%26b#frag");
  EXPECT_EQ(out[2], "http://host:8080/dir/up?q#h");
  EXPECT_EQ(out[3], "a=1&b=x+y&a=3");
  EXPECT_EQ(out[4], json({"1", "3"}));
  EXPECT_EQ(out[5], true);
  EXPECT_EQ(out[6], json({"a", "b", "a"}));
  EXPECT_EQ(out[7], "/tmp/x.txt");
  EXPECT_EQ(out[8], "a@b.c");
  EXPECT_EQ(out[9], json({"TypeError", "ERR_INVALID_URL"}));
  EXPECT_EQ(out[10], "127.0.0.1");
  EXPECT_EQ(out[11], "[::1]");
  EXPECT_EQ(out[12], "http://h/");
  EXPECT_EQ(out[13], "81");
  EXPECT_EQ(out[14], "/a b");
}

TEST_F(GlobalsTest, ProcessObject) {
  json out = run(R"(
    const [s, ns] = process.hrtime();
    const mem = process.memoryUsage();
    return [process.env.MY_VAR, process.env.AWS_REGION, process.version, process.versions.node,
            process.platform, process.arch, typeof process.pid, process.cwd(),
            typeof s, typeof process.hrtime.bigint(), mem.heapUsed > 0, typeof process.nextTick,
            typeof process.on, process.uptime() >= 0, global === globalThis, typeof structuredClone];
  )");
  EXPECT_EQ(out, json({"hello", "us-east-1", "v18.20.4", "18.20.4", "linux", "x64", "number", task_,
                       "number", "bigint", true, "function", "function", true, true, "function"}));
}

TEST_F(GlobalsTest, EnvIsWritable) {
  write("index.js", "exports.handler = async () => { process.env.X = (process.env.X || '') + 'x'; return process.env.X; };\n");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "\"x\"");
  EXPECT_EQ(invoke(*function).payload, "\"xx\"");
}

TEST_F(GlobalsTest, UtilHelpers) {
  json out = run(R"(
    const util = require('util');
    const fn = (a, cb) => cb(null, a * 2);
    const doubled = await util.promisify(fn)(21);
    function Base() {} function Derived() {} util.inherits(Derived, Base);
    return [doubled, new Derived() instanceof Base, util.types.isPromise(Promise.resolve()),
            util.types.isDate(new Date()), util.types.isRegExp(/x/), util.isDeepStrictEqual({ a: [1] }, { a: [1] }),
            util.inspect({ a: { b: { c: { d: 1 } } } }, { depth: 0 }), util.format('%s=%d', 'x', 5),
            typeof util.TextEncoder];
  )");
  EXPECT_EQ(out, json({42, true, true, true, true, true, "{ a: [Object] }", "x=5", "function"}));
}

TEST_F(GlobalsTest, EventsAssertPathQuerystring) {
  json out = run(R"(
    const EventEmitter = require('events');
    const e = new EventEmitter();
    const seen = [];
    e.on('x', (v) => seen.push(v));
    e.once('x', (v) => seen.push('once' + v));
    e.emit('x', 1); e.emit('x', 2);
    let emitError;
    try { e.emit('error', new Error('unhandled')); } catch (err) { emitError = err.message; }
    const assert = require('assert');
    let failed;
    try { assert.strictEqual(1, 2); } catch (err) { failed = [err.name, err.code]; }
    assert.deepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] });
    const path = require('path');
    const qs = require('querystring');
    const [fromOnce] = await EventEmitter.once((() => { const x = new EventEmitter(); setTimeout(() => x.emit('go', 7)); return x; })(), 'go');
    return [seen, emitError, failed, path.join('/a/b', '../c', 'd.txt'), path.extname('x.tar.gz'),
            path.relative('/a/b/c', '/a/d'), path.basename('/x/y.js', '.js'), qs.stringify({ a: [1, 2], b: 'c d' }),
            qs.parse('a=1&a=2&b=x').a, fromOnce];
  )");
  EXPECT_EQ(out, json::parse(R"([[1, "once1", 2], "unhandled", ["AssertionError", "ERR_ASSERTION"],
    "/a/c/d.txt", ".gz", "../../d", "y", "a=1&a=2&b=c%20d", ["1", "2"], 7])"));
}

TEST_F(GlobalsTest, StructuredCloneAbortAndMisc) {
  json out = run(R"(
    const source = { d: new Date(0), m: new Map([[1, 2]]), nested: { a: [1] } };
    const copy = structuredClone(source);
    let cloneError;
    try { structuredClone({ f() {} }); } catch (e) { cloneError = e.name; }
    const controller = new AbortController();
    let aborted = false;
    controller.signal.addEventListener('abort', () => { aborted = true; });
    controller.abort();
    const waited = await require('timers/promises').setTimeout(5, 'done');
    return [copy !== source, copy.d instanceof Date, copy.m.get(1), copy.nested.a[0], cloneError,
            aborted, controller.signal.aborted, controller.signal.reason.name, waited,
            atob(btoa('hi')), typeof performance.now(), new Intl.NumberFormat('en-US').format(1234.5)];
  )");
  EXPECT_EQ(out, json({true, true, 2, 1, "DataCloneError", true, true, "AbortError", "done", "hi",
                       "number", "1,234.5"}));
}

}  // namespace
}  // namespace stratus::js::testing
