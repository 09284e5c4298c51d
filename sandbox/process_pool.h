// Prewarmed process runtimes: node and python runtime clients started in generic jails ahead
// of demand, so that a cold start only mounts the function's code into a running process and
// sends its environment (ProcessSandbox::claimFor), then times the handler's own init. Node
// processes are sized for one memory size (V8's heap flags are fixed at start); python ones
// serve any, and so do custom runtimes (a stand-in that execs the function's bootstrap once
// claimed, sandbox/custom_standin: memory is a cgroup limit, set at the claim); a function setting a variable read at process start (NODE_OPTIONS, LD_*...) gets
// a process of its own. A taken process is replaced shortly after, off the claimed start's path.
// Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "runtime/base/loop.h"
#include "sandbox/process_sandbox.h"

namespace stratus::sandbox {

struct ProcessPoolOptions {
  int node = 2;             // node processes kept ready
  int python = 2;           // python processes kept ready
  int custom = 2;           // custom runtime stand-ins kept ready (any memory size)
  int node_memory_mb = 128;  // the memory size node processes are started for
  uint64_t refill_delay_ms = 20;
};

class ProcessPool {
 public:
  ProcessPool(Loop& loop, ProcessTier& tier, ProcessPoolOptions options);
  ~ProcessPool();
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  // Starts filling the pool.
  void start();
  // A ready process claimed for `spec`, or null when none fits (another runtime family, a
  // different memory size for node, a /tmp size other than the default).
  std::unique_ptr<ProcessSandbox> take(const SandboxSpec& spec);
  size_t readyCount() const;
  // The same by kind: "node", "python", "custom".
  std::map<std::string, size_t> readyByKind() const;
  // Memory the pooled processes hold, as last measured (charged against the host budget).
  uint64_t heldMb() const;

 private:
  struct Kind {
    RuntimeFamily family;
    int wanted = 0;
    SandboxSpec generic;  // what a process of this kind is started as
    std::vector<std::unique_ptr<ProcessSandbox>> members;
  };
  Kind* kindFor(const SandboxSpec& spec);
  void refill();
  void refillSoon();

  Loop& loop_;
  ProcessTier& tier_;
  ProcessPoolOptions options_;
  std::vector<Kind> kinds_;
  Timer timer_;
  bool refill_armed_ = false;
};

}  // namespace stratus::sandbox
