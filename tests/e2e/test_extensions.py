"""Lambda extensions on the process tier (Extensions API 2020-01-01, LAMBDA.md §8): executables
in a layer's /opt/extensions start in the function's jail before the runtime, register, get
INVOKE and SHUTDOWN events, and write to the function's log; the invoke ends once every
extension asked for its next event; an extension that fails its init fails the function's init
as Lambda reports it.

SHUTDOWN happens when no invocation is there to carry a log, so the test's extension also POSTs
each SHUTDOWN to a listener this test runs on 127.0.0.1 (REPORT_URL, a function variable, which
extensions see like the runtime does).

    STRATUS_BIN=build/stratus python3 tests/e2e/test_extensions.py [-k pattern]
"""
import http.server
import json
import queue
import re
import threading
import unittest

from harness import StratusTestCase, main, make_zip, process_tier_available, unique_name

# The usual shell extension (aws-samples style): register, then a loop on event/next; each event
# is logged on one line, SHUTDOWN is also reported to REPORT_URL, then it exits. SLOW_EXTENSION
# makes it work on after the runtime answered, as a telemetry flush does.
LOGGER = r"""#!/bin/sh
set -eu
NAME=$(basename "$0")
API="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
HEADERS="/tmp/$NAME.headers"
REGISTERED=$(curl -sS -D "$HEADERS" -X POST "$API/register" \
  -H "Lambda-Extension-Name: $NAME" -d '{"events":["INVOKE","SHUTDOWN"]}')
ID=$(grep -i '^Lambda-Extension-Identifier:' "$HEADERS" | cut -d: -f2 | tr -d ' \r\n')
echo "[$NAME] registered $REGISTERED"
while true; do
  EVENT=$(curl -sS -H "Lambda-Extension-Identifier: $ID" "$API/event/next")
  TYPE=$(echo "$EVENT" | sed -n 's/.*"eventType":"\([A-Z]*\)".*/\1/p')
  echo "[$NAME] $TYPE $EVENT"
  if [ "$TYPE" = SHUTDOWN ]; then
    if [ -n "${REPORT_URL:-}" ]; then
      curl -sS -o /dev/null -X POST --data-binary "$EVENT" "$REPORT_URL" || true
    fi
    exit 0
  fi
  if [ -n "${SLOW_EXTENSION:-}" ]; then
    sleep 0.3
    echo "[$NAME] finished with $(echo "$EVENT" | sed -n 's/.*"requestId":"\([^"]*\)".*/\1/p')"
  fi
done
"""

# The aws-samples layout for an extension in Node.js: /opt/extensions/<name> is a shell wrapper
# that execs /opt/<name>/index.js, which uses fetch on the Extensions API.
NODE_WRAPPER = r"""#!/bin/sh
set -eu
LAMBDA_EXTENSION_NAME="$(basename "$0")"
exec /usr/bin/node "/opt/${LAMBDA_EXTENSION_NAME}/index.js"
"""

NODE_EXTENSION = r"""
const base = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension`;
const name = 'node-ext';
(async () => {
  const reg = await fetch(`${base}/register`, {method: 'POST',
    headers: {'Lambda-Extension-Name': name}, body: JSON.stringify({events: ['INVOKE', 'SHUTDOWN']})});
  const id = reg.headers.get('lambda-extension-identifier');
  console.log(`[${name}] registered ${reg.status}`);
  for (;;) {
    const res = await fetch(`${base}/event/next`, {headers: {'Lambda-Extension-Identifier': id}});
    const event = await res.json();
    console.log(`[${name}] ${event.eventType} ${event.requestId || event.shutdownReason}`);
    if (event.eventType === 'SHUTDOWN') {
      await fetch(process.env.REPORT_URL, {method: 'POST', body: JSON.stringify(event)}).catch(() => {});
      process.exit(0);
    }
  }
})();
"""

# Exits at once without registering: Lambda's Extension.Crash.
CRASHER = "#!/bin/sh\necho '[crasher] giving up'\nexit 3\n"

# Registers, then reports an init error.
INIT_FAILER = r"""#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
curl -sS -D /tmp/failer.headers -o /dev/null -X POST "$API/register" \
  -H "Lambda-Extension-Name: failer" -d '{"events":["INVOKE"]}'
ID=$(grep -i '^Lambda-Extension-Identifier:' /tmp/failer.headers | cut -d: -f2 | tr -d ' \r\n')
curl -sS -o /dev/null -X POST "$API/init/error" -H "Lambda-Extension-Identifier: $ID" \
  -H "Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid" \
  -d '{"errorMessage":"no API key","errorType":"Extension.ConfigInvalid"}'
sleep 5
"""

NODE_HANDLER = "exports.handler = async (event) => { console.log('handler ran'); return {ok: event.n}; };\n"
PYTHON_HANDLER = "def handler(event, context):\n    print('handler ran')\n    return {'ok': event['n']}\n"


