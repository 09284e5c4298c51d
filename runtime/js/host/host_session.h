// The isolate host's side of the protocol (runtime/js/host_protocol.h): reads the server's
// messages from the socket, keeps one JsFunction per sandbox id, runs their init/invoke calls
// on a WorkerPool (so sleeping handlers do not block others) and writes the answers back.
// It holds nothing of the server's: specs arrive whole (environment included) over the socket.
//
// Threads (leader/follower): one pool thread at a time is the reader. When the last complete
// frame it read asks for a call, it runs the call itself, so a call starts without a thread
// hand-off on its path, and reads on when it is done; only if the call runs longer than about a
// millisecond does another pool task take over reading meanwhile (reader_relief.h), so a short
// warm call wakes no other thread. Calls behind it in the same read are queued on the pool. Answers are queued whole frames at a
// time; the thread that finds no write under way becomes the writer and writes everything queued
// (its own answer and those queued meanwhile) in one blocking write per batch, so answering
// threads never wait on each other and answers finished together cost one syscall.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/worker_pool.h"
#include "runtime/js/host/reader_relief.h"
#include "runtime/js/host_call_codec.h"
#include "runtime/js/host_protocol.h"
#include "runtime/js/js_function.h"

namespace stratus::js::host {

class HostSession {
 public:
  HostSession(int fd, size_t max_workers);
  // Reads and serves until the server closes the socket (exit 0) or breaks the protocol (2):
  // never returns.
  [[noreturn]] void run();
  // Sends {"op":"ready"}: the host can serve.
  void sendReady();
  // The fatal out-of-memory hook's message, from the dying thread.
  static void sendFatalFromThisThread();

 private:
  struct Sandbox {
    JsFunctionSpec spec;
    std::mutex run_mu;  // one call at a time, and its deferred housekeeping
    std::mutex fn_mu;   // guards the pointer `fn` against dispose()'s terminate()
    std::unique_ptr<JsFunction> fn;
    std::atomic<bool> disposed{false};
  };

  struct Call {
    std::shared_ptr<Sandbox> sb;
    InvokeMessage msg;  // id and seq; the request when `invoke`
    bool invoke = false;
  };
  void readLoop();
  // Handles create/dispose at once; a prestart/invoke comes back in `call`. False: a protocol
  // error.
  bool handle(std::string_view body, std::optional<Call>* call);
  bool handleJson(std::string_view body, std::optional<Call>* call);
  void runCall(Call& call);
  [[noreturn]] static void finish(int code);
  void send(const nlohmann::json& message);
  // Queues a whole frame and, unless another thread is writing, writes the queue.
  void sendFrame(std::string frame);
  void writeAll(const std::string& bytes);

  const int fd_;
  FrameDecoder decoder_;  // the current reader's
  std::string read_buffer_ = std::string(size_t{1} << 16, '\0');  // the current reader's
  WorkerPool workers_;
  ReaderRelief* relief_;  // made once, never destroyed (its thread runs until _exit)
  std::mutex out_mu_;
  std::string out_;       // frames queued for the writer; guarded by out_mu_
  bool writing_ = false;  // a thread is writing (and drains out_ before it stops); out_mu_
  std::mutex map_mu_;
  std::map<int64_t, std::shared_ptr<Sandbox>> sandboxes_;  // guarded by map_mu_
};

}  // namespace stratus::js::host
