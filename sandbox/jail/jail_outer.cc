#include "sandbox/jail/jail_outer.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <initializer_list>

namespace stratus::sandbox::jail {
namespace {

volatile sig_atomic_t g_init_pid = 0;

void forwardToInit(int sig) {
  int saved = errno;
  if (g_init_pid > 0) kill(g_init_pid, sig);
  errno = saved;
}

}  // namespace

void endLike(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    signal(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, nullptr);
    raise(sig);
    _exit(128 + sig);  // a signal whose default is not to terminate: say it the shell's way
  }
  _exit(WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 1);
}

void superviseJail(pid_t init_pid, int link_fd) {
  g_init_pid = init_pid;
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int sig : {SIGTERM, SIGINT}) {
    sigaddset(&forwarded, sig);
    struct sigaction action = {};
    action.sa_handler = forwardToInit;  // no SA_RESTART: the reads below retry themselves
    sigaction(sig, &action, nullptr);
  }
  // Blocked since before the fork, so a signal that came early is delivered (forwarded) now.
  sigprocmask(SIG_UNBLOCK, &forwarded, nullptr);

  int program_status = 0;
  ssize_t got;
  while ((got = read(link_fd, &program_status, sizeof(program_status))) < 0 && errno == EINTR) {
  }
  int init_status = 0;
  while (waitpid(init_pid, &init_status, 0) < 0 && errno == EINTR) {
  }
  endLike(got == static_cast<ssize_t>(sizeof(program_status)) ? program_status : init_status);
}

}  // namespace stratus::sandbox::jail
