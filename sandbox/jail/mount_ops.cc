#include "sandbox/jail/mount_ops.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace stratus::sandbox::jail {
namespace {

enum class Leaf { kDirectory, kFile };

// Walks `jail_path` under `root` creating what is missing; the last component is made as `leaf`.
StepResult makePath(const std::string& root, const std::string& jail_path, Leaf leaf,
                    JailStep step) {
  std::string host = root;
  size_t start = 1;
  while (start <= jail_path.size()) {
    size_t end = jail_path.find('/', start);
    bool last = end == std::string::npos;
    if (last) end = jail_path.size();
    host += "/" + jail_path.substr(start, end - start);
    start = end + 1;
    bool want_dir = !last || leaf == Leaf::kDirectory;
    struct stat st;
    if (lstat(host.c_str(), &st) == 0) {
      if (S_ISLNK(st.st_mode)) {
        errno = ELOOP;  // a symlink could point anywhere on the host: never mount through one
        return sysError(step, jail_path, host);
      }
      if (want_dir && !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return sysError(step, jail_path, host);
      }
      if (!want_dir && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return sysError(step, jail_path, host);
      }
      continue;
    }
    if (errno != ENOENT) return sysError(step, jail_path, host);
    if (want_dir) {
      if (mkdir(host.c_str(), 0755) != 0 && errno != EEXIST) return sysError(step, jail_path, host);
    } else {
      int fd = open(host.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0) return sysError(step, jail_path, host);
      close(fd);
    }
  }
  return std::nullopt;
}

}  // namespace

StepResult makeJailDirs(const std::string& root, const std::string& jail_path, JailStep step) {
  return makePath(root, jail_path, Leaf::kDirectory, step);
}

StepResult bindReadOnly(const std::string& source, const std::string& root,
                        const std::string& jail_path, unsigned long flags, JailStep step) {
  struct stat st;
  if (stat(source.c_str(), &st) != 0) return sysError(step, jail_path, source);
  Leaf leaf = S_ISDIR(st.st_mode) ? Leaf::kDirectory : Leaf::kFile;
  if (auto error = makePath(root, jail_path, leaf, step)) return error;
  std::string target = root + jail_path;
  // Not MS_REC: submounts of the source stay out, so nothing unexpected (or writable) comes in.
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return sysError(step, jail_path, source);
  }
  // A bind takes its flags only from a remount; done at once, so a later target nested in this
  // one cannot create its mount point in the host's directory (it fails with EROFS instead).
  return remountReadOnly(target, flags, step, jail_path);
}

StepResult mountTmpfs(const std::string& root, const std::string& jail_path, unsigned long flags,
                      const std::string& options) {
  if (auto error = makePath(root, jail_path, Leaf::kDirectory, JailStep::kMount)) return error;
  std::string target = root + jail_path;
  if (mount("tmpfs", target.c_str(), "tmpfs", flags, options.c_str()) != 0) {
    return sysError(JailStep::kMount, jail_path, "tmpfs " + options);
  }
  return std::nullopt;
}

StepResult makeSymlink(const std::string& root, const std::string& jail_path,
                       const std::string& target, JailStep step) {
  size_t slash = jail_path.rfind('/');
  if (slash > 0) {
    if (auto error = makePath(root, jail_path.substr(0, slash), Leaf::kDirectory, step)) {
      return error;
    }
  }
  std::string host = root + jail_path;
  if (symlink(target.c_str(), host.c_str()) != 0) return sysError(step, jail_path, target);
  return std::nullopt;
}

StepResult remountReadOnly(const std::string& where, unsigned long flags, JailStep step,
                           const std::string& subject) {
  if (mount(nullptr, where.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, nullptr) !=
      0) {
    return sysError(step, subject, "remount read-only " + where);
  }
  return std::nullopt;
}

}  // namespace stratus::sandbox::jail
