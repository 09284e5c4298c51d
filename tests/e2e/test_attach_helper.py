#!/usr/bin/env python3
"""The attach helper: the one long-lived `stratus-jail attach` process that mounts a claimed
function's code into a prewarmed jail (sandbox/attach_helper.h). Killed with SIGKILL while the
server runs, it is replaced, and the cold starts after it still work, pooled python and pooled
custom runtimes alike; a claim that was waiting on the killed helper fails as a failed
environment (Runtime.ExitError) instead of hanging; and it goes when the server stops.

Skipped as a whole without the process tier (root, namespaces); the custom runtime part skips
without a C compiler.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_process_runtimes as runtimes  # noqa: E402
from harness import StratusServer, descendants, main, make_zip  # noqa: E402

PY_HANDLER = "def handler(event, context):\n    return {'pid_ok': True, 'event': event}\n"


def is_attach_helper(pid):
    """Whether `pid` runs `.../stratus-jail attach`."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return len(argv) >= 2 and argv[0].endswith(b"/stratus-jail") and argv[1] == b"attach"


def attach_helpers(server_pid):
    """PIDs of the server's attach helpers."""
    return sorted(pid for pid in descendants(server_pid) if is_attach_helper(pid))


def prewarmed_pythons(server_pid):
    """PIDs of the server's python runtimes still waiting in the pool (STRATUS_PREWARM=1)."""
    found = []
    for pid in descendants(server_pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv0 = f.read().split(b"\0")[0]
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if b"python" in os.path.basename(argv0) and b"STRATUS_PREWARM=1" in env:
            found.append(pid)
    return found


def wait_until(predicate, seconds=10.0, step=0.05):
    deadline = time.time() + seconds
    for _ in range(int(seconds / step) + 1):
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(step)
    return predicate()


class AttachHelperTest(runtimes.ProcessTierCase):
    server_args = ("--prewarm-processes", "2")

    def one_helper(self, not_pid=None):
        """The server's one attach helper (other than `not_pid`), waited for."""
        helpers = wait_until(lambda: [p for p in attach_helpers(self.server.pid) if p != not_pid])
        self.assertEqual(len(helpers), 1, helpers)
        return helpers[0]

    def python_function(self):
        name, _, _ = self.create_function(runtime="python3.12", handler="app.handler", Timeout=10,
                                          files={"app.py": PY_HANDLER})
        return name

    def assert_pooled_cold_start_works(self, name, payload):
        r = self.invoke(name, payload)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, (r, r.log))
        self.assertCold(r)
        return r

    def test_killed_helper_is_replaced_and_cold_starts_still_work(self):
        first = self.one_helper()
        names = [self.python_function() for _ in range(3)]
        self.assert_pooled_cold_start_works(names[0], {"n": 0})
        os.kill(first, signal.SIGKILL)
        second = self.one_helper(not_pid=first)
        self.assertNotEqual(second, first)
        for i, name in enumerate(names[1:], 1):
            r = self.assert_pooled_cold_start_works(name, {"n": i})
            self.assertEqual(r.json(), {"pid_ok": True, "event": {"n": i}})
        # The same process served every claim after the restart: no fork per claim.
        self.assertEqual(attach_helpers(self.server.pid), [second])
        self.assertTrue(self.server.alive())

    def test_claim_waiting_on_a_killed_helper_fails_then_the_next_works(self):
        helper = self.one_helper()
        name, retry = self.python_function(), self.python_function()
        # A pooled python process that has had time to ask for its claim (so this start is a
        # claim, not an unpooled start; if not, the other outcome is checked below).
        self.assertTrue(wait_until(lambda: len(prewarmed_pythons(self.server.pid)) >= 2))
        time.sleep(1.0)
        # Stopped, the helper cannot answer: the claim waits on it until the kill.
        os.kill(helper, signal.SIGSTOP)
        answered = {}

        def invoke():
            answered["r"] = self.invoke(name, {"waiting": True})

        t = threading.Thread(target=invoke)
        t.start()
        try:
            time.sleep(1.0)  # let the claim reach the stopped helper (either outcome is checked)
        finally:
            os.kill(helper, signal.SIGKILL)
        t.join(30)
        self.assertFalse(t.is_alive(), "the invoke hung after the helper died")
        r = answered["r"]
        self.assertEqual(r.status, 200, r)
        if r.function_error is not None:
            # The claim was on the killed helper: a failed environment, said in its log.
            self.assertEqual(r.json().get("errorType"), "Runtime.ExitError", r.json())
            self.assertIn("attach helper exited", r.log)
        else:
            log_line = "the claim reached the replacement helper (the kill came first)"
            runtimes.log(log_line)
        self.one_helper(not_pid=helper)
        self.assert_pooled_cold_start_works(retry, {"after": True})
        # And the function whose claim failed gets a fresh environment on its next invoke.
        r = self.invoke(name, {"again": True})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, (r, r.log))
        self.assertTrue(self.server.alive())

    def test_custom_runtime_cold_starts_after_a_kill(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            runtimes.skip("no C compiler (cc) on the host")
        tmp = tempfile.mkdtemp(prefix="stratus-e2e-attach-")
        self.addCleanup(shutil.rmtree, tmp, True)
        src, exe = os.path.join(tmp, "bootstrap.c"), os.path.join(tmp, "bootstrap")
        with open(src, "w") as f:
            f.write(runtimes.C_BOOTSTRAP)
        proc = subprocess.run([cc, "-O1", "-o", exe, src], capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace"))
        with open(exe, "rb") as f:
            binary = f.read()
        helper = self.one_helper()
        os.kill(helper, signal.SIGKILL)
        self.one_helper(not_pid=helper)
        for i in range(2):
            name, _, _ = self.create_function(
                runtime=runtimes.PROVIDED, handler="unused.handler", Timeout=10,
                zip_bytes=make_zip({"bootstrap": binary}, executables=["bootstrap"]))
            payload = ('{"c": %d}' % i).encode()
            r = self.invoke(name, raw_payload=payload)
            self.assertEqual(r.status, 200, (r, r.log))
            self.assertEqual(r.body, payload)
            self.assertCold(r)


class AttachHelperStopsWithTheServerTest(unittest.TestCase):
    """A server of its own, stopped by the test (the shared one must stay up)."""

    def setUp(self):
        ok, why = runtimes.process_tier_available()
        if not ok:
            runtimes.skip(why)

    def test_helper_goes_when_the_server_stops(self):
        server = StratusServer(extra_args=("--prewarm-processes", "1"))
        self.addCleanup(server.cleanup)
        server.start()
        helpers = wait_until(lambda: attach_helpers(server.pid))
        self.assertEqual(len(helpers), 1, helpers)
        self.assertEqual(server.stop(), 0)
        self.assertTrue(wait_until(lambda: not is_attach_helper(helpers[0]), seconds=5),
                        "attach helper %d outlived the server" % helpers[0])


if __name__ == "__main__":
    main()
