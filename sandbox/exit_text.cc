#include "sandbox/exit_text.h"

#include <csignal>

namespace stratus::sandbox {

std::string signalName(int signal) {
  switch (signal) {
    case SIGHUP: return "hangup";
    case SIGINT: return "interrupt";
    case SIGQUIT: return "quit";
    case SIGILL: return "illegal instruction";
    case SIGTRAP: return "trace/breakpoint trap";
    case SIGABRT: return "aborted";
    case SIGBUS: return "bus error";
    case SIGFPE: return "floating point exception";
    case SIGKILL: return "killed";
    case SIGUSR1: return "user defined signal 1";
    case SIGSEGV: return "segmentation fault";
    case SIGUSR2: return "user defined signal 2";
    case SIGPIPE: return "broken pipe";
    case SIGALRM: return "alarm clock";
    case SIGTERM: return "terminated";
    case SIGXCPU: return "CPU time limit exceeded";
    case SIGXFSZ: return "file size limit exceeded";
    case SIGSYS: return "bad system call";
  }
  return "signal " + std::to_string(signal);
}

std::string runtimeExitText(int64_t exit_status, int term_signal) {
  if (term_signal != 0) return "Runtime exited with error: signal: " + signalName(term_signal);
  if (exit_status != 0) return "Runtime exited with error: exit status " + std::to_string(exit_status);
  return "Runtime exited without providing a reason";
}

}  // namespace stratus::sandbox
