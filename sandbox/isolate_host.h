// One stratus-isolate-host process (runtime/js/host) as the server sees it: spawned with
// uv_spawn on the loop, its socket (fd 3 in the host) read and written on the loop, its exit
// heard in libuv's exit callback. Requests (prestart, invoke) are answered through callbacks;
// when the host dies every request in flight on it is answered with the host's death (how it
// ended, in Lambda's words, and whether V8 said it died of an out-of-memory in that sandbox),
// and alive() turns false, which condemns every sandbox it held.
//
// Frames sent during a loop turn are queued and written together at the end of the poll phase
// (a check handle) or before the loop next waits (a prepare handle): with many invocations in
// flight, one write and one wake-up of the host carry all of a turn's invokes.
//
// Lifetime: owned through shared_ptr; the uv handles keep it alive until they are closed.
// Loop thread only. The process must ignore SIGPIPE (the server does): a write to a host that
// just died then fails instead of killing the server.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/loop.h"
#include "runtime/js/host_call_codec.h"
#include "runtime/js/host_protocol.h"

namespace stratus::sandbox {

struct IsolateHostOptions {
  std::string binary;   // build/stratus-isolate-host
  int memory_mb = 128;  // the memory size this host serves
  size_t prewarm = 0;   // isolates it keeps bootstrapped
  size_t max_workers = 256;
  std::vector<std::string> env;  // NAME=VALUE: the host's whole environment (not the server's)
};

// The answer to one request: the host's "done" message, or its death.
struct HostAnswer {
  bool host_died = false;
  bool out_of_memory = false;  // V8 reported a fatal out-of-memory in this request's sandbox
  std::string exit_text;       // "Runtime exited with error: signal: aborted"
  js::host::DoneMessage done;  // the "done" message when !host_died
};
using HostAnswerCallback = std::function<void(HostAnswer)>;

class IsolateHost : public std::enable_shared_from_this<IsolateHost> {
 public:
  // Called once, on the loop, after the host exited; `was_ready`: it had said it could serve.
  using ExitCallback = std::function<void(IsolateHost&, bool was_ready)>;

  // Starts a host. On failure returns null and says why in `error`.
  static std::shared_ptr<IsolateHost> spawn(Loop& loop, const IsolateHostOptions& options,
                                            ExitCallback on_exit, std::string* error);
  ~IsolateHost();
  IsolateHost(const IsolateHost&) = delete;
  IsolateHost& operator=(const IsolateHost&) = delete;

  // A new sandbox id on this host, registered with `spec` (the host makes no isolate yet).
  int64_t create(const js::JsFunctionSpec& spec);
  // Asks the host to initialise sandbox `id` (prestart) or to invoke it (`message`'s request
  // and timeout; id and seq are set here); `done` gets the answer.
  void prestart(int64_t id, HostAnswerCallback done);
  void invoke(int64_t id, js::host::InvokeMessage message, HostAnswerCallback done);
  // Forgets sandbox `id`: its running JS is stopped; a request still pending on it is answered
  // (soon, on the loop) as if its runtime had exited.
  void dispose(int64_t id);

  bool alive() const { return !exited_; }
  // How it ended, in Lambda's words, once !alive().
  const std::string& exitText() const { return exit_text_; }
  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  int memoryMb() const { return options_.memory_mb; }
  size_t sandboxCount() const { return live_sandboxes_; }
  // Memory, for the budget (isolate_host_supervisor.h): the process's PSS as last measured (0
  // until then), and the footprints its sandboxes report, which the scheduler charges itself.
  uint64_t measuredMb() const { return measured_mb_; }
  void setMeasuredMb(uint64_t mb) { measured_mb_ = mb; }
  void addSandboxFootprint(int64_t delta_mb) { sandbox_footprint_mb_ += delta_mb; }
  uint64_t sandboxFootprintMb() const {
    return sandbox_footprint_mb_ > 0 ? static_cast<uint64_t>(sandbox_footprint_mb_) : 0;
  }
  void kill(int signal);
  // Moves the host into a cgroup (sandbox/isolate_host_cgroup.h) and keeps it with the host.
  void keep(std::shared_ptr<void> attachment) { attachment_ = std::move(attachment); }

 private:
  IsolateHost(Loop& loop, IsolateHostOptions options, ExitCallback on_exit);
  static void onExitCb(uv_process_t* process, int64_t exit_status, int term_signal);
  static void onReadCb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void onMessage(std::string_view body);
  void onJsonMessage(std::string_view body);
  void onExit(int64_t exit_status, int term_signal);
  // The seq of a new request for sandbox `id`, its answer to go to `done` (false: none will
  // come, the host is gone, and `done` was answered).
  bool expect(int64_t id, HostAnswerCallback& done, int64_t* seq);
  void send(const nlohmann::json& message);
  // Queues a whole frame for the end of this loop turn.
  void sendFrame(std::string frame);
  static void onFlushCb(uv_handle_t* handle);
  void flush();
  void closeHandles();

  Loop& loop_;
  IsolateHostOptions options_;
  ExitCallback on_exit_;
  uv_process_t* process_ = nullptr;
  uv_pipe_t* channel_ = nullptr;
  uv_prepare_t* flush_prepare_ = nullptr;  // both active only while out_ holds frames
  uv_check_t* flush_check_ = nullptr;
  std::string out_;  // frames queued this turn
  int open_handles_ = 0;
  std::shared_ptr<IsolateHost> self_;  // held while any uv handle is open
  std::shared_ptr<void> attachment_;
  pid_t pid_ = 0;
  bool ready_ = false;
  bool exited_ = false;
  bool channel_broken_ = false;
  std::string exit_text_;
  int64_t next_id_ = 0;
  int64_t next_seq_ = 0;
  int64_t fatal_oom_sandbox_ = -2;  // the sandbox V8 died of an out-of-memory in, if it said
  size_t live_sandboxes_ = 0;
  uint64_t measured_mb_ = 0;
  int64_t sandbox_footprint_mb_ = 0;
  js::host::FrameDecoder decoder_;
  std::string read_buffer_ = std::string(size_t{1} << 16, '\0');
  struct Pending {
    int64_t seq;
    HostAnswerCallback done;
  };
  std::map<int64_t, Pending> pending_;  // by sandbox id: at most one request each
};

}  // namespace stratus::sandbox
