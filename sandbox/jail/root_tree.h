// The jail's filesystem: a small tmpfs root holding the host's system directories read-only,
// a minimal /etc, a private /tmp, a fresh /proc, a tiny /dev and the caller's --bind list; then
// pivot_root into it. Everything but /tmp and /dev/shm ends read-only.
// Called by the jail's init (pid 1 of the new pid namespace, in the new mount namespace).
#pragma once

#include "sandbox/jail/jail_config.h"
#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

// Builds the tree on config.root. The mount namespace must be private to the jail already.
StepResult buildJailRoot(const JailConfig& config);

// pivot_root into config.root, drop the old root, make the new root's tmpfs read-only.
StepResult enterJailRoot(const JailConfig& config);

}  // namespace stratus::sandbox::jail
