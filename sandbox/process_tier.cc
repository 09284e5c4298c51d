#include "sandbox/process_tier.h"

#include "sandbox/cgroup.h"

namespace stratus::sandbox {

ProcessTier::ProcessTier(ProcessTierConfig config, std::unique_ptr<CgroupTree> cgroups)
    : config_(std::move(config)), cgroups_(std::move(cgroups)) {}

ProcessTier::~ProcessTier() = default;

void ProcessTier::killAllSandboxes() { cgroups_.reset(); }

uint32_t ProcessTier::takeUid() {
  if (taken_.size() >= config_.uid_count) return 0;
  // Round robin, so a uid just given back is not handed out again at once.
  for (uint32_t i = 0; i < config_.uid_count; ++i) {
    uint32_t uid = config_.uid_base + (next_++ % config_.uid_count);
    if (taken_.insert(uid).second) return uid;
  }
  return 0;
}

void ProcessTier::returnUid(uint32_t uid) { taken_.erase(uid); }

}  // namespace stratus::sandbox
