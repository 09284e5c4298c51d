// A sandbox running a function's runtime as a jailed process tree (sandbox/jail): the host's
// node or python3 with our runtime client, or a custom runtime's bootstrap, speaking the Runtime
// API (runtime/rapi) that this sandbox serves on 127.0.0.1. One process per sandbox, started on
// the first invoke (a cold start) or by prestart(); its stdout and stderr are the function's
// log. A timeout, an out-of-memory kill or any exit ends the process tree (its pid namespace)
// and condemns the sandbox; the scheduler never reuses it.
//
// The process, its pipes and its Runtime API outlive this object when it is dropped mid-way:
// they live in a Core that frees itself once the process is gone. Loop thread only.
#pragma once

#include <memory>

#include "runtime/base/loop.h"
#include "sandbox/process_tier.h"
#include "sandbox/sandbox.h"

namespace stratus::sandbox {

class ProcessSandbox : public Sandbox {
 public:
  ProcessSandbox(Loop& loop, ProcessTier& tier, SandboxSpec spec);
  ~ProcessSandbox() override;

  void invoke(InvokeRequest request, InvokeCallback done) override;
  void prestart(PrestartCallback done) override;
  uint64_t footprintMb() const override;
  SandboxState state() const override;
  const char* tier() const override { return "process"; }
  void condemn() override;
  const SandboxSpec& spec() const override;

  // Prewarm (process_pool.h): starts the runtime in a generic jail for `spec`'s kind, before
  // any function is known ("" or why it could not start); claimable() once it waits for a
  // function; claimFor() hands it one, whose code is mounted in on the first invoke or prestart.
  std::string startGeneric();
  bool claimable() const;
  void claimFor(SandboxSpec spec);

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

class ProcessPool;

// Takes a prewarmed sandbox from `pool` (may be null) when one fits, else makes a new one.
class ProcessSandboxFactory : public SandboxFactory {
 public:
  ProcessSandboxFactory(Loop& loop, ProcessTier& tier, ProcessPool* pool = nullptr)
      : loop_(loop), tier_(tier), pool_(pool) {}
  std::unique_ptr<Sandbox> create(SandboxSpec spec) override;
  uint64_t heldMb() const override;

 private:
  Loop& loop_;
  ProcessTier& tier_;
  ProcessPool* pool_;
};

}  // namespace stratus::sandbox
