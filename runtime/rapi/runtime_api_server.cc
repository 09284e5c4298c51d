#include "runtime/rapi/runtime_api_server.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string_view>

#include "runtime/base/clock.h"
#include "runtime/base/fault_boundary.h"
#include "runtime/base/http_server.h"
#include "runtime/base/ids.h"
#include "runtime/base/socket_owner.h"
#include "runtime/rapi/rapi_answers.h"

namespace stratus::rapi {

namespace {

constexpr const char* kPrefix = "/2018-06-01";
constexpr std::string_view kExtensionPrefix = "/2020-01-01/extension";
// The runtime's connections are long-lived and may idle between invocations for as long as the
// sandbox stays warm: never close them for idleness.
constexpr uint64_t kIdleForever = 365ull * 24 * 3600 * 1000;

HttpResponse accepted() { return jsonAnswer(202, R"({"status":"OK"})"); }

HttpResponse tooLarge() {
  return errorAnswer(413, "RequestEntityTooLarge",
                     "Exceeded maximum allowed payload size (" +
                         std::to_string(kMaxResponseBytes) + " bytes).");
}

// Lambda-Runtime-Function-Error-Type as the emulator accepts it; anything else is Unknown.
std::string errorTypeOf(const HttpRequest& req) {
  static const std::regex kValid("(Runtime|Function|Extension)\\.[A-Z][a-zA-Z]+");
  const std::string& t = req.header("lambda-runtime-function-error-type");
  if (std::regex_match(t, kValid)) return t;
  return "Runtime.Unknown";
}

// "/runtime/invocation/<id>/response" -> {id, "response"}.
bool splitInvocationPath(const std::string& path, std::string& id, std::string& verb) {
  static const std::string kInvocation = "/runtime/invocation/";
  if (path.compare(0, kInvocation.size(), kInvocation) != 0) return false;
  std::string rest = path.substr(kInvocation.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0) return false;
  id = percentDecode(rest.substr(0, slash));
  verb = rest.substr(slash + 1);
  return verb == "response" || verb == "error";
}

}  // namespace

struct RuntimeApiServer::Impl : std::enable_shared_from_this<Impl> {
  Loop& loop;
  RuntimeApiEvents events;
  std::unique_ptr<HttpServer> http;
  RuntimeState state = RuntimeState::kStarted;
  std::optional<HttpRespond> waiting_next;   // a /next being held
  std::optional<Invocation> pending;         // delivered, not yet handed to the runtime
  std::string current_id;                    // the invocation the runtime is running
  std::optional<HttpRespond> waiting_claim;
  std::optional<std::map<std::string, std::string>> claim_env;
  ExtensionHandler extension_handler;
  int port = 0;

  Impl(Loop& l, RuntimeApiEvents e) : loop(l), events(std::move(e)) {}

  // Runs `fn` on a later loop turn, unless the server is gone by then.
  void later(std::function<void(Impl&)> fn) {
    std::weak_ptr<Impl> weak = shared_from_this();
    loop.post([weak, fn = std::move(fn)] {
      if (auto self = weak.lock()) fn(*self);
    });
  }

  bool transition(RuntimeEvent event, const HttpRespond& respond) {
    RuntimeState to;
    if (!nextState(state, event, to)) {
      respond(jsonAnswer(403, invalidTransitionBody(state, event)));
      return false;
    }
    state = to;
    return true;
  }

  void handOver() {
    if (!waiting_next || !pending || state != RuntimeState::kReady) return;
    Invocation inv = std::move(*pending);
    pending.reset();
    HttpRespond respond = std::move(*waiting_next);
    waiting_next.reset();
    state = RuntimeState::kRunning;
    current_id = inv.request_id;
    HttpResponse r;
    r.status = 200;
    r.headers = {{"Content-Type", "application/json"},
                 {"Lambda-Runtime-Aws-Request-Id", inv.request_id},
                 {"Lambda-Runtime-Deadline-Ms", std::to_string(inv.deadline_epoch_ms)},
                 {"Lambda-Runtime-Invoked-Function-Arn", inv.invoked_function_arn},
                 {"Lambda-Runtime-Trace-Id", inv.trace_id}};
    if (!inv.client_context.empty()) {
      r.headers.emplace_back("Lambda-Runtime-Client-Context", inv.client_context);
    }
    if (!inv.cognito_identity.empty()) {
      r.headers.emplace_back("Lambda-Runtime-Cognito-Identity", inv.cognito_identity);
    }
    r.body = std::move(inv.payload);
    respond(std::move(r));
  }

