#include "sandbox/jail/etc_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace stratus::sandbox::jail {
namespace {

constexpr const char* kUserName = "sbx_user1051";

StepResult writeFile(const std::string& root, const std::string& jail_path,
                     const std::string& text) {
  std::string host = root + jail_path;
  int fd = open(host.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return sysError(JailStep::kEtc, jail_path, host);
  ssize_t written = write(fd, text.data(), text.size());
  int saved = errno;
  close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    errno = written < 0 ? saved : EIO;
    return sysError(JailStep::kEtc, jail_path, host);
  }
  return std::nullopt;
}

}  // namespace

std::string passwdText(uid_t uid, gid_t gid) {
  return "root:x:0:0:root:/root:/sbin/nologin\n" + std::string(kUserName) + ":x:" +
         std::to_string(uid) + ":" + std::to_string(gid) + "::/tmp:/sbin/nologin\n";
}

std::string groupText(gid_t gid) {
  return "root:x:0:\n" + std::string(kUserName) + ":x:" + std::to_string(gid) + ":\n";
}

StepResult writeEtcFiles(const std::string& root, uid_t uid, gid_t gid) {
  if (auto error = writeFile(root, "/etc/passwd", passwdText(uid, gid))) return error;
  return writeFile(root, "/etc/group", groupText(gid));
}

}  // namespace stratus::sandbox::jail
