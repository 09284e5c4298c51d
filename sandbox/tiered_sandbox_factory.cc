#include "sandbox/tiered_sandbox_factory.h"

#include <nlohmann/json.hpp>

#include "sandbox/extension_files.h"
#include "sandbox/runtime_command.h"

namespace stratus::sandbox {

namespace {

// What runs a python or custom-runtime function on a server without process sandboxes: every
// invoke fails as a failed environment, saying why (the server's start-up warning has details).
class UnavailableSandbox : public Sandbox {
 public:
  explicit UnavailableSandbox(SandboxSpec spec) : spec_(std::move(spec)) {}
  void invoke(InvokeRequest request, InvokeCallback done) override {
    InvokeResult r;
    r.outcome = InvokeOutcome::kInitError;
    r.error_type = "Runtime.ExitError";
    r.payload = nlohmann::json{{"errorType", r.error_type},
                               {"errorMessage", "RequestId: " + request.request_id +
                                                    " Error: this server cannot run " + spec_.runtime +
                                                    " functions: process sandboxes are unavailable "
                                                    "here (see the server's start-up warning)"}}
                    .dump();
    r.log_text = "START RequestId: " + request.request_id + " Version: " + spec_.version + "\n";
    done(std::move(r));
  }
  void prestart(PrestartCallback done) override { done("Runtime.ExitError"); }
  uint64_t footprintMb() const override { return 0; }
  SandboxState state() const override { return SandboxState::kCondemned; }
  void condemn() override {}
  const SandboxSpec& spec() const override { return spec_; }

 private:
  SandboxSpec spec_;
};

}  // namespace

NodeTier tierFor(const SandboxSpec& spec, NodeTier node_default) {
  if (runtimeFamily(spec.runtime) != RuntimeFamily::kNode) return NodeTier::kProcess;
  // Isolates cannot start executables: a function whose layers bring extensions runs where
  // its extensions do, whatever tier it asked for.
  if (!externalExtensions(spec.opt_root).empty()) return NodeTier::kProcess;
  auto chosen = spec.environment.find(kTierVariable);
  if (chosen != spec.environment.end()) {
    if (chosen->second == "isolate") return NodeTier::kIsolate;
    if (chosen->second == "process") return NodeTier::kProcess;
  }
  return node_default;
}

std::unique_ptr<Sandbox> TieredSandboxFactory::create(SandboxSpec spec) {
  bool node = runtimeFamily(spec.runtime) == RuntimeFamily::kNode;
  if (node && (tierFor(spec, node_default_) == NodeTier::kIsolate || !process_)) {
    return isolates_.create(std::move(spec));
  }
  if (!process_) return std::make_unique<UnavailableSandbox>(std::move(spec));
  return process_->create(std::move(spec));
}

}  // namespace stratus::sandbox
