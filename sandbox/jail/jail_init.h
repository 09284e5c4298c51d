// The jail's init: pid 1 of the new pid namespace. It builds the tree, enters it, becomes the
// unprivileged user, then forks the program, reaps every zombie (it is the namespace's reaper)
// and, when the program exits, hands its raw wait status to the outer helper over `link_fd` —
// pid 1 itself cannot die by most signals, so the outer helper re-enacts the status instead.
// Runs in the forked child only; never returns.
#pragma once

#include <csignal>

#include "sandbox/jail/jail_config.h"

namespace stratus::sandbox::jail {

// `program_mask` is the signal mask the helper started with, restored for the program.
// A setup error is reported (stderr and the error fd) and ends the init with status 126.
[[noreturn]] void runJailInit(const JailConfig& config, int link_fd, const sigset_t& program_mask);

}  // namespace stratus::sandbox::jail
