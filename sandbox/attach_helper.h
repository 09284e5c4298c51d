// The long-lived attach helper (`stratus-jail attach`, sandbox/jail/attach.h) as the server
// sees it: one process for all of a server's claims, spawned with uv_spawn on the loop with its
// socket (fd 3 in the helper) read and written on the loop. attach() asks it to mount a claimed
// function's code and layers into a prewarmed jail; a claim then costs a message round trip
// instead of forking the server, exec'ing the jail binary and waiting for its exit (which is
// what `stratus-jail attach` as a one-shot command cost before: ~1-3 ms of the claim).
//
// Requests go to the helper running when they are made; each is answered once: with the
// helper's answer ("" = mounted, else the step and path that failed, e.g. "move_mount
// /var/task: No such file or directory"), or, if that helper dies first, with its death ("attach
// helper exited: signal 9"). A helper that dies is replaced at once, so the next claim works; one
// that keeps dying before it answers anything is retried with back-off (restart_backoff.h) and
// then given up on, and requests fail at once saying why. Answers never come from inside
// attach() itself except when no helper can run.
//
// stop() (and the destructor) kill the helper; requests still pending are then dropped
// unanswered (their sandboxes' init deadlines answer their invocations). The process must
// ignore SIGPIPE (the server does). Loop thread only.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/loop.h"
#include "sandbox/jail/attach_protocol.h"
#include "sandbox/restart_backoff.h"

namespace stratus::sandbox {

class AttachHelper {
 public:
  using Done = std::function<void(std::string error)>;  // "" when the trees are mounted

  AttachHelper(Loop& loop, std::string jail_binary, RestartBackoffOptions backoff = {});
  ~AttachHelper();
  AttachHelper(const AttachHelper&) = delete;
  AttachHelper& operator=(const AttachHelper&) = delete;

  // Starts the helper if none runs (attach() does too); false if it could not be spawned.
  bool start();
  // Mounts each bind's SRC read-only at its DST in the mount namespace of `pid`.
  void attach(pid_t pid, std::vector<jail::AttachBind> binds, Done done);
  // Kills the helper; no restart follows.
  void stop();
  // The running helper's pid, 0 when none runs.
  pid_t pid() const;
  uint64_t startsForTest() const { return starts_; }

 private:
  struct Child;
  void onChildExit(Child* child, const std::string& how);

  Loop& loop_;
  std::string jail_binary_;
  RestartBackoff backoff_;
  Timer retry_;
  Child* child_ = nullptr;  // the helper new requests go to; freed once its handles close
  bool stopped_ = false;
  uint64_t next_id_ = 0;
  uint64_t starts_ = 0;
};

}  // namespace stratus::sandbox
