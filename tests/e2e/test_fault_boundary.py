#!/usr/bin/env python3
"""The last-resort boundary (issue 8): a throw at any boundary of the server is logged, its
request gets 500 ServiceException or its invocation fails with a clear error, and the server
goes on.

Each test starts the real server with STRATUS_INJECT_FAULT=<site> (runtime/base/fault_boundary.h),
warms it up, arms the site with SIGUSR2 (the server confirms on stderr), sends the request that
meets it, and then checks: the answer, the fault in the server's log, the same PID alive, and
that the next requests and a canary function (on each tier) succeed.
"""
import json
import os
import signal
import socket
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (ROLE, StratusServer, StratusTestCase, descendants,  # noqa: E402
                     function_arn, log, main, make_zip, process_tier_available, raw_request,
                     unique_name)

ARMED_LINE = "stratus: fault injection armed"
LOG_WAIT_S = 10.0
SERVICE_MESSAGE = "An internal error occurred"
ISOLATE = {"Variables": {"STRATUS_TIER": "isolate"}}
PROCESS = {"Variables": {"STRATUS_TIER": "process"}}
SOCKET_TIMEOUT_S = 10.0


def read_until_closed(sock, limit=1 << 20):
    """Everything the server sends until it closes the connection, and whether it did close
    (False: SOCKET_TIMEOUT_S passed with nothing new, the connection still open)."""
    chunks = []
    total = 0
    while total < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return b"".join(chunks), False
        except ConnectionResetError:
            return b"".join(chunks), True
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), False


def read_some(sock, needle):
    """Reads until `needle` has arrived (or the peer closes, or SOCKET_TIMEOUT_S passes)."""
    data = b""
    while needle not in data:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def freezer_states(pid):
    """The v1 freezer.state of each sandbox cgroup holding a node runtime below the server."""
    states = {}
    for p in descendants(pid):
        try:
            with open("/proc/%d/comm" % p) as f:
                if f.read().strip() != "node":
                    continue
            with open("/proc/%d/cgroup" % p) as f:
                for line in f:
                    _, controllers, path = line.rstrip("\n").split(":", 2)
                    if "freezer" in controllers.split(",") and path not in ("", "/"):
                        with open("/sys/fs/cgroup/freezer%s/freezer.state" % path) as s:
                            states[path] = s.read().strip()
        except OSError:
            continue
    return states


