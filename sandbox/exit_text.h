// How Lambda words a runtime's exit (LAMBDA.md §5/§6): "exit status 127", "signal: killed".
// Pure.
#pragma once

#include <cstdint>
#include <string>

namespace stratus::sandbox {

// "Runtime exited with error: signal: killed", "Runtime exited with error: exit status 1",
// or "Runtime exited without providing a reason" for a clean exit.
std::string runtimeExitText(int64_t exit_status, int term_signal);

// Go's names for signals, which Lambda's messages use ("killed", "aborted", ...).
std::string signalName(int signal);

}  // namespace stratus::sandbox
