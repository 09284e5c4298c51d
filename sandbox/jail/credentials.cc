#include "sandbox/jail/credentials.h"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

namespace stratus::sandbox::jail {

StepResult setJailHostname(const std::string& hostname) {
  if (sethostname(hostname.data(), hostname.size()) != 0) {
    return sysError(JailStep::kHostname, hostname);
  }
  return std::nullopt;
}

StepResult dropPrivileges(uid_t uid, gid_t gid) {
  std::string ids = std::to_string(uid) + ":" + std::to_string(gid);
  if (setgroups(0, nullptr) != 0) return sysError(JailStep::kCredentials, ids, "setgroups");
  if (setresgid(gid, gid, gid) != 0) return sysError(JailStep::kCredentials, ids, "setresgid");
  // Leaving uid 0 for a non-zero uid clears every capability set, ambient included.
  if (setresuid(uid, uid, uid) != 0) return sysError(JailStep::kCredentials, ids, "setresuid");
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0 ||
      ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid) {
    errno = EPERM;
    return sysError(JailStep::kCredentials, ids, "verify ids");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return sysError(JailStep::kCredentials, ids, "no_new_privs");
  }
  return std::nullopt;
}

}  // namespace stratus::sandbox::jail