class FaultBoundaryTest(StratusTestCase):
    """One server per test, started with one injection site named."""

    site = None  # set by each test before _start()

    @classmethod
    def setUpClass(cls):
        unittest.TestCase.setUpClass()

    def setUp(self):
        type(self).server = None  # each test starts its own server in _start()

    def tearDown(self):
        if self.server is not None:
            super().tearDown()

    def _start(self, site):
        os.environ["STRATUS_INJECT_FAULT"] = site
        try:
            # No prewarmed runtime processes: every node process is then a claimed sandbox,
            # which wait_quiet() can see frozen.
            server = StratusServer(extra_args=["--prewarm-processes", "0"])
            self.addCleanup(server.cleanup)
            server.start()
        finally:
            del os.environ["STRATUS_INJECT_FAULT"]
        type(self)._attach(server)
        self.site = site
        self.pid = server.pid
        self.canaries = [self.create_function(source=(
            "exports.handler = async (e) => ({ canary: e.n });\n"), Environment=ISOLATE)[0]]
        if process_tier_available(self.server):
            self.canaries.append(self.create_function(source=(
                "exports.handler = async (e) => ({ canary: e.n });\n"), Environment=PROCESS)[0])
        for c in self.canaries:
            self.assertEqual(self.invoke_ok(c, {"n": 0}), {"canary": 0})

    def _log_text(self):
        with open(self.server.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _wait_for_log(self, needle, count=1):
        deadline = time.monotonic() + LOG_WAIT_S
        for _ in range(int(LOG_WAIT_S / 0.02)):
            if self._log_text().count(needle) >= count:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.fail("no %r in the server log within %.0f s:\n%s"
                  % (needle, LOG_WAIT_S, self.server.log_tail()))

    def wait_quiet(self):
        """Until every process sandbox is frozen: its runtime has polled /next again, so no
        Runtime API request is on its way that could meet the armed fault first. (Without a
        freezer there is nothing to wait for.)"""
        deadline = time.monotonic() + LOG_WAIT_S
        for _ in range(int(LOG_WAIT_S / 0.02)):
            states = freezer_states(self.pid)
            if all(v == "FROZEN" for v in states.values()) or time.monotonic() > deadline:
                log("sandbox freezer states before arming: %r" % states)
                return
            time.sleep(0.02)

    def arm(self):
        self.wait_quiet()
        armed = self._log_text().count(ARMED_LINE)
        os.kill(self.pid, signal.SIGUSR2)
        self._wait_for_log(ARMED_LINE, armed + 1)

    def assertServiceException(self, fn):
        with self.assertRaises(ClientError) as cm:
            fn()
        resp = cm.exception.response
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 500, resp)
        self.assertEqual(resp["Error"]["Code"], "ServiceException", resp)
        return resp

    def assertGoesOn(self):
        """The fault is logged, the same process serves, and canaries on each tier answer."""
        self._wait_for_log("injected fault at " + self.site)
        self.assertTrue(self.server.alive())
        self.assertEqual(self.server.pid, self.pid)
        self.assertTrue(self.server.healthy())
        for i, c in enumerate(self.canaries):
            self.assertEqual(self.invoke_ok(c, {"n": i + 1}), {"canary": i + 1})
        name, _, _ = self.create_function(Environment=ISOLATE)
        self.assertEqual(self.invoke_ok(name, {"after": self.site}), {"after": self.site})

    def invoke_fn(self, env, source="exports.handler = async (e) => ({ ok: true });\n"):
        name, _, _ = self.create_function(source=source, Environment=env)
        self.assertEqual(self.invoke_ok(name), {"ok": True})  # warm: its sandbox is idle now
        return name

    # -- request sites: the request meets the fault and is answered 500 ServiceException -------

    def test_http_handler(self):
        self._start("http-handler")
        self.arm()
        r = raw_request(self.server.port, "GET", "/2015-03-31/functions/" + self.canaries[0])
        self.assertEqual(r.status, 500, r)
        self.assertEqual(r.header("x-amzn-ErrorType"), "ServiceException", r)
        self.assertEqual(r.json().get("Type"), "Service", r)
        self.assertIn("injected fault", r.json().get("message", ""), r)
        self.assertGoesOn()

    def test_posted_task(self):
        # A commit's completions come back to the loop as a posted task (runtime/base/
        # db_writer.h): the task throws, its captures die, and the dropped respond of the
        # request waiting for that commit answers for it. (Isolate results no longer come back
        # as posted tasks: they arrive from isolate-host processes over a socket.)
        self._start("posted-task")
        name = self.invoke_fn(ISOLATE)
        self.arm()
        resp = self.assertServiceException(
            lambda: self.lam.tag_resource(Resource=function_arn(name), Tags={"k": "v"}))
        self.assertIn(SERVICE_MESSAGE, resp["Error"]["Message"], resp)
        self.assertGoesOn()

    # worker-task: the server itself no longer runs WorkerPool tasks (isolates run in
    # isolate-host processes, whose environment carries no STRATUS_INJECT_FAULT); the boundary
    # around worker tasks is covered by tests/base/fault_boundary_test.cc.

    def test_invocation_completion(self):
        self._start("invoke-completion")
        name = self.invoke_fn(ISOLATE)
        self.arm()
        self.assertServiceException(lambda: self.invoke(name))
        self.assertGoesOn()

    def test_invocation_completion_process_tier(self):
        # The throw stops in the process sandbox: the runtime's POST still gets its 202, so the
        # same warm process serves the next invocation.
        self._start("invoke-completion")
        if not process_tier_available(self.server):
            raise unittest.SkipTest("no process tier for nodejs on this host")
        name = self.invoke_fn(PROCESS)
        self.arm()
        self.assertServiceException(lambda: self.invoke(name))
        self.assertGoesOn()
        r = self.invoke(name)
        self.assertIsNone(r.function_error, r)
        self.assertIsNone(r.report().group("init"), r.log)  # warm: no Init Duration

    def test_pool_work(self):
        # A payload over 1 MB is checked on libuv's thread pool.
        self._start("pool-work")
        name = self.invoke_fn(ISOLATE)
        self.arm()
        big = {"pad": "x" * (1536 * 1024)}
        self.assertServiceException(lambda: self.invoke(name, big))
        self.assertGoesOn()
        self.assertEqual(self.invoke_ok(name, big), {"ok": True})  # the same payload, unarmed

    def test_pool_completion(self):
        self._start("pool-done")
        name = self.invoke_fn(ISOLATE)
        self.arm()
        big = {"pad": "x" * (1536 * 1024)}
        self.assertServiceException(lambda: self.invoke(name, big))
        self.assertGoesOn()

    def test_db_writer_completion(self):
        # The commit happened; its answer is lost: 500, and the function exists (as AWS may
        # answer 500 to a change that was made).
        self._start("db-writer-completion")
        self.arm()
        name = unique_name()
        self.addCleanup(self._quiet_delete, name)
        self.assertServiceException(lambda: self.lam.create_function(
            FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": make_zip({"index.js": "exports.handler = async () => 7;\n"})},
            Environment=ISOLATE))
        self.assertGoesOn()
        self.assertEqual(self.invoke_ok(name), 7)

    # -- HttpServer's own libuv callbacks: the connection that meets the fault closes ---------

    def _connect(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=SOCKET_TIMEOUT_S)
        self.addCleanup(sock.close)
        return sock

    def _get_request(self):
        return ("GET /2015-03-31/functions/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n"
                % (self.canaries[0], self.server.port)).encode()

    def test_http_read_between_requests(self):
        # No request in progress when the read callback throws: nothing is owed, the
        # connection just closes.
        self._start("http-read")
        self.arm()
        sock = self._connect()
        sock.sendall(self._get_request())
        data, closed = read_until_closed(sock)
        self.assertTrue(closed, data)
        self.assertEqual(data, b"")
        self.assertGoesOn()
        self.assertIn("HTTP connection", self._log_text())

    def test_http_read_mid_request(self):
        # The headers are read (the server says 100 Continue); the read of the body throws:
        # the request is answered 500 ServiceException and the connection closes.
        self._start("http-read")
        body = json.dumps({"n": 1}).encode()
        sock = self._connect()
        sock.sendall(("POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\n"
                      "Host: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n"
                      % (self.canaries[0], self.server.port, len(body))).encode())
        self.assertIn(b"100 Continue", read_some(sock, b"\r\n\r\n"))
        self.arm()
        sock.sendall(body)
        data, closed = read_until_closed(sock)
        self.assertTrue(closed, data)
        head, _, payload = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 500 "), data)
        self.assertIn(b"x-amzn-ErrorType: ServiceException", head, data)
        self.assertIn(b"Connection: close", head, data)
        self.assertEqual(json.loads(payload).get("Type"), "Service", data)
        self.assertGoesOn()

    def test_http_write(self):
        # The response is written; the write callback throws before the connection would read
        # the next request: the client has its answer, and the connection closes.
        self._start("http-write")
        self.arm()
        sock = self._connect()
        sock.sendall(self._get_request())
        data, closed = read_until_closed(sock)
        self.assertTrue(closed, data)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        self.assertIn(b"Connection: keep-alive", data)  # it was to stay open
        self.assertGoesOn()

    def test_http_accept(self):
        # The accept callback throws before taking the socket: the client waits in the
        # backlog a moment, is accepted on the retry, and is served.
        self._start("http-accept")
        self.arm()
        r = raw_request(self.server.port, "GET", "/2015-03-31/functions/" + self.canaries[0])
        self.assertEqual(r.status, 200, r)
        self.assertGoesOn()

    def test_http_timer(self):
        # The connection sweep (idle, slow and lingering connections) skips one turn.
        self._start("http-timer")
        idle = self._connect()  # an idle keep-alive connection the sweep passes over
        idle.sendall(self._get_request())
        self.assertIn(b"HTTP/1.1 200 ", read_some(idle, b"\r\n\r\n"))
        self.arm()
        self.assertGoesOn()
        self.assertTrue(self.server.healthy())

    def test_http_close(self):
        # A close callback that throws still forgets and frees its connection.
        self._start("http-close")
        self.arm()
        r = raw_request(self.server.port, "GET", "/2015-03-31/functions/" + self.canaries[0])
        self.assertEqual(r.status, 200, r)
        self.assertGoesOn()
        for _ in range(3):  # connections keep opening and closing
            self.assertTrue(self.server.healthy())

    # -- sites with no request of their own ----------------------------------------------------

    def test_timer(self):
        # Timers serve the server itself (the idle reaper every 5 s, a process sandbox's freeze
        # after an invocation): the one that meets the fault skips one turn.
        self._start("timer")
        self.arm()
        if len(self.canaries) > 1:
            self.assertEqual(self.invoke_ok(self.canaries[1], {"n": 9}), {"canary": 9})
        self.assertGoesOn()

    def test_runtime_api_handler(self):
        self._start("runtime-api")
        if not process_tier_available(self.server):
            raise unittest.SkipTest("no process tier for nodejs on this host")
        name = self.invoke_fn(PROCESS)
        self.arm()
        # The runtime's POST of the result gets a 500; the runtime gives up and exits, and the
        # invocation fails as a crashed runtime does.
        r = self.invoke(name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        self.assertEqual(r.json().get("errorType"), "Runtime.ExitError", r)
        self.assertGoesOn()
        self.assertEqual(self.invoke_ok(name), {"ok": True})  # a fresh process serves it


if __name__ == "__main__":
    main()
