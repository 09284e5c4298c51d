// HTTP requests through libcurl's multi interface, driven by the loop's own sockets and one
// loop timer (curl's docs/examples/multi-uv.c pattern): no curl threads, nothing blocks. Used
// by the remote queue client (remote_queue_client.h). Loop thread only; `done` runs on the
// loop, once, never inside send().
//
// Belongs in runtime/base as the HttpClient ARCHITECTURE.md names once a second user appears.
#pragma once

#include <curl/curl.h>
#include <uv.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/loop.h"

namespace stratus::esm {

struct CurlRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long timeout_ms = 30000;
};

struct CurlResponse {
  long status = 0;     // 0 when no answer came
  std::string body;
  std::string error;   // curl's description of a transport failure; "" otherwise
};

class CurlLoopClient {
 public:
  explicit CurlLoopClient(Loop& loop);
  ~CurlLoopClient();
  CurlLoopClient(const CurlLoopClient&) = delete;
  CurlLoopClient& operator=(const CurlLoopClient&) = delete;

  void send(CurlRequest request, std::function<void(CurlResponse)> done);

 private:
  struct Transfer;
  struct Socket;
  static int onSocket(CURL* easy, curl_socket_t fd, int action, void* self, void* socket);
  static int onTimer(CURLM* multi, long timeout_ms, void* self);
  void act(curl_socket_t fd, int flags);
  void finishDone();

  Loop& loop_;
  CURLM* multi_;
  uv_timer_t* timer_;  // freed in its close callback
};

}  // namespace stratus::esm
