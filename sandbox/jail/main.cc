// stratus-jail: runs one program in a jailed process tree (see jail_config.h for the command
// line). The steps, in order: sanitise, rlimits, join the cgroup, unshare, fork the jail's init
// (which builds the root, drops privileges and runs the program), then supervise it.
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "sandbox/jail/attach.h"
#include "sandbox/jail/cgroup_join.h"
#include "sandbox/jail/jail_config.h"
#include "sandbox/jail/jail_error.h"
#include "sandbox/jail/jail_init.h"
#include "sandbox/jail/jail_outer.h"
#include "sandbox/jail/sanitise.h"

namespace {

using namespace stratus::sandbox::jail;

constexpr int kSetupFailed = 126;

// Not the network namespace: the program reaches the server's Runtime API on 127.0.0.1. The
// cgroup namespace (after joining) hides the host's cgroup paths from /proc/self/cgroup.
constexpr int kNamespaces =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

[[noreturn]] void fail(const JailError& error, int error_fd) {
  reportJailError(error, error_fd);
  _exit(kSetupFailed);
}

}  // namespace

int main(int argc, char** argv) {
  const pid_t parent = getppid();  // first thing, to notice a parent that died before we armed
  if (argc > 1 && std::string(argv[1]) == "attach") runAttachHelper(argc, argv, parent);
  JailConfig config;
  if (auto error = parseJailArgs(argc, argv, &config)) fail(*error, config.error_fd);
  if (auto error = dieWithParent(parent)) fail(*error, config.error_fd);
  if (auto error = closeInheritedFds(config.error_fd, config.events_fd)) fail(*error, config.error_fd);
  if (auto error = setJailLimits(config.nofile)) fail(*error, config.error_fd);
  if (!config.cgroup.empty()) {
    if (auto error = joinCgroup(config.cgroup)) fail(*error, config.error_fd);
  }
  if (unshare(kNamespaces) != 0) {
    fail(sysError(JailStep::kUnshare, "mnt,pid,ipc,uts,cgroup"), config.error_fd);
  }

  // The link carries the program's wait status from the init, and its hang-up tells the init
  // the outer helper is gone. TERM/INT stay blocked across the fork so none is lost before
  // either side has its handler.
  int link[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link) != 0) {
    fail(sysError(JailStep::kFork, "link", "socketpair"), config.error_fd);
  }
  sigset_t original_mask;
  sigset_t forwarded;
  sigemptyset(&forwarded);
  sigaddset(&forwarded, SIGTERM);
  sigaddset(&forwarded, SIGINT);
  sigprocmask(SIG_BLOCK, &forwarded, &original_mask);
  pid_t init = fork();
  if (init < 0) fail(sysError(JailStep::kFork, "init"), config.error_fd);
  if (init == 0) {
    close(link[0]);
    runJailInit(config, link[1], original_mask);
  }
  close(link[1]);
  // Only the init (and then the program) report from here on; the outer's copy must not hold
  // the caller's pipe open past the program's exec.
  if (config.error_fd >= 0) close(config.error_fd);
  if (config.events_fd >= 0) close(config.events_fd);
  superviseJail(init, link[0]);
}
