#include "sandbox/process_tier.h"

#include "sandbox/attach_helper.h"
#include "sandbox/cgroup.h"

namespace stratus::sandbox {

ProcessTier::ProcessTier(ProcessTierConfig config, std::unique_ptr<CgroupTree> cgroups)
    : config_(std::move(config)), cgroups_(std::move(cgroups)) {}

ProcessTier::~ProcessTier() = default;

void ProcessTier::killAllSandboxes() {
  if (attach_helper_) attach_helper_->stop();
  cgroups_.reset();
}

AttachHelper& ProcessTier::attachHelper(Loop& loop) {
  if (!attach_helper_) {
    attach_helper_ = std::make_unique<AttachHelper>(loop, config_.jail_binary);
    attach_helper_->start();
  }
  return *attach_helper_;
}

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
