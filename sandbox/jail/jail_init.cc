#include "sandbox/jail/jail_init.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/jail/credentials.h"
#include "sandbox/jail/jail_error.h"
#include "sandbox/jail/root_tree.h"

namespace stratus::sandbox::jail {
namespace {

constexpr int kSetupFailed = 126;
constexpr int kNotFound = 127;  // as a shell reports a missing command
constexpr int kNotExecutable = 126;

// A namespace's init only receives the signals it has a handler for; the handler itself never
// runs (the signals stay blocked and are taken with sigwaitinfo).
void noteSignal(int) {}

// Dies with the outer helper. Armed twice: here at birth and again after the credential change,
// which clears it. The outer helper never writes to the link, so any readiness means it is gone.
StepResult watchOuter(int link_fd) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return sysError(JailStep::kSanitise, "pdeathsig");
  pollfd link{link_fd, POLLIN, 0};
  if (poll(&link, 1, 0) != 0) {
    return usageError(JailStep::kSanitise, "pdeathsig", "the outer helper exited");
  }
  return std::nullopt;
}

StepResult prepare(const JailConfig& config, int link_fd) {
  if (auto error = watchOuter(link_fd)) return error;
  if (auto error = buildJailRoot(config)) return error;
  if (auto error = enterJailRoot(config)) return error;
  if (auto error = setJailHostname(config.hostname)) return error;
  if (auto error = dropPrivileges(config.uid, config.gid)) return error;
  if (auto error = watchOuter(link_fd)) return error;
  // Not dumpable: the program, though the same uid, cannot ptrace the init or read its /proc.
  if (prctl(PR_SET_DUMPABLE, 0) != 0) return sysError(JailStep::kCredentials, "dumpable");
  if (chdir(config.cwd.c_str()) != 0) return sysError(JailStep::kChdir, config.cwd);
  return std::nullopt;
}

[[noreturn]] void execProgram(const JailConfig& config, const sigset_t& program_mask) {
  sigprocmask(SIG_SETMASK, &program_mask, nullptr);
  std::vector<char*> argv;
  for (const std::string& arg : config.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());  // the environment is the helper's own, as the server set it
  int err = errno;
  reportJailError(JailError{JailStep::kExec, config.argv[0], {}, err, {}}, config.error_fd);
  _exit(err == ENOENT || err == ENOTDIR ? kNotFound : kNotExecutable);
}

// Forks the program and waits until it has exec'ed (or failed to): then the init closes its own
// copy of the error fd, so the caller sees EOF on it exactly when the program is running.
pid_t launchProgram(const JailConfig& config, const sigset_t& program_mask) {
  int exec_sync[2];
  if (pipe2(exec_sync, O_CLOEXEC) != 0) {
    reportJailError(sysError(JailStep::kFork, config.argv[0], "pipe"), config.error_fd);
    _exit(kSetupFailed);
  }
  pid_t program = fork();
  if (program < 0) {
    reportJailError(sysError(JailStep::kFork, config.argv[0]), config.error_fd);
    _exit(kSetupFailed);
  }
  if (program == 0) {
    close(exec_sync[0]);
    execProgram(config, program_mask);
  }
  close(exec_sync[1]);
  char byte;
  while (read(exec_sync[0], &byte, 1) < 0 && errno == EINTR) {
  }
  close(exec_sync[0]);
  if (config.error_fd >= 0) close(config.error_fd);
  return program;
}

// Lambda extensions: started in order before the program, with its uid, environment and
// namespaces. One that cannot be exec'ed exits 127 at once, which the server sees as a crash.
using Extensions = std::vector<std::pair<pid_t, std::string>>;  // pid, file name

Extensions launchExtensions(const JailConfig& config, const sigset_t& program_mask) {
  Extensions started;
  for (const std::string& path : config.extensions) {
    std::string name = path.substr(path.rfind('/') + 1);
    pid_t pid = fork();
    if (pid < 0) {
      reportJailError(sysError(JailStep::kFork, path), config.error_fd);
      _exit(kSetupFailed);
    }
    if (pid == 0) {
      sigprocmask(SIG_SETMASK, &program_mask, nullptr);
      char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
      execv(argv[0], argv);
      _exit(kNotFound);
    }
    started.emplace_back(pid, name);
  }
  return started;
}

// "exit NAME STATUS\n" on the events descriptor, for the server's extension registry.
void reportExtensionExit(int events_fd, const std::string& name, int status) {
  if (events_fd < 0) return;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string line = "exit " + name + " " + std::to_string(code) + "\n";
  while (write(events_fd, line.data(), line.size()) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void reapUntilProgramExits(pid_t program, int link_fd, const sigset_t& waited,
                                        Extensions& extensions, int events_fd) {
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig == SIGTERM || sig == SIGINT) {
      kill(program, sig);
      continue;
    }
    if (sig != SIGCHLD) continue;
    int status = 0;
    pid_t pid;
    // SIGCHLD coalesces: reap everything that is ready, orphans included.
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto it = extensions.begin(); it != extensions.end(); ++it) {
        if (it->first != pid) continue;
        reportExtensionExit(events_fd, it->second, status);
        extensions.erase(it);
        break;
      }
      if (pid != program) continue;
      while (write(link_fd, &status, sizeof(status)) < 0 && errno == EINTR) {
      }
      // Leaving takes the namespace down: the kernel kills whatever the program left behind.
      _exit(0);
    }
  }
}

}  // namespace

void runJailInit(const JailConfig& config, int link_fd, const sigset_t& program_mask) {
  sigset_t waited;
  sigemptyset(&waited);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT}) {
    sigaddset(&waited, sig);
    struct sigaction action = {};
    action.sa_handler = noteSignal;
    sigaction(sig, &action, nullptr);
  }
  sigprocmask(SIG_BLOCK, &waited, nullptr);
  if (auto error = prepare(config, link_fd)) {
    reportJailError(*error, config.error_fd);
    _exit(kSetupFailed);
  }
  Extensions extensions = launchExtensions(config, program_mask);
  pid_t program = launchProgram(config, program_mask);
  reapUntilProgramExits(program, link_fd, waited, extensions, config.events_fd);
}

}  // namespace stratus::sandbox::jail
