#include "sandbox/isolate_host_cgroup.h"

#include <string>

namespace stratus::sandbox {

Result<std::unique_ptr<SandboxCgroup>> cgroupForHost(CgroupTree& tree, pid_t pid) {
  CgroupLimits limits;
  limits.memory_mb = 0;
  limits.pids_max = 0;
  auto made = tree.createChild("ih-" + std::to_string(pid), limits);
  if (!made.ok()) return made;
  std::unique_ptr<SandboxCgroup> group = std::move(made).value();
  if (Status moved = group->attach(pid); !moved.ok()) return moved.error();
  return group;
}

}  // namespace stratus::sandbox
