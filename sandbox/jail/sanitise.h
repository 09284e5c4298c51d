// The first steps, firecracker-jailer style: tie the helper's life to its parent's, drop every
// descriptor the server let slip through, and set the resource limits the program inherits.
// Called by the outer helper's only thread, before it joins the cgroup or unshares.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

// SIGKILL when the parent dies. `parent_at_start` is getppid() read first thing in main: if it
// changed, the parent died before the signal was armed and nobody would ever kill us.
StepResult dieWithParent(pid_t parent_at_start);

// Closes every descriptor except 0, 1, 2, `keep_fd` and `keep_fd2` (-1: none), and makes the
// kept ones close-on-exec so a successful exec of the program closes them with nothing written.
StepResult closeInheritedFds(int keep_fd, int keep_fd2 = -1);

// RLIMIT_NOFILE soft = hard = `nofile`; no core dumps.
StepResult setJailLimits(uint64_t nofile);

}  // namespace stratus::sandbox::jail
