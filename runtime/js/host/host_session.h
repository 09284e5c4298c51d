// The isolate host's side of the protocol (runtime/js/host_protocol.h): reads the server's
// messages from the socket, keeps one JsFunction per sandbox id, runs their init/invoke calls
// on a WorkerPool (so sleeping handlers do not block others) and writes the answers back.
// It holds nothing of the server's: specs arrive whole (environment included) over the socket.
//
// Threads: run() reads on the calling thread; calls run on workers; answers are written under
// one mutex, whole frames at a time, with blocking writes.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/base/worker_pool.h"
#include "runtime/js/js_function.h"

namespace stratus::js::host {

class HostSession {
 public:
  HostSession(int fd, size_t max_workers);
  // Reads and serves until the server closes the socket (0) or breaks the protocol (2).
  int run();
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

  bool handle(const std::string& body);
  void call(int64_t id, std::shared_ptr<Sandbox> sb, nlohmann::json msg, bool invoke);
  void send(const nlohmann::json& message);
  void writeAll(const std::string& bytes);

  const int fd_;
  WorkerPool workers_;
  std::mutex write_mu_;
  std::mutex map_mu_;
  std::map<int64_t, std::shared_ptr<Sandbox>> sandboxes_;  // guarded by map_mu_
};

}  // namespace stratus::js::host
