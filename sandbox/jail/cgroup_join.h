// Joining the sandbox's cgroup, through libcgroup, before unsharing: everything the helper forks
// afterwards (the jail's init, the program, its children) is born inside it, so the limits and
// the counters cover the whole tree from its first byte. Outer helper, single-threaded.
#pragma once

#include <string>

#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

// Joins `path` (relative to every controller's mount, as SandboxCgroup::path() gives it) in
// each mounted controller among memory, cpu and pids that has it; on v2 they share the unified
// hierarchy. An error if none has it.
StepResult joinCgroup(const std::string& path);

}  // namespace stratus::sandbox::jail
