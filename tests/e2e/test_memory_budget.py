#!/usr/bin/env python3
"""The host memory budget bounds memory (issue 8): with --memory-budget-mb 512, a burst of 8
concurrent 128 MB invocations that each really use most of their 128 MB runs as many as fit
(a running sandbox is charged its MemorySize, an idle one its footprint, plus the factory's
prewarm pools) and answers the rest 429; the whole process tree of the server (the server,
its jails and runtimes) never holds more than the budget plus a fixed overhead: the server's
own memory (its own process) as measured before the burst, and OVERHEAD_MB for what the
budget does not charge exactly (jail helpers, the page cache a runtime's cgroup is charged for
beyond its RSS, memory freed but not yet returned by exiting processes). Once the burst is over
every function runs again. On the process tier (the default) and on the isolate tier, where the
isolate hosts' own memory (V8, the prewarm pool; one host per memory size in use) is charged
too: IsolateHostsChargedTest first brings up hosts for twenty more memory sizes (about 10 MB of
PSS each), and the burst then runs only as many 128 MB invocations as fit beside them.

Memory is each process's PSS (smaps_rollup: shared pages split between the processes that map
them), so that the node binary's text mapped by every runtime counts once, as the kernel's
cgroup accounting counts it, not once per process as VmRSS would."""
import json
import os
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import StratusTestCase, descendants, log, main, make_zip  # noqa: E402
from test_concurrency import Raw, invoke_path, run_parallel  # noqa: E402

BUDGET_MB = 512
BURST = 8
OVERHEAD_MB = 64
HOST_SLACK_MB = 24
SAMPLE_EVERY_S = 0.02
SAMPLE_LIMIT = 3000  # 60 s of samples at most

# Holds about 64 MB for `ms` milliseconds when asked to, touching every page, then answers
# (node's own ~45 MB and this stay clear of the 128 MB limit; a warm sandbox may still hold the
# last call's buffers until V8 collects them, so only the burst allocates).
HOG = """
exports.handler = async (event) => {
  if (!event.hold) return { held: 0 };  // a plain call after the burst: nothing to hold
  const held = Buffer.alloc(48 * 1024 * 1024, 1);
  const doubles = new Float64Array(2 * 1024 * 1024).fill(1.5);  // and 16 MB more
  await new Promise((r) => setTimeout(r, event.ms || 1000));
  return { held: held.length + doubles.length * 8 };
};
"""


def pss_kb(pid):
    with open("/proc/%s/smaps_rollup" % pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("Pss:"))


def own_pss_mb(pid):
    return pss_kb(pid) / 1024.0


def isolate_hosts_pss_mb(root_pid):
    """PSS of the server's isolate hosts, in MB."""
    total = 0
    for pid in descendants(root_pid):
        try:
            with open("/proc/%d/comm" % pid) as f:
                if not f.read().startswith("stratus-isolate"):
                    continue
            total += pss_kb(pid)
        except (OSError, StopIteration, ValueError):
            pass
    return total / 1024.0


def tree_pss_mb(root_pid):
    """PSS of root_pid and all its descendants, in MB (jailed runtimes included: they are
    the server's descendants in the host's pid namespace)."""
    total = 0
    for pid in [root_pid] + descendants(root_pid):
        try:
            total += pss_kb(pid)
        except (OSError, StopIteration, ValueError):
            pass  # gone meanwhile
    return total / 1024.0


class Sampler:
    """Samples the server tree's PSS on a thread until stopped; keeps the peak."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set() and self.samples < SAMPLE_LIMIT:
            self.peak = max(self.peak, tree_pss_mb(self.pid))
            self.samples += 1
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


class BudgetBoundsMemory:
    # Memory sizes whose isolate hosts are brought up (one small call each) before the burst.
    extra_host_sizes = ()

    def test_a_burst_stays_within_the_budget(self):
        for mb in self.extra_host_sizes:
            name, _, _ = self.create_function(zip_bytes=make_zip({"index.js": HOG}),
                                              MemorySize=mb)
            r = self.invoke(name, {})
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.function_error, r)
        names = []
        for _ in range(BURST):
            name, _, _ = self.create_function(
                zip_bytes=make_zip({"index.js": HOG}), MemorySize=128, Timeout=30)
            names.append(name)
        # Let the prewarm pool settle (and the hosts' memory be measured, every second), then
        # measure the server's own memory at rest.
        time.sleep(1.5)
        idle_mb = tree_pss_mb(self.server.pid)
        server_mb = own_pss_mb(self.server.pid)
        hosts_mb = isolate_hosts_pss_mb(self.server.pid)
        with Sampler(self.server.pid) as sampler:
            results = run_parallel(
                lambda i, raw: raw.post(invoke_path(names[i]), body=b'{"ms": 1500, "hold": true}'), BURST,
                prepare=lambda i: Raw(self.server.port))
        statuses = []
        for r in results:
            self.assertIsInstance(r, tuple, results)
            status, headers, body = r
            statuses.append(status)
            if status == 200:
                self.assertNotIn("x-amz-function-error", headers, body)
                self.assertEqual(json.loads(body), {"held": (48 + 16) * 1024 * 1024})
            else:
                self.assertEqual(status, 429, (status, headers, body))
                self.assertEqual(json.loads(body)["Reason"], "ConcurrentInvocationLimitExceeded")
        log("%s: statuses %s; tree PSS idle %.0f MB (server %.0f), peak %.0f MB (%d samples), "
            "budget %d MB" % (type(self).__name__, sorted(statuses), idle_mb, server_mb,
                              sampler.peak, sampler.samples, BUDGET_MB))
        self.assertIn(200, statuses)
        self.assertIn(429, statuses)  # 8 x 128 MB cannot all run in 512
        if self.extra_host_sizes:
            # The hosts' memory is charged: only what fits beside it runs (HOST_SLACK_MB for
            # measurements a moment apart and the footprints of the burst's own sandboxes).
            fits = int((BUDGET_MB - hosts_mb + HOST_SLACK_MB) // 128)
            log("isolate hosts %.0f MB: at most %d of the burst fit" % (hosts_mb, fits))
            self.assertLessEqual(statuses.count(200), fits)
        self.assertLessEqual(sampler.peak, BUDGET_MB + server_mb + OVERHEAD_MB)
        # Nothing is lost: each function runs once the burst is over.
        for name in names:
            r = self.invoke(name, {"ms": 1})
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.function_error, r)
        self.assertTrue(self.server.healthy())


class ProcessTierBudgetTest(BudgetBoundsMemory, StratusTestCase):
    server_args = ("--memory-budget-mb", str(BUDGET_MB))


class IsolateTierBudgetTest(BudgetBoundsMemory, StratusTestCase):
    server_args = ("--memory-budget-mb", str(BUDGET_MB), "--node-tier", "isolate")


class IsolateHostsChargedTest(BudgetBoundsMemory, StratusTestCase):
    # No process pool: what the budget holds besides the burst is the isolate hosts alone.
    server_args = ("--memory-budget-mb", str(BUDGET_MB), "--node-tier", "isolate",
                   "--prewarm-processes", "0")
    # Small sizes: each call is charged its MemorySize on top of the hosts already up.
    extra_host_sizes = tuple(range(130, 170, 2))


if __name__ == "__main__":
    main()
