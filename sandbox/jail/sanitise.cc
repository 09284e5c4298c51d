#include "sandbox/jail/sanitise.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

namespace stratus::sandbox::jail {
namespace {

bool closeRange(unsigned first, unsigned last) {
  if (first > last) return true;
  return syscall(SYS_close_range, first, last, 0) == 0;
}

// Before Linux 5.9 there is no close_range: list /proc/self/fd instead (its own descriptor is
// skipped, then closed by closedir).
StepResult closeListed(int keep_fd, int keep_fd2) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return sysError(JailStep::kSanitise, "fds", "/proc/self/fd");
  std::vector<int> doomed;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd > STDERR_FILENO && fd != keep_fd && fd != keep_fd2 && fd != dirfd(dir)) doomed.push_back(fd);
  }
  closedir(dir);
  for (int fd : doomed) close(fd);
  return std::nullopt;
}

}  // namespace

StepResult dieWithParent(pid_t parent_at_start) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return sysError(JailStep::kSanitise, "pdeathsig");
  if (getppid() != parent_at_start) {
    return usageError(JailStep::kSanitise, "pdeathsig",
                      "the parent exited before the jail started");
  }
  return std::nullopt;
}

StepResult closeInheritedFds(int keep_fd, int keep_fd2) {
  for (int fd : {keep_fd, keep_fd2}) {
    if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
      return sysError(JailStep::kSanitise, "kept descriptor " + std::to_string(fd));
    }
  }
  // Close everything from 3 up, around the kept descriptors (ascending, -1s dropped).
  int kept[2] = {std::min(keep_fd, keep_fd2), std::max(keep_fd, keep_fd2)};
  unsigned first = 3;
  bool closed = true;
  for (int fd : kept) {
    if (fd < 0) continue;
    closed = closed && closeRange(first, static_cast<unsigned>(fd) - 1);
    first = static_cast<unsigned>(fd) + 1;
  }
  closed = closed && closeRange(first, ~0U);
  if (closed) return std::nullopt;
  if (errno != ENOSYS) return sysError(JailStep::kSanitise, "close_range");
  return closeListed(keep_fd, keep_fd2);
}

StepResult setJailLimits(uint64_t nofile) {
  rlimit files{nofile, nofile};
  if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
    return sysError(JailStep::kRlimit, "RLIMIT_NOFILE " + std::to_string(nofile));
  }
  rlimit core{0, 0};
  if (setrlimit(RLIMIT_CORE, &core) != 0) return sysError(JailStep::kRlimit, "RLIMIT_CORE 0");
  return std::nullopt;
}

}  // namespace stratus::sandbox::jail