def events_in(lines, what):
    """The JSON the logger extension printed after "[logger] <what> " in these lines. Searched,
    not anchored: the runtime and its extensions share one pipe, as in Lambda, and python's
    print writes its text and its newline apart, so a line of the extension may follow the
    handler's text on the same line."""
    return [json.loads(m) for m in re.findall(r"\[logger\] %s (\{[^\n]*\})" % what, "\n".join(lines))]


class Reports:
    """A loopback HTTP listener collecting POSTed bodies (the extensions' SHUTDOWN events)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bodies = {}  # path (the function's name) -> queue of bodies
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                outer.queue(self.path.strip("/")).put(self.rfile.read(n).decode())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]

    def queue(self, fn):
        with self.lock:
            return self.bodies.setdefault(fn, queue.Queue())

    def next(self, fn, timeout=20):
        return json.loads(self.queue(fn).get(timeout=timeout))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class ExtensionsTest(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not process_tier_available(cls.server):
            raise unittest.SkipTest("no process tier on this host")
        cls.reports = Reports()
        cls.addClassCleanup(cls.reports.close)

    def layer(self, extensions):
        files = {"extensions/" + name: body for name, body in extensions.items()}
        zip_bytes = make_zip(files, executables=["extensions/" + n for n in extensions])
        r = self.lam.publish_layer_version(LayerName=unique_name("ext"), Content={"ZipFile": zip_bytes})
        return r["LayerVersionArn"]

    def function(self, layer, runtime="nodejs20.x", variables=None, **kwargs):
        name = unique_name()
        env = {"REPORT_URL": self.reports.url + name, "STRATUS_TIER": "process"}
        env.update(variables or {})
        if runtime.startswith("python"):
            files, handler = {"index.py": PYTHON_HANDLER}, "index.handler"
        else:
            files, handler = {"index.js": NODE_HANDLER}, "index.handler"
        self.create_function(name=name, files=files, handler=handler, runtime=runtime, Layers=[layer],
                                          Environment={"Variables": env}, **kwargs)
        return name

    def between_start_and_end(self, r):
        """The lines of this invocation between START and END."""
        lines = r.log.splitlines()
        start = next(i for i, l in enumerate(lines) if l.startswith("START RequestId: " + r.request_id))
        end = next(i for i, l in enumerate(lines) if l.startswith("END RequestId: " + r.request_id))
        return lines[:start], lines[start + 1:end], lines[end + 1:]

    def assertLogsInvokes(self, fn):
        first = self.invoke(fn, {"n": 1})
        self.assertEqual(first.status, 200, first)
        self.assertIsNone(first.function_error, first)
        self.assertEqual(first.json(), {"ok": 1})
        before, inside, after = self.between_start_and_end(first)
        # Registered during init: in the init part of the first invocation's log.
        registered = events_in(before, "registered")
        self.assertEqual(len(registered), 1, first.log)
        self.assertEqual(registered[0]["functionName"], fn)
        self.assertEqual(before[-1], "EXTENSION\tName: logger\tState: Ready\tEvents: [INVOKE, SHUTDOWN]", first.log)
        invokes = events_in(inside, "INVOKE")
        self.assertEqual(len(invokes), 1, first.log)
        event = invokes[0]
        self.assertEqual(event["requestId"], first.request_id)
        self.assertEqual(event["eventType"], "INVOKE")
        self.assertTrue(event["invokedFunctionArn"].endswith(":function:" + fn), event)
        self.assertEqual(event["tracing"]["type"], "X-Amzn-Trace-Id")
        self.assertRegex(event["tracing"]["value"], r"^Root=1-")
        self.assertIsInstance(event["deadlineMs"], int)
        self.assertTrue(any("handler ran" in l for l in inside), first.log)
        self.assertRegex(after[0], r"^REPORT RequestId: .*Init Duration: [0-9.]+ ms", first.log)

        second = self.invoke(fn, {"n": 2})
        self.assertEqual(second.json(), {"ok": 2})
        _, inside2, after2 = self.between_start_and_end(second)
        self.assertEqual([e["requestId"] for e in events_in(inside2, "INVOKE")], [second.request_id])
        self.assertNotIn("Init Duration", after2[0])  # warm: same sandbox, same extension

    def assertShutdownOnRetire(self, fn):
        # A configuration change retires the idle sandbox: its extension gets SHUTDOWN first.
        self.lam.update_function_configuration(FunctionName=fn, Description="retire the sandbox")
        event = self.reports.next(fn)
        self.assertEqual(event["eventType"], "SHUTDOWN")
        self.assertEqual(event["shutdownReason"], "spindown")
        self.assertIsInstance(event["deadlineMs"], int)

    def test_node_function_with_logging_extension(self):
        fn = self.function(self.layer({"logger": LOGGER}))
        self.assertLogsInvokes(fn)
        self.assertShutdownOnRetire(fn)

    def test_python_function_with_logging_extension(self):
        fn = self.function(self.layer({"logger": LOGGER}), runtime="python3.12")
        self.assertLogsInvokes(fn)
        self.assertShutdownOnRetire(fn)

    def test_extension_written_in_node(self):
        files = {"extensions/node-ext": NODE_WRAPPER, "node-ext/index.js": NODE_EXTENSION}
        r = self.lam.publish_layer_version(LayerName=unique_name("ext"), Content={
            "ZipFile": make_zip(files, executables=["extensions/node-ext"])})
        fn = self.function(r["LayerVersionArn"], runtime="python3.12")
        for n in (1, 2):
            r = self.invoke(fn, {"n": n})
            self.assertEqual(r.json(), {"ok": n})
            before, inside, _ = self.between_start_and_end(r)
            # One pipe for the runtime and its extensions, as in Lambda: python's print writes
            # text and newline apart, so an extension's line may land between the two.
            self.assertIn("[node-ext] INVOKE " + r.request_id, "\n".join(inside), r.log)
            if n == 1:
                self.assertIn("[node-ext] registered 200", before, r.log)
        self.lam.delete_function(FunctionName=fn)  # deletion retires the sandbox too
        event = self.reports.next(fn)
        self.assertEqual((event["eventType"], event["shutdownReason"]), ("SHUTDOWN", "spindown"))

    def test_invoke_waits_for_the_extension(self):
        # The extension works on for a while after the runtime answered; the invocation (its
        # END and REPORT) ends only once it asked for its next event.
        fn = self.function(self.layer({"logger": LOGGER}), variables={"SLOW_EXTENSION": "1"})
        for n in (1, 2):
            r = self.invoke(fn, {"n": n})
            self.assertEqual(r.json(), {"ok": n})
            _, inside, _ = self.between_start_and_end(r)
            self.assertIn("[logger] finished with " + r.request_id, inside, r.log)

    def test_function_error_then_warm_reuse(self):
        # An error answer waits for the runtime's next poll before the sandbox is reused; with a
        # slow extension that poll comes before the invoke ends.
        fn = self.function(self.layer({"logger": LOGGER}), variables={"SLOW_EXTENSION": "1"})
        self.lam.update_function_code(FunctionName=fn, ZipFile=make_zip({"index.js": (
            "exports.handler = async (e) => { if (e.fail) throw new Error('boom'); return {ok: e.n}; };\n")}))
        bad = self.invoke(fn, {"fail": True})
        self.assertEqual(bad.function_error, "Unhandled", bad)
        self.assertEqual(bad.json()["errorMessage"], "boom")
        _, inside, _ = self.between_start_and_end(bad)
        self.assertIn("[logger] finished with " + bad.request_id, inside, bad.log)
        for n in (1, 2):
            good = self.invoke(fn, {"n": n})
            self.assertEqual(good.json(), {"ok": n})
            self.assertNotIn("Init Duration", good.log)  # the same sandbox
            self.assertEqual([e["requestId"] for e in events_in(self.between_start_and_end(good)[1], "INVOKE")],
                             [good.request_id])

    def test_timeout_sends_shutdown_timeout(self):
        fn = self.function(self.layer({"logger": LOGGER}), Timeout=1)
        self.lam.update_function_code(FunctionName=fn, ZipFile=make_zip(
            {"index.js": "exports.handler = () => new Promise((r) => setTimeout(r, 60000));\n"}))
        r = self.invoke(fn, {"n": 1})
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.json()["errorType"], "Sandbox.Timedout")
        event = self.reports.next(fn)
        self.assertEqual(event["eventType"], "SHUTDOWN")
        self.assertEqual(event["shutdownReason"], "timeout")

    def test_extension_that_crashes_fails_init(self):
        fn = self.function(self.layer({"crasher": CRASHER, "logger": LOGGER}))
        r = self.invoke(fn, {"n": 1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        self.assertEqual(body, {"errorType": "Extension.Crash",
                                "errorMessage": "RequestId: %s Error: exit status 3" % r.request_id})
        self.assertIn("[crasher] giving up", r.log)
        self.assertRegex(r.log, r"INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\tStatus: error\t"
                                r"Error Type: Extension.Crash")

    def test_extension_init_error_fails_init(self):
        fn = self.function(self.layer({"failer": INIT_FAILER}))
        r = self.invoke(fn, {"n": 1})
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.json(), {"errorType": "Extension.InitError",
                                    "errorMessage": "RequestId: %s Error: Extension.ConfigInvalid" % r.request_id})
        self.assertIn("Error Type: Extension.InitError", r.log)

    def test_functions_without_extensions_are_unchanged(self):
        name, _, _ = self.create_function(source=NODE_HANDLER, Environment={"Variables": {"STRATUS_TIER": "process"}})
        r = self.invoke(name, {"n": 5})
        self.assertEqual(r.json(), {"ok": 5})
        self.assertNotIn("[logger]", r.log)


if __name__ == "__main__":
    main()
