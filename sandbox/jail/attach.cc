#include "sandbox/jail/attach.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace stratus::sandbox::jail {

namespace {

constexpr int kFailed = 126;

[[noreturn]] void die(const std::string& step, const std::string& subject, int err) {
  std::fprintf(stderr, "stratus-jail: attach %s %s: %s\n", step.c_str(), subject.c_str(),
               err ? std::strerror(err) : "invalid");
  _exit(kFailed);
}

struct Bind {
  std::string src, dst;
  int tree = -1;
};

}  // namespace

void runAttach(int argc, char** argv) {
  long pid = 0;
  std::vector<Bind> binds;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) die("args", a, 0);
    std::string v = argv[++i];
    if (a == "--pid") {
      char* end = nullptr;
      pid = std::strtol(v.c_str(), &end, 10);
      if (!end || *end || pid <= 1) die("args", "--pid " + v, 0);
    } else if (a == "--bind") {
      size_t colon = v.find(':');
      if (colon == std::string::npos || colon == 0 || v[colon + 1] != '/') die("args", "--bind " + v, 0);
      binds.push_back({v.substr(0, colon), v.substr(colon + 1)});
    } else {
      die("args", a, 0);
    }
  }
  if (pid == 0 || binds.empty()) die("args", "--pid and --bind are required", 0);

  // In the host's namespace: the trees to attach, read-only before anything can see them.
  for (Bind& b : binds) {
    b.tree = open_tree(AT_FDCWD, b.src.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (b.tree < 0) die("open_tree", b.src, errno);
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (mount_setattr(b.tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
      die("mount_setattr", b.src, errno);
    }
  }
  std::string proc = "/proc/" + std::to_string(pid);
  int ns = open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) die("open", proc + "/ns/mnt", errno);
  int root = open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die("open", proc + "/root", errno);
  if (setns(ns, CLONE_NEWNS) != 0) die("setns", proc + "/ns/mnt", errno);
  // The jail pivoted its root: resolve DST against the root its processes see.
  if (fchdir(root) != 0 || chroot(".") != 0) die("chroot", proc + "/root", errno);
  for (const Bind& b : binds) {
    if (move_mount(b.tree, "", AT_FDCWD, b.dst.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      die("move_mount", b.dst, errno);
    }
  }
  _exit(0);
}

}  // namespace stratus::sandbox::jail
