// Starts and watches the isolate hosts (stratus-isolate-host processes, isolate_host.h) that run
// the isolate tier outside the server.
//
// Topology (docs/isolate-hosts.md): hosts are keyed by memory size, `hosts_per_size` of them
// for each MemorySize in use (1 by default), started on first use, except the prewarmed size's
// (128 MB), which start with the server so their prewarm pool is ready. V8's process-wide limits
// (the largest WebAssembly memory) then follow the MemorySize of every isolate in the host, and
// sandboxes of one size spread over its hosts by count. Blast radius of a host's death: the
// invocations in flight on it fail (Runtime.ExitError, or Runtime.OutOfMemory for the sandbox
// V8 named), the warm sandboxes it held are condemned (their next invocation is a cold start on
// a new host); functions of other memory sizes, other hosts, process sandboxes and every
// connection are untouched.
//
// Restarts: a host that dies after it was ready is replaced at once (eagerly for the prewarmed
// size, else on the next invocation that needs it). A host that fails to start (spawn error, or
// exit before "ready") is retried with back-off (restart_backoff.h) and given up after a few
// failures in a row; invocations needing it then fail with Runtime.ExitError saying why, and the
// server logs it once. Each host sits in a cgroup of its own (ih-<pid>) in the hosts' cgroup tree
// (stratus-<pid>-isolate-hosts, beside the sandboxes' tree) when the machine has cgroups.
//
// Loop thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/loop.h"
#include "sandbox/isolate_host.h"
#include "sandbox/restart_backoff.h"

namespace stratus::sandbox {

class CgroupTree;

// What the isolate hosts' cgroup tree may hold beyond the server's memory budget: the hosts'
// own fixed cost (V8, its threads, the prewarm pool), a few tens of MB each.
inline constexpr uint64_t kIsolateHostsOverheadMb = 512;
// A host's own memory charged until it is first measured: about what one holds once V8 is up
// (measured 2026-12-03; docs/isolate-hosts.md).
inline constexpr uint64_t kIsolateHostEstimateMb = 16;
// How often the hosts' memory is measured (on libuv's thread pool, never on the loop).
inline constexpr uint64_t kIsolateHostMeasureMs = 1000;

struct IsolateSupervisorOptions {
  std::string binary;           // build/stratus-isolate-host
  size_t prewarm = 4;           // isolates each host of the prewarmed size keeps ready
  int prewarm_memory_mb = 128;
  size_t max_workers = 256;     // threads running JavaScript, per host
  int hosts_per_size = 1;
  // The tree hosts' cgroups go in (may be null: hosts then run without one). Its limit is the
  // hosts' together; a kernel OOM kill there ends a host, never the server.
  CgroupTree* cgroups = nullptr;
  RestartBackoffOptions backoff;
  std::vector<std::string> host_env;  // the hosts' whole environment
};

class IsolateHostSupervisor {
 public:
  IsolateHostSupervisor(Loop& loop, IsolateSupervisorOptions options);
  ~IsolateHostSupervisor();  // kills every host
  IsolateHostSupervisor(const IsolateHostSupervisor&) = delete;
  IsolateHostSupervisor& operator=(const IsolateHostSupervisor&) = delete;

  // Starts the prewarmed size's hosts (when prewarm > 0).
  void start();
  // A live host for `memory_mb` (starting one when allowed), or null with `error` saying why
  // none can serve (a host that failed to start and is backing off, or given up).
  std::shared_ptr<IsolateHost> hostFor(int memory_mb, std::string* error);
  std::vector<pid_t> hostPids() const;
  void killAll();

  // Memory the hosts hold beyond what their sandboxes report, charged to the memory budget
  // (SandboxFactory::heldMb): V8 and each host's threads, the prewarm pool, code caches,
  // isolates being disposed. Each live host's PSS as last measured (kIsolateHostEstimateMb
  // before its first measurement) less its sandboxes' footprints. Loop thread; cheap.
  uint64_t heldMb() const;

 private:
  struct Slot {
    explicit Slot(Loop& loop, int mb, RestartBackoffOptions b) : memory_mb(mb), backoff(b), retry(loop) {}
    int memory_mb;
    std::shared_ptr<IsolateHost> host;
    RestartBackoff backoff;
    Timer retry;
    bool eager = false;
    bool reported = false;  // the give-up was logged
  };
  std::vector<std::unique_ptr<Slot>>& slotsFor(int memory_mb);
  bool startSlot(Slot& slot);
  void onHostExit(Slot* slot, IsolateHost& host, bool was_ready);
  void scheduleRetry(Slot& slot);
  void measureSoon();

  bool measuring_ = false;  // a measurement is on the thread pool
  std::unique_ptr<Timer> measure_timer_;

  Loop& loop_;
  IsolateSupervisorOptions options_;
  std::map<int, std::vector<std::unique_ptr<Slot>>> slots_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace stratus::sandbox
