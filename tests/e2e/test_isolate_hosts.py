#!/usr/bin/env python3
"""The isolate tier runs outside the server (docs/isolate-hosts.md): hostile handlers on the
isolate tier (a V8 fatal out-of-memory, array growth, WebAssembly memory growth, process.exit,
a busy loop past its timeout) while a canary function's invocation is in flight. The server
stays up (the same PID answers), the attacker gets Lambda's answer, the canary's in-flight
invocation succeeds (it runs at another memory size, so on another host), and the attacker's
next invocation works on a fresh sandbox. Killing a host with SIGKILL fails only the
invocations in flight on it, and a new host serves the next one. A function's memory is
bounded by its MemorySize, WebAssembly memories included, and REPORT shows what it held."""
import os
import signal
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import StratusTestCase, main  # noqa: E402

# Waits event.ms, then answers; the canary and the same-host bystander.
SLEEPER = """
exports.handler = async (event) => {
  if (event.ms) await new Promise((r) => setTimeout(r, event.ms));
  return { ok: true, tag: event.tag };
};
"""

# Does what event.attack says; anything else is a plain answer.
ATTACKER = """
let calls = 0;
exports.handler = async (event) => {
  calls++;
  switch (event.attack) {
    case 'fill': new Array(5e7).fill(1); break;
    case 'push': { const a = []; for (;;) a.push(a.length); }
    case 'wasm-grow': {
      const m = new WebAssembly.Memory({ initial: 1 });
      let pages = 1;
      try { m.grow(65535); pages = 65536; } catch (e) {}
      for (let step = 1024; step >= 1; step >>= 1) {
        try { for (;;) { m.grow(step); pages += step; } } catch (e) {}
      }
      return { pages, bytes: m.buffer.byteLength };
    }
    case 'wasm-hold': {
      globalThis.held = new WebAssembly.Memory({ initial: event.pages });
      return { bytes: globalThis.held.buffer.byteLength };
    }
    case 'wasm-two': {
      globalThis.held = [new WebAssembly.Memory({ initial: 1600 }), new WebAssembly.Memory({ initial: 1600 })];
      return { held: 2 };
    }
    case 'exit': process.exit(3);
    case 'spin': for (;;) {}
  }
  return { calls };
};
"""

CANARY_MS = 2500
BYSTANDER_MS = 30000  # longer than V8's last-resort collections before a fatal OOM can take
HOST_BINARY = "stratus-isolate-host"


def children(pid):
    """The pids of `pid`'s direct children (every thread's)."""
    out = set()
    task_dir = "/proc/%d/task" % pid
    for tid in os.listdir(task_dir):
        try:
            with open("%s/%s/children" % (task_dir, tid)) as f:
                out.update(int(p) for p in f.read().split())
        except OSError:
            pass
    return out


