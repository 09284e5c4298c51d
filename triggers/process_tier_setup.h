// Sets up the process tier at server start: finds the jail helper, the runtime clients and the
// host interpreters (printing which interpreter serves which runtime, with its version), makes
// the cgroup tree that bounds every sandbox's memory, and says plainly what the machine lacks.
// Startup only (it may block briefly: it runs `node --version`).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sandbox/process_tier.h"
#include "sandbox/tiered_sandbox_factory.h"

namespace stratus::triggers {

struct ProcessTierOptions {
  sandbox::NodeTier node_tier = sandbox::NodeTier::kProcess;
  // --runtime-binary NAME=PATH: NAME a family ("nodejs", "python") or one runtime ("nodejs22.x").
  std::map<std::string, std::string> binaries = {{"nodejs", "/usr/bin/node"},
                                                 {"python", "/usr/bin/python3"}};
};

// Null when process sandboxes cannot run here (the reason is logged): Node.js then runs in
// isolates only.
std::unique_ptr<sandbox::ProcessTier> setUpProcessTier(const ProcessTierOptions& options,
                                                       const std::string& data_dir,
                                                       uint64_t budget_mb, const char* argv0);

}  // namespace stratus::triggers
