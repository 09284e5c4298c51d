#include "sandbox/jail/attach.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/jail/attach_protocol.h"
#include "sandbox/jail/sanitise.h"

namespace stratus::sandbox::jail {

namespace {

constexpr int kChannelFd = 3;
constexpr int kFailed = 126;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "stratus-jail: attach helper: %s\n", what.c_str());
  _exit(kFailed);
}

// The failing step of a request, for its answer.
struct Failure {
  std::string step, path;
  int err = 0;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The helper's own mount namespace and root, where every request starts and ends.
struct Home {
  Fd ns{open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)};
  Fd root{open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)};
};

// Mounts each tree into the jail of `r.pid`. Leaves the helper inside that jail's namespace
// (or its own, if the failure came first): the caller returns home either way.
bool mountInto(const AttachRequest& r, Failure* f) {
  std::vector<Fd> trees;
  // In our namespace: the trees to attach, read-only before anything can see them.
  for (const AttachBind& b : r.binds) {
    Fd tree(open_tree(AT_FDCWD, b.src.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (tree.get() < 0) return *f = {"open_tree", b.src, errno}, false;
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
      return *f = {"mount_setattr", b.src, errno}, false;
    }
    trees.push_back(std::move(tree));
  }
  std::string proc = "/proc/" + std::to_string(r.pid);
  Fd ns(open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (ns.get() < 0) return *f = {"open", proc + "/ns/mnt", errno}, false;
  Fd root(open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return *f = {"open", proc + "/root", errno}, false;
  if (setns(ns.get(), CLONE_NEWNS) != 0) return *f = {"setns", proc + "/ns/mnt", errno}, false;
  // The jail pivoted its root: resolve DST against the root its processes see.
  if (fchdir(root.get()) != 0 || chroot(".") != 0) return *f = {"chroot", proc + "/root", errno}, false;
  for (size_t i = 0; i < r.binds.size(); ++i) {
    if (move_mount(trees[i].get(), "", AT_FDCWD, r.binds[i].dst.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      return *f = {"move_mount", r.binds[i].dst, errno}, false;
    }
  }
  return true;
}

void returnHome(const Home& home) {
  if (setns(home.ns.get(), CLONE_NEWNS) != 0) die(std::string("setns home: ") + std::strerror(errno));
  if (fchdir(home.root.get()) != 0 || chroot(".") != 0) {
    die(std::string("chroot home: ") + std::strerror(errno));
  }
}

bool readExactly(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t got = read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

void writeAll(int fd, const std::string& data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);  // the server is gone
    p += n;
    left -= static_cast<size_t>(n);
  }
}

AttachAnswer serve(const Home& home, std::string_view body) {
  AttachAnswer answer;
  auto request = decodeAttachRequest(body, &answer.id);
  if (!request) {
    answer.step = "request";
    answer.path = "frame";
    answer.message = "malformed";
    return answer;
  }
  Failure failure;
  answer.ok = mountInto(*request, &failure);
  returnHome(home);
  if (!answer.ok) {
    answer.step = failure.step;
    answer.path = failure.path;
    answer.message = std::strerror(failure.err);
  }
  return answer;
}

}  // namespace

void runAttachHelper(int argc, char**, pid_t parent_at_start) {
  if (argc != 2) die("usage: stratus-jail attach (with the server's socket on fd 3)");
  if (auto error = dieWithParent(parent_at_start)) die(error->text());
  if (auto error = closeInheritedFds(kChannelFd)) die(error->text());
  Home home;
  if (home.ns.get() < 0 || home.root.get() < 0) die(std::string("open home: ") + std::strerror(errno));
  // The hello: an answer to no request (id 0) saying the helper is up and can serve.
  writeAll(kChannelFd, encodeAttachAnswer(AttachAnswer{0, true, {}, {}, {}}));
  std::string body;
  for (;;) {
    uint32_t n = 0;
    if (!readExactly(kChannelFd, reinterpret_cast<char*>(&n), sizeof n)) _exit(0);  // server closed
    if (n > kMaxAttachFrame) die("a frame of " + std::to_string(n) + " bytes");
    body.resize(n);
    if (!readExactly(kChannelFd, body.data(), n)) _exit(0);
    writeAll(kChannelFd, encodeAttachAnswer(serve(home, body)));
  }
}

}  // namespace stratus::sandbox::jail
