// The jail helper's command line, decoded into typed values before anything acts on it.
// Called once, by the outer helper's main thread, before any other step.
//
//   stratus-jail --root DIR --uid N --gid N [--bind SRC:DST]... [--tmp-mb N] [--cgroup PATH]
//                [--hostname NAME] [--cwd DIR] [--nofile N] [--error-fd N]
//                [--extension PATH]... [--events-fd N] -- PROGRAM [ARG...]
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/jail/jail_error.h"

namespace stratus::sandbox::jail {

// One read-only bind: host `source` (a file or a directory) at absolute `target` in the jail.
struct BindSpec {
  std::string source;
  std::string target;
};

struct JailConfig {
  std::string root;                // an existing empty host directory; the jail is built on it
  uid_t uid = 0;                   // never 0: the parser refuses root
  gid_t gid = 0;
  std::vector<BindSpec> binds;     // applied in order, so a later target may nest in an earlier
  uint64_t tmp_mb = 512;           // size of the private /tmp
  // Cgroup to join, relative to each controller's root (a leading '/' is allowed); "" joins none.
  std::string cgroup;
  std::string hostname = "stratus";
  std::string cwd = "/var/task";
  uint64_t nofile = 1024;          // RLIMIT_NOFILE, Lambda's limit
  int error_fd = -1;               // where the one error line goes; -1: stderr only
  // Lambda extensions (paths in the jail), started in order before PROGRAM, same uid and env.
  std::vector<std::string> extensions;
  // Where the jail's init writes "exit NAME STATUS\n" when an extension exits; -1: nowhere.
  int events_fd = -1;
  std::vector<std::string> argv;   // PROGRAM ARG...
};

// Fills `config` from argv. On an error `config` keeps what was parsed so far (error_fd in
// particular, so the error can still reach the caller's pipe).
StepResult parseJailArgs(int argc, char** argv, JailConfig* config);

}  // namespace stratus::sandbox::jail
