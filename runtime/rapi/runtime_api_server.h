// The Lambda Runtime API (2018-06-01) for one process sandbox: the runtime inside the jail long-
// polls /runtime/invocation/next, answers on /response or /error, and reports init failures on
// /runtime/init/error (LAMBDA.md §8). Served on 127.0.0.1:0 by the server's loop; the address
// goes into the sandbox's AWS_LAMBDA_RUNTIME_API.
//
// Stratus adds one route for prewarmed runtimes: GET /2018-06-01/stratus/claim blocks until the
// server assigns the process to a function, then answers {"env":{...}}, the variables the
// runtime client sets before it loads the handler (runtime/clients/*).
//
// And one header for Stratus's own runtime clients: a response or error post carrying
// `Stratus-Then-Next: 1` is also the runtime's next /next. It is not answered 202 but held, and
// answered with the next invocation exactly as a /next would be. One exchange per invocation
// instead of two: a warm invoke then costs the runtime one write, one read and one wake-up.
// A post the server refuses (4xx) is answered at once, and the runtime polls /next as usual.
//
// Every request is checked against the state machine (runtime_state.h) before anything acts on
// it. Events reach the owner on a later loop turn, never from inside the HTTP callback, so the
// owner may destroy this server from any event callback. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/base/error.h"
#include "runtime/base/http_server.h"
#include "runtime/base/loop.h"
#include "runtime/rapi/runtime_state.h"

namespace stratus::rapi {

// Lambda's limit on a response the runtime posts: 6 MiB + 100 bytes.
constexpr size_t kMaxResponseBytes = 6291556;
// The answer-then-next header above (lower case, as HttpRequest::header looks it up).
constexpr const char* kThenNextHeader = "stratus-then-next";
// Open connections one sandbox's Runtime API admits (a runtime needs one or two; its
// extensions a few more). Connections never time out here, so at the cap a new one closes
// the connection idle the longest (never a /next long-poll waiting for its event), or waits
// in the backlog while none is idle (HttpServerOptions::max_connections).
constexpr size_t kMaxRuntimeApiConnections = 64;

struct Invocation {
  std::string request_id;
  std::string payload;
  int64_t deadline_epoch_ms = 0;
  std::string invoked_function_arn;
  std::string trace_id;        // "Root=1-...;Parent=...;Sampled=0"
  std::string client_context;  // JSON text, "" if none
  std::string cognito_identity;  // JSON text, "" if none
};

struct RuntimeApiEvents {
  // The runtime asks for work: after init (its first /next, which ends init) and after each
  // answer it posted. Repeated polls while waiting do not fire it again.
  std::function<void()> on_ready;
  std::function<void(std::string request_id, std::string body)> on_response;
  // Error posts: the body is the invoke's answer verbatim; error_type is the runtime's
  // Lambda-Runtime-Function-Error-Type when well formed, else "Runtime.Unknown".
  std::function<void(std::string request_id, std::string body, std::string error_type)> on_error;
  std::function<void(std::string body, std::string error_type)> on_init_error;
  // The runtime tried to post more than kMaxResponseBytes; it was answered 413.
  std::function<void(std::string request_id)> on_response_too_large;
  std::function<void()> on_claim_waiting;  // a prewarmed runtime asks to be claimed
};

class RuntimeApiServer {
 public:
  // `client_uid` (when set): only connections from sockets that uid owns are accepted, so no
  // other process on this host's loopback can take this sandbox's invocations.
  RuntimeApiServer(Loop& loop, RuntimeApiEvents events, std::optional<uint32_t> client_uid = {});
  ~RuntimeApiServer();
  RuntimeApiServer(const RuntimeApiServer&) = delete;
  RuntimeApiServer& operator=(const RuntimeApiServer&) = delete;

  // Binds 127.0.0.1 on a free port.
  Status listen();
  std::string address() const;  // "127.0.0.1:PORT"

  // Hands an invocation to the runtime: answered at once if a /next is waiting, else held for
  // the next one. Only one invocation at a time: the caller waits for its answer first.
  void deliver(Invocation invocation);
  // Answers the prewarmed runtime's claim (now, or when it asks).
  void claim(std::map<std::string, std::string> env);

  // The Extensions API shares this address: requests under /2020-01-01/extension go to
  // `handler` (extension_registry.h) with the rest of the path; without one they are 404.
  using ExtensionHandler = std::function<void(HttpRequest&, const std::string& path, HttpRespond)>;
  void setExtensionHandler(ExtensionHandler handler);

  RuntimeState state() const;
  void close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A fresh X-Ray trace header for one invocation.
std::string newTraceId();

}  // namespace stratus::rapi
