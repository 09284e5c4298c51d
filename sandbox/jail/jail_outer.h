// The outer helper after the fork: it stays in the host's pid namespace as the server's child,
// forwards SIGTERM/SIGINT to the jail's init, and ends exactly as the program ended (same exit
// code, or death by the same signal), so the server reads the program's fate from the helper's
// own exit status. Runs on the outer helper's only thread; never returns.
#pragma once

#include <sys/types.h>

namespace stratus::sandbox::jail {

// Waits for the init's report on `link_fd` and for the init itself, then ends like the program
// (or like the init, if it died before reporting: a setup error's 126, or SIGKILL).
[[noreturn]] void superviseJail(pid_t init_pid, int link_fd);

// Exits with the code in `wait_status`, or resets its signal to the default and raises it.
[[noreturn]] void endLike(int wait_status);

}  // namespace stratus::sandbox::jail