  void answerClaim() {
    if (!waiting_claim || !claim_env) return;
    nlohmann::json env = nlohmann::json::object();
    for (const auto& [k, v] : *claim_env) env[k] = v;
    HttpRespond respond = std::move(*waiting_claim);
    waiting_claim.reset();
    claim_env.reset();
    respond(jsonAnswer(200, nlohmann::json{{"env", env}}.dump(-1, ' ', false,
                                                            nlohmann::json::error_handler_t::replace)));
  }

  void onNext(HttpRespond respond) {
    RuntimeState before = state;
    if (!transition(RuntimeEvent::kNext, respond)) return;
    if (waiting_next) {
      // A second long poll replaces the first (a runtime that reconnected): the old one ends.
      (*waiting_next)(errorAnswer(500, "InternalServerError", "Internal Server Error"));
    }
    waiting_next = std::move(respond);
    if (before != RuntimeState::kReady && before != RuntimeState::kRunning) {
      later([](Impl& self) { if (self.events.on_ready) self.events.on_ready(); });
    }
    handOver();
  }

  void onAnswer(HttpRequest& req, const std::string& id, const std::string& verb,
                HttpRespond respond) {
    RuntimeEvent event = verb == "response" ? RuntimeEvent::kResponse : RuntimeEvent::kError;
    RuntimeState to;
    if (!nextState(state, event, to)) {
      respond(jsonAnswer(403, invalidTransitionBody(state, event)));
      return;
    }
    if (id != current_id) {
      respond(errorAnswer(400, "InvalidRequestID", "Invalid request ID"));
      return;
    }
    state = to;  // InvocationResponse or InvocationErrorResponse: the answer is passed on below
    state = RuntimeState::kResponseSent;
    std::string body = std::move(req.body);
    if (event == RuntimeEvent::kResponse) {
      later([id, body = std::move(body)](Impl& self) mutable {
        if (self.events.on_response) self.events.on_response(id, std::move(body));
      });
    } else {
      std::string type = errorTypeOf(req);
      later([id, body = std::move(body), type](Impl& self) mutable {
        if (self.events.on_error) self.events.on_error(id, std::move(body), type);
      });
    }
    // The answer was recorded; the post itself waits as a /next would (kThenNextHeader).
    if (req.header(kThenNextHeader) == "1") return onNext(std::move(respond));
    respond(accepted());
  }

  void onInitError(HttpRequest& req, HttpRespond respond) {
    if (!transition(RuntimeEvent::kInitError, respond)) return;
    respond(accepted());
    std::string type = errorTypeOf(req);
    later([body = std::move(req.body), type](Impl& self) mutable {
      if (self.events.on_init_error) self.events.on_init_error(std::move(body), type);
    });
  }

  void handle(HttpRequest&& req, HttpRespond respond) {
    injectFault(fault_site::kRuntimeApi);  // tests: the HTTP server's boundary answers it
    std::string path = req.path;
    if (extension_handler && path.compare(0, kExtensionPrefix.size(), kExtensionPrefix) == 0) {
      return extension_handler(req, path.substr(kExtensionPrefix.size()), std::move(respond));
    }
    if (path.compare(0, 11, kPrefix) != 0) {
      return respond(errorAnswer(404, "NotFound", "Not Found"));
    }
    path = path.substr(11);
    std::string id, verb;
    if (path == "/runtime/invocation/next") {
      if (req.method != "GET") return respond(errorAnswer(405, "MethodNotAllowed", "Method Not Allowed"));
      return onNext(std::move(respond));
    }
    if (splitInvocationPath(path, id, verb)) {
      if (req.method != "POST") return respond(errorAnswer(405, "MethodNotAllowed", "Method Not Allowed"));
      const std::string& mode = req.header("lambda-runtime-function-response-mode");
      if (!mode.empty() && mode != "streaming") {
        return respond(errorAnswer(400, "InvalidFunctionResponseMode",
                                   "Invalid function response mode: " + mode));
      }
      return onAnswer(req, id, verb, std::move(respond));
    }
    if (path == "/runtime/init/error") {
      if (req.method != "POST") return respond(errorAnswer(405, "MethodNotAllowed", "Method Not Allowed"));
      return onInitError(req, std::move(respond));
    }
    if (path == "/stratus/claim" && req.method == "GET") {
      if (waiting_claim || state != RuntimeState::kStarted) {
        return respond(errorAnswer(403, "InvalidStateTransition", "This runtime was claimed already"));
      }
      waiting_claim = std::move(respond);
      later([](Impl& self) { if (self.events.on_claim_waiting) self.events.on_claim_waiting(); });
      return answerClaim();
    }
    respond(errorAnswer(404, "NotFound", "Not Found"));
  }

