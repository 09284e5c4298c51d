// `stratus-jail attach`: the long-lived attach helper. The server starts it once (and again if
// it dies) with its end of a socket on fd 3, and asks it, one request at a time, to mount host
// directories read-only into the mount namespace of a jail that is already running (the pid of
// its outer helper, which lives in that namespace). This is how a prewarmed runtime, started in
// a generic jail before any function was known, receives its function's code at /var/task and
// layers at /opt when the server claims it: a message round trip instead of a fork and exec per
// claim. The messages are attach_protocol.h's.
//
// Each SRC is cloned as a detached mount tree in the helper's own namespace (open_tree), made
// read-only, nosuid and nodev (mount_setattr), and only then attached in the jail (setns, then
// move_mount), so nothing of the host but those trees becomes visible. After every request,
// good or failed, the helper returns to its own mount namespace and root (it keeps descriptors
// of both) before it answers, so the next request starts from the host's view again; a helper
// that cannot return exits rather than answer from inside a jail. A failed request is answered
// with the step and the path that failed, and the helper goes on serving.
//
// It dies with the server (parent-death signal) and exits when the server closes its socket.
// Single-threaded (setns into a mount namespace requires it).
#pragma once

#include <sys/types.h>

namespace stratus::sandbox::jail {

[[noreturn]] void runAttachHelper(int argc, char** argv, pid_t parent_at_start);

}  // namespace stratus::sandbox::jail
