// A sandbox running a Node.js handler in its own V8 isolate (runtime/js). The isolate is
// claimed from the prewarm pool (or created) and initialised on the first invoke (a cold start)
// or by prestart(); JavaScript runs on the WorkerPool, never on the loop; results come back to
// the loop via Loop::post, and the worker then does the call's deferred housekeeping (code
// caches) while the response goes out. Isolates are disposed on the isolate pool's disposal
// thread, wherever the sandbox's last reference goes (runtime/js/isolate_pool.h).
// Loop thread only.
#pragma once

#include <memory>

#include "runtime/base/loop.h"
#include "runtime/base/worker_pool.h"
#include "sandbox/sandbox.h"

namespace stratus::sandbox {

class IsolateSandbox : public Sandbox {
 public:
  IsolateSandbox(Loop& loop, WorkerPool& workers, SandboxSpec spec);
  ~IsolateSandbox() override;

  void invoke(InvokeRequest request, InvokeCallback done) override;
  void prestart(PrestartCallback done) override;
  uint64_t footprintMb() const override;
  SandboxState state() const override;
  const char* tier() const override { return "isolate"; }
  void condemn() override;
  const SandboxSpec& spec() const override;

  struct Core;  // shared with work in flight on the worker pool

 private:
  Loop& loop_;
  WorkerPool& workers_;
  std::shared_ptr<Core> core_;
};

class IsolateSandboxFactory : public SandboxFactory {
 public:
  IsolateSandboxFactory(Loop& loop, WorkerPool& workers) : loop_(loop), workers_(workers) {}
  std::unique_ptr<Sandbox> create(SandboxSpec spec) override;

 private:
  Loop& loop_;
  WorkerPool& workers_;
};

}  // namespace stratus::sandbox
