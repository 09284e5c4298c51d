// Puts an isolate host into a memory cgroup of its own inside the server's sandbox tree
// (sandbox/cgroup.h), so that a kernel OOM kill the host provokes ends the host, never the
// server, and the server's memory budget covers hosts as it covers process sandboxes. The host
// is moved in right after uv_spawn (it has only started exec'ing V8 by then). Loop thread only.
#pragma once

#include <sys/types.h>

#include <memory>

#include "runtime/base/error.h"
#include "sandbox/cgroup.h"

namespace stratus::sandbox {

// A child "ih-<pid>" of `tree` with no memory limit of its own (the tree's budget applies) and
// no pids limit, holding `pid` in every controller the tree has but cpu (v1: the host keeps the
// server's CPU share, as in-process isolates had it; v2's single hierarchy has no such choice).
Result<std::unique_ptr<SandboxCgroup>> cgroupForHost(CgroupTree& tree, pid_t pid);

}  // namespace stratus::sandbox