def isolate_hosts(server_pid):
    """{pid: memory_mb} of the server's isolate hosts."""
    hosts = {}
    for pid in children(server_pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().decode().split("\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == HOST_BINARY and "--memory-mb" in argv:
            hosts[pid] = int(argv[argv.index("--memory-mb") + 1])
    return hosts


class IsolateHostsTest(StratusTestCase):
    server_args = ("--node-tier", "isolate", "--prewarm-processes", "0")

    def setUp(self):
        super().setUp()
        self.pid = self.server.pid
        self.canary, _, _ = self.create_function(source=SLEEPER, MemorySize=256, Timeout=30)
        self.assertEqual(self.invoke_ok(self.canary, {"tag": "warm"})["tag"], "warm")

    def tearDown(self):
        # Whatever happened, the server that answered is the one that started.
        self.assertEqual(self.server.pid, self.pid)
        super().tearDown()

    def attacker(self, memory=128, timeout=30):
        name, _, _ = self.create_function(source=ATTACKER, MemorySize=memory, Timeout=timeout)
        self.assertEqual(self.invoke_ok(name, {})["calls"], 1)
        return name

    def in_flight(self, name, payload, client=None):
        """Starts an invocation on a thread; returns a join() that gives its InvokeResult."""
        box = {}
        # The client is made here, not on the thread: making a boto3 client takes a few hundred
        # ms on a loaded machine, and the caller's sleep must cover the request, not that.
        client = client or self.server.client()

        def run():
            try:
                box["r"] = self.invoke(name, payload, client=client)
            except Exception as e:  # reported by join()
                box["e"] = e

        th = threading.Thread(target=run, daemon=True)
        th.start()

        def join():
            th.join(timeout=60)
            self.assertFalse(th.is_alive(), "the in-flight invocation never finished")
            if "e" in box:
                raise box["e"]
            return box["r"]
        return join

    def wait_for(self, predicate, what, tries=200, pause=0.05):
        for _ in range(tries):  # bounded: 10 s at most
            if predicate():
                return
            time.sleep(pause)
        self.fail("timed out waiting for " + what)

    def assertExited(self, r, error_type, why):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), error_type, body)
        self.assertEqual(body.get("errorMessage"),
                         "RequestId: %s Error: Runtime exited with error: %s" % (r.request_id, why),
                         body)
        m = r.report()
        self.assertIsNotNone(m, r.log)
        self.assertEqual(m.group("status"), "error", r.log)
        self.assertEqual(m.group("error_type"), error_type, r.log)

    def assertCanaryOk(self, join):
        r = join()
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json()["tag"], "in-flight")

    def assertFreshSandboxWorks(self, name):
        r = self.invoke(name, {})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json()["calls"], 1)  # a new environment
        self.assertIsNotNone(r.report().group("init"), r.log)  # a cold start
        self.assertTrue(self.server.healthy())

    def attack_with_canary(self, name, attack):
        canary = self.in_flight(self.canary, {"ms": CANARY_MS, "tag": "in-flight"})
        time.sleep(0.2)
        r = self.invoke(name, {"attack": attack})
        self.assertCanaryOk(canary)
        self.assertTrue(self.server.healthy())
        return r

    # -- attacks ------------------------------------------------------------------------------

    def test_fatal_out_of_memory_ends_at_most_its_host(self):
        name = self.attacker()
        r = self.attack_with_canary(name, "fill")
        # Whether V8 stops it at the heap limit or dies of it, Lambda's answer is the same.
        self.assertExited(r, "Runtime.OutOfMemory", "signal: killed")
        self.assertFreshSandboxWorks(name)

    def test_array_growth_is_out_of_memory(self):
        name = self.attacker()
        r = self.attack_with_canary(name, "push")
        self.assertExited(r, "Runtime.OutOfMemory", "signal: killed")
        self.assertFreshSandboxWorks(name)

    def test_process_exit_is_a_runtime_exit(self):
        name = self.attacker()
        r = self.attack_with_canary(name, "exit")
        self.assertExited(r, "Runtime.ExitError", "exit status 3")
        self.assertFreshSandboxWorks(name)

    def test_busy_loop_past_its_timeout(self):
        name = self.attacker(timeout=1)
        r = self.attack_with_canary(name, "spin")
        self.assertEqual(r.function_error, "Unhandled", r)
        body = r.json()
        self.assertEqual(body.get("errorType"), "Sandbox.Timedout", body)
        self.assertEqual(body.get("errorMessage"),
                         "RequestId: %s Error: Task timed out after 1.00 seconds" % r.request_id)
        self.assertEqual(r.report().group("status"), "timeout", r.log)
        self.assertFreshSandboxWorks(name)

    def test_webassembly_memory_cannot_grow_past_memory_size(self):
        name = self.attacker()
        r = self.attack_with_canary(name, "wasm-grow")
        self.assertEqual(r.status, 200, r)
        # No grow past MemorySize succeeds (4 GB is refused at once, then step by step): the
        # handler sees its memory stop at 128 MB at most. A memory that big with the heap
        # beside it no longer fits the function, which then ends as Lambda's OOM kill does.
        if r.function_error is None:
            grown = r.json()
            self.assertLessEqual(grown["bytes"], 128 << 20, grown)
            self.assertLess(grown["pages"], 65536, grown)
        else:
            self.assertExited(r, "Runtime.OutOfMemory", "signal: killed")
        self.assertLess(int(r.report().group("max_used")), 256, r.log)
        self.assertTrue(self.server.healthy())

    def test_report_counts_webassembly_memory(self):
        name = self.attacker()
        r = self.invoke(name, {"attack": "wasm-hold", "pages": 1600})  # 100 MB
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json()["bytes"], 1600 << 16)
        self.assertGreaterEqual(int(r.report().group("max_used")), 100, r.log)

    def test_webassembly_memories_together_past_memory_size_are_out_of_memory(self):
        name = self.attacker()
        r = self.invoke(name, {"attack": "wasm-two"})  # 2 x 100 MB at 128 MB
        self.assertExited(r, "Runtime.OutOfMemory", "signal: killed")
        self.assertFreshSandboxWorks(name)

    # -- the blast radius of one host ---------------------------------------------------------

    def test_killed_host_fails_only_its_in_flight_invocations(self):
        victim, _, _ = self.create_function(source=SLEEPER, MemorySize=128, Timeout=30)
        self.assertTrue(self.invoke_ok(victim, {"tag": "warm"})["ok"])
        hosts = isolate_hosts(self.pid)
        small = [p for p, mb in hosts.items() if mb == 128]
        self.assertEqual(len(small), 1, hosts)
        self.assertIn(256, hosts.values(), hosts)

        canary = self.in_flight(self.canary, {"ms": CANARY_MS, "tag": "in-flight"})
        doomed = self.in_flight(victim, {"ms": CANARY_MS, "tag": "doomed"})
        time.sleep(0.5)
        os.kill(small[0], signal.SIGKILL)
        self.assertExited(doomed(), "Runtime.ExitError", "signal: killed")
        self.assertCanaryOk(canary)
        self.assertTrue(self.server.healthy())
        # The 128 MB host is replaced (it keeps the prewarm pool), and the victim's next
        # invocation is a cold start in it.
        self.wait_for(lambda: any(mb == 128 and p != small[0]
                                  for p, mb in isolate_hosts(self.pid).items()),
                      "a new 128 MB host")
        r = self.invoke(victim, {"tag": "again"})
        self.assertIsNone(r.function_error, r)
        self.assertEqual(r.json()["tag"], "again")
        self.assertIsNotNone(r.report().group("init"), r.log)
        # The other host was never touched.
        self.assertIn([p for p, mb in hosts.items() if mb == 256][0], isolate_hosts(self.pid))

    def test_same_host_bystander_follows_the_documented_blast_radius(self):
        # docs/isolate-hosts.md: a host's death fails every invocation in flight on it. A
        # bystander of the attacker's memory size, in flight for longer than the attack can
        # take, fails exactly when the attacker's host died (V8 may instead stop the attacker
        # at its heap limit, and the host lives on).
        bystander, _, _ = self.create_function(source=SLEEPER, MemorySize=128, Timeout=60)
        self.assertTrue(self.invoke_ok(bystander, {"tag": "warm"})["ok"])
        name = self.attacker()
        before = [p for p, mb in isolate_hosts(self.pid).items() if mb == 128]
        self.assertEqual(len(before), 1)
        waiting = self.in_flight(bystander, {"ms": BYSTANDER_MS, "tag": "bystander"})
        time.sleep(0.2)
        r = self.invoke(name, {"attack": "fill"})
        self.assertExited(r, "Runtime.OutOfMemory", "signal: killed")
        host_died = not alive(before[0])
        b = waiting()
        if host_died:
            self.assertEqual(b.function_error, "Unhandled", b)
            self.assertEqual(b.json().get("errorType"), "Runtime.ExitError", b)
            self.assertRegex(b.json().get("errorMessage"),
                             r"^RequestId: \S+ Error: Runtime exited with error: signal: [\w/ ]+$")
        else:
            self.assertIsNone(b.function_error, b)
            self.assertEqual(b.json()["tag"], "bystander")
        self.assertFreshSandboxWorks(name)


def alive(pid):
    """Whether `pid` runs (a zombie does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


if __name__ == "__main__":
    main()
