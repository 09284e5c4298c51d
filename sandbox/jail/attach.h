// `stratus-jail attach --pid PID --bind SRC:DST...`: mounts host directories, read-only, into
// the mount namespace of a jail that is already running (PID: its outer helper, which lives in
// that namespace). This is how a prewarmed runtime, started in a generic jail before any
// function was known, receives its function's code at /var/task and layers at /opt when the
// server claims it. DST must exist in the jail (the generic jail binds empty placeholders there);
// the new mount goes on top of it.
//
// Each SRC is cloned as a detached mount tree in the host's namespace (open_tree), made
// read-only, nosuid and nodev (mount_setattr), and only then attached in the jail (setns, then
// move_mount), so nothing of the host but those trees becomes visible. Exit 0 on success; 126
// with one error line on stderr otherwise.
#pragma once

namespace stratus::sandbox::jail {

[[noreturn]] void runAttach(int argc, char** argv);

}  // namespace stratus::sandbox::jail
