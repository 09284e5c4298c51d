#include "sandbox/tiered_sandbox_factory.h"

#include "sandbox/runtime_command.h"

namespace stratus::sandbox {

NodeTier tierFor(const SandboxSpec& spec, NodeTier node_default) {
  if (runtimeFamily(spec.runtime) != RuntimeFamily::kNode) return NodeTier::kProcess;
  auto chosen = spec.environment.find(kTierVariable);
  if (chosen != spec.environment.end()) {
    if (chosen->second == "isolate") return NodeTier::kIsolate;
    if (chosen->second == "process") return NodeTier::kProcess;
  }
  return node_default;
}

std::unique_ptr<Sandbox> TieredSandboxFactory::create(SandboxSpec spec) {
  if (tierFor(spec, node_default_) == NodeTier::kIsolate || !process_) {
    return isolates_.create(std::move(spec));
  }
  return process_->create(std::move(spec));
}

}  // namespace stratus::sandbox
