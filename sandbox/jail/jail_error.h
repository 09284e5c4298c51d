// The jail helper's one error type: which step failed, for what, on which path, and why. Every
// step returns a StepResult; main reports the first error on stderr and on the error fd.
// Called from the outer helper, the jail's init and the program child (each single-threaded).
#pragma once

#include <optional>
#include <string>

namespace stratus::sandbox::jail {

// The steps, in the order the helper runs them.
enum class JailStep {
  kArgs,         // the command line
  kSanitise,     // parent-death signal, inherited fds
  kRlimit,
  kCgroup,       // joining --cgroup
  kUnshare,
  kFork,
  kMount,        // the jail's own mounts: /, tmpfs, /tmp, /proc, /dev
  kSystem,       // the host's /usr, /lib..., /etc files
  kBind,         // one --bind
  kEtc,          // the generated /etc/passwd and /etc/group
  kPivotRoot,
  kHostname,
  kCredentials,  // setgroups, setresgid, setresuid, no_new_privs
  kChdir,
  kExec,
};

const char* stepName(JailStep step);

struct JailError {
  JailStep step = JailStep::kArgs;
  std::string subject;  // what the step worked on: the jail path, the program, the cgroup
  std::string path;     // the host path that failed, if it is not the subject
  int sys_errno = 0;    // the errno, or 0 when `detail` says what is wrong
  std::string detail;

  // "bind /var/task: /data/code/abc: No such file or directory"
  std::string text() const;
};

// A step's outcome: empty when the step succeeded.
using StepResult = std::optional<JailError>;

// A failed system call, reading errno now.
JailError sysError(JailStep step, std::string subject, std::string path = {});
JailError usageError(JailStep step, std::string subject, std::string detail);

// Writes "stratus-jail: <text>" to stderr and "<text>" to error_fd (if >= 0), one line each.
// Every jail process is single-threaded, so this may allocate even right after fork.
void reportJailError(const JailError& error, int error_fd);

}  // namespace stratus::sandbox::jail
