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
  // Not in the cpu controller (v1): the host runs the isolate tier's JavaScript, which ran on
  // the server's own CPU share when isolates lived in the server, and must keep it. In the tree's
  // cpu cgroup every host (and every process sandbox) together would weigh as much as one of
  // the server's threads on a busy machine (measured: warm req/s at 32 clients tracked the
  // machine's load, not the work).
  if (Status moved = group->attach(pid, "cpu"); !moved.ok()) return moved.error();
  return group;
}

}  // namespace stratus::sandbox
