// Chooses the tier a function runs in. Python and custom runtimes always run as jailed
// processes; Node.js runs there too by default, or in a V8 isolate (the opt-in fast tier) when
// the function's STRATUS_TIER variable or the server's default says "isolate". The server wires
// the isolate tier to IsolateHostSandboxFactory: isolates live in supervised host processes
// (docs/isolate-hosts.md), never in the server. Loop thread only.
#pragma once

#include <string>

#include "sandbox/sandbox.h"

namespace stratus::sandbox {

enum class NodeTier { kProcess, kIsolate };

// The function variable that picks the tier: "process" or "isolate".
inline constexpr const char* kTierVariable = "STRATUS_TIER";

// Which tier runs `spec` (pure): kIsolate only for Node.js.
NodeTier tierFor(const SandboxSpec& spec, NodeTier node_default);

class TieredSandboxFactory : public SandboxFactory {
 public:
  // `process` may be null when the machine cannot run process sandboxes: Node.js then runs in
  // isolates, and invokes of other runtimes fail as a failed environment, saying why.
  TieredSandboxFactory(SandboxFactory& isolates, SandboxFactory* process, NodeTier node_default)
      : isolates_(isolates), process_(process), node_default_(node_default) {}
  std::unique_ptr<Sandbox> create(SandboxSpec spec) override;
  uint64_t heldMb() const override {
    return isolates_.heldMb() + (process_ ? process_->heldMb() : 0);
  }
  std::map<std::string, size_t> readyByKind() const override {
    std::map<std::string, size_t> out = process_ ? process_->readyByKind() : std::map<std::string, size_t>{};
    for (const auto& [kind, n] : isolates_.readyByKind()) out[kind] += n;
    return out;
  }

 private:
  SandboxFactory& isolates_;
  SandboxFactory* process_;
  NodeTier node_default_;
};

}  // namespace stratus::sandbox
