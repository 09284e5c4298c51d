// A sandbox of the isolate tier whose V8 isolate lives in an isolate host process
// (isolate_host.h), not in the server: the server keeps the spec, the sandbox's state and its
// log stream, and composes the answer (isolate_result.h) from what the host sends back. The
// host is chosen on the first invoke or prestart (by memory size, isolate_host_supervisor.h) and
// kept for the sandbox's life; when that host dies the sandbox is condemned, and an invocation
// in flight on it answers as Lambda answers a crashed runtime. Loop thread only.
#pragma once

#include <memory>

#include "sandbox/isolate_host_supervisor.h"
#include "sandbox/sandbox.h"

namespace stratus::sandbox {

class IsolateHostSandbox : public Sandbox {
 public:
  IsolateHostSandbox(IsolateHostSupervisor& hosts, SandboxSpec spec);
  ~IsolateHostSandbox() override;

  void invoke(InvokeRequest request, InvokeCallback done) override;
  void prestart(PrestartCallback done) override;
  uint64_t footprintMb() const override;
  SandboxState state() const override;
  const char* tier() const override { return "isolate"; }
  void condemn() override;
  const SandboxSpec& spec() const override;

  struct Core;  // shared with the host's pending answer

 private:
  std::shared_ptr<Core> core_;
};

class IsolateHostSandboxFactory : public SandboxFactory {
 public:
  explicit IsolateHostSandboxFactory(IsolateHostSupervisor& hosts) : hosts_(hosts) {}
  std::unique_ptr<Sandbox> create(SandboxSpec spec) override;
  // The isolate hosts' own memory (IsolateHostSupervisor::heldMb()).
  uint64_t heldMb() const override;

 private:
  IsolateHostSupervisor& hosts_;
};

}  // namespace stratus::sandbox
