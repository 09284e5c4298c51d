#include "sandbox/jail/root_tree.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "sandbox/jail/etc_files.h"
#include "sandbox/jail/mount_ops.h"

namespace stratus::sandbox::jail {
namespace {

// What programs and their shared libraries need. On merged-/usr hosts all but /usr are
// symlinks into it, recreated as symlinks.
constexpr const char* kSystemDirs[] = {"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin",
                                       "/sbin"};
// The host's /etc, but only what name resolution, TLS, time zones and the loader read.
constexpr const char* kEtcDirs[] = {"/etc/ssl", "/etc/ca-certificates"};
constexpr const char* kEtcFiles[] = {"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
                                     "/etc/localtime", "/etc/ld.so.cache"};
constexpr const char* kRequiredDevices[] = {"null", "zero", "random", "urandom"};
constexpr const char* kOptionalDevices[] = {"full", "tty"};
// The root only holds mount points, symlinks and two small files.
constexpr const char* kRootTmpfsOptions = "size=1m,nr_inodes=4096,mode=0755";
constexpr const char* kDevTmpfsOptions = "size=64k,nr_inodes=64,mode=0755";
constexpr const char* kShmTmpfsOptions = "size=64m,mode=1777";

bool exists(const std::string& path, struct stat* st) { return lstat(path.c_str(), st) == 0; }

StepResult addSystemDirs(const std::string& root) {
  for (const char* dir : kSystemDirs) {
    struct stat st;
    if (!exists(dir, &st)) continue;
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlink(dir, target, sizeof(target) - 1);
      if (n < 0) return sysError(JailStep::kSystem, dir, dir);
      target[n] = '\0';
      if (auto error = makeSymlink(root, dir, target, JailStep::kSystem)) return error;
    } else if (S_ISDIR(st.st_mode)) {
      if (auto error = bindReadOnly(dir, root, dir, kSystemFlags, JailStep::kSystem)) return error;
    }
  }
  return std::nullopt;
}

StepResult addEtc(const JailConfig& config) {
  if (auto error = makeJailDirs(config.root, "/etc", JailStep::kSystem)) return error;
  for (const char* dir : kEtcDirs) {
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (auto error = bindReadOnly(dir, config.root, dir, kDataFlags, JailStep::kSystem)) {
      return error;
    }
  }
  for (const char* file : kEtcFiles) {
    struct stat st;  // stat, not lstat: a symlinked file (localtime) is bound as its target
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (auto error = bindReadOnly(file, config.root, file, kDataFlags, JailStep::kSystem)) {
      return error;
    }
  }
  return writeEtcFiles(config.root, config.uid, config.gid);
}

StepResult addDev(const std::string& root) {
  if (auto error = mountTmpfs(root, "/dev", MS_NOSUID | MS_NODEV | MS_NOEXEC, kDevTmpfsOptions)) {
    return error;
  }
  // Device nodes are bound from the host's /dev (no mknod), and their binds must not be nodev.
  for (const char* name : kRequiredDevices) {
    std::string dev = std::string("/dev/") + name;
    if (auto error = bindReadOnly(dev, root, dev, MS_NOSUID | MS_NOEXEC, JailStep::kMount)) {
      return error;
    }
  }
  for (const char* name : kOptionalDevices) {
    std::string dev = std::string("/dev/") + name;
    struct stat st;
    if (stat(dev.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
    if (auto error = bindReadOnly(dev, root, dev, MS_NOSUID | MS_NOEXEC, JailStep::kMount)) {
      return error;
    }
  }
  const std::pair<const char*, const char*> links[] = {{"/dev/fd", "/proc/self/fd"},
                                                       {"/dev/stdin", "/proc/self/fd/0"},
                                                       {"/dev/stdout", "/proc/self/fd/1"},
                                                       {"/dev/stderr", "/proc/self/fd/2"}};
  for (const auto& [path, target] : links) {
    if (auto error = makeSymlink(root, path, target, JailStep::kMount)) return error;
  }
  if (auto error = mountTmpfs(root, "/dev/shm", MS_NOSUID | MS_NODEV, kShmTmpfsOptions)) {
    return error;
  }
  return remountReadOnly(root + "/dev", MS_NOSUID | MS_NODEV | MS_NOEXEC, JailStep::kMount,
                         "/dev");
}

}  // namespace

StepResult buildJailRoot(const JailConfig& config) {
  const std::string& root = config.root;
  // Nothing mounted from here on may propagate back to the host's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return sysError(JailStep::kMount, "/", "make-rprivate /");
  }
  if (mount("tmpfs", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, kRootTmpfsOptions) != 0) {
    return sysError(JailStep::kMount, "/", root);
  }
  if (auto error = addSystemDirs(root)) return error;
  if (auto error = addEtc(config)) return error;
  std::string tmp_options = "size=" + std::to_string(config.tmp_mb) + "m,mode=1777";
  if (auto error = mountTmpfs(root, "/tmp", MS_NOSUID | MS_NODEV, tmp_options)) return error;
  if (auto error = makeJailDirs(root, "/proc", JailStep::kMount)) return error;
  // This init's pid namespace is the new one, so the new proc shows only the jail's processes.
  std::string proc = root + "/proc";
  if (mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return sysError(JailStep::kMount, "/proc", "proc");
  }
  if (auto error = addDev(root)) return error;
  // The caller's binds last, so they may nest in anything above (or in each other).
  for (const BindSpec& bind : config.binds) {
    if (auto error = bindReadOnly(bind.source, root, bind.target, kSystemFlags, JailStep::kBind)) {
      return error;
    }
  }
  return std::nullopt;
}

StepResult enterJailRoot(const JailConfig& config) {
  // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the jail,
  // with no put_old directory to make or remove.
  if (chdir(config.root.c_str()) != 0) return sysError(JailStep::kPivotRoot, "/", config.root);
  if (syscall(SYS_pivot_root, ".", ".") != 0) {
    return sysError(JailStep::kPivotRoot, "/", config.root);
  }
  if (umount2(".", MNT_DETACH) != 0) return sysError(JailStep::kPivotRoot, "/", "umount old root");
  if (chdir("/") != 0) return sysError(JailStep::kPivotRoot, "/", "chdir /");
  return remountReadOnly("/", MS_NOSUID | MS_NODEV, JailStep::kPivotRoot, "/");
}

}  // namespace stratus::sandbox::jail
