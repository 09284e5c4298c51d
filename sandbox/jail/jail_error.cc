#include "sandbox/jail/jail_error.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace stratus::sandbox::jail {

const char* stepName(JailStep step) {
  switch (step) {
    case JailStep::kArgs: return "args";
    case JailStep::kSanitise: return "sanitise";
    case JailStep::kRlimit: return "rlimit";
    case JailStep::kCgroup: return "cgroup";
    case JailStep::kUnshare: return "unshare";
    case JailStep::kFork: return "fork";
    case JailStep::kMount: return "mount";
    case JailStep::kSystem: return "system";
    case JailStep::kBind: return "bind";
    case JailStep::kEtc: return "etc";
    case JailStep::kPivotRoot: return "pivot_root";
    case JailStep::kHostname: return "hostname";
    case JailStep::kCredentials: return "credentials";
    case JailStep::kChdir: return "chdir";
    case JailStep::kExec: return "exec";
  }
  return "jail";
}

std::string JailError::text() const {
  std::string out = stepName(step);
  if (!subject.empty()) out += " " + subject;
  if (!path.empty()) out += ": " + path;
  out += ": ";
  out += sys_errno != 0 ? std::strerror(sys_errno) : detail;
  return out;
}

JailError sysError(JailStep step, std::string subject, std::string path) {
  return JailError{step, std::move(subject), std::move(path), errno, {}};
}

JailError usageError(JailStep step, std::string subject, std::string detail) {
  return JailError{step, std::move(subject), {}, 0, std::move(detail)};
}

namespace {

void writeAll(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nobody to tell: the exit code still says it
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void reportJailError(const JailError& error, int error_fd) {
  std::string line = error.text() + "\n";
  writeAll(STDERR_FILENO, "stratus-jail: " + line);
  if (error_fd >= 0) writeAll(error_fd, line);
}

}  // namespace stratus::sandbox::jail