  // The runtime posted a body over the limit: the HTTP server answers 413 and closes the
  // connection; the invocation ends as Function.ResponseSizeTooLarge.
  HttpResponse onTooLarge(const HttpRequest& partial) {
    std::string path = partial.path.size() > 11 ? partial.path.substr(11) : "";
    std::string id, verb;
    if (splitInvocationPath(path, id, verb) && state == RuntimeState::kRunning &&
        id == current_id) {
      state = RuntimeState::kResponseSent;
      later([id](Impl& self) {
        if (self.events.on_response_too_large) self.events.on_response_too_large(id);
      });
    }
    return tooLarge();
  }
};

RuntimeApiServer::RuntimeApiServer(Loop& loop, RuntimeApiEvents events,
                                   std::optional<uint32_t> client_uid)
    : impl_(std::make_shared<Impl>(loop, std::move(events))) {
  HttpServerOptions options;
  if (client_uid) {
    Impl* self = impl_.get();
    uint32_t uid = *client_uid;
    options.accept_filter = [self, uid](int peer_port) {
      std::optional<uint32_t> owner = loopbackPeerUid(peer_port, self->port);
      return owner && *owner == uid;
    };
  }
  options.max_body_bytes = kMaxResponseBytes;
  options.idle_timeout_ms = kIdleForever;
  options.max_connections = kMaxRuntimeApiConnections;
  Impl* impl = impl_.get();  // the HTTP server lives inside impl and dies with it
  options.too_large_response = [impl](const HttpRequest& partial) { return impl->onTooLarge(partial); };
  impl_->http = std::make_unique<HttpServer>(
      loop, [impl](HttpRequest&& req, HttpRespond respond) { impl->handle(std::move(req), std::move(respond)); },
      options);
}

RuntimeApiServer::~RuntimeApiServer() { close(); }

Status RuntimeApiServer::listen() {
  Status s = impl_->http->listen("127.0.0.1", 0);
  if (s.ok()) impl_->port = impl_->http->port();
  return s;
}

std::string RuntimeApiServer::address() const {
  return "127.0.0.1:" + std::to_string(impl_->port);
}

void RuntimeApiServer::deliver(Invocation invocation) {
  impl_->pending = std::move(invocation);
  impl_->handOver();
}

void RuntimeApiServer::claim(std::map<std::string, std::string> env) {
  impl_->claim_env = std::move(env);
  impl_->answerClaim();
}

void RuntimeApiServer::setExtensionHandler(ExtensionHandler handler) {
  impl_->extension_handler = std::move(handler);
}

RuntimeState RuntimeApiServer::state() const { return impl_->state; }

void RuntimeApiServer::close() {
  if (impl_->http) impl_->http->close();
  impl_->waiting_next.reset();
  impl_->waiting_claim.reset();
}

std::string newTraceId() {
  char epoch_hex[9];
  std::snprintf(epoch_hex, sizeof epoch_hex, "%08llx",
                static_cast<unsigned long long>(epochMs() / 1000));
  return "Root=1-" + std::string(epoch_hex) + "-" + randomHex(24) + ";Parent=" + randomHex(16) +
         ";Sampled=0";
}

}  // namespace stratus::rapi
