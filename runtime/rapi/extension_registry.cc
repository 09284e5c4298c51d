#include "runtime/rapi/extension_registry.h"

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "runtime/base/ids.h"
#include "runtime/rapi/rapi_answers.h"

namespace stratus::rapi {

namespace {

enum class ExtState { kRegistered, kReady, kRunning, kInitError, kExitError, kExited };

const char* extStateName(ExtState s) {
  switch (s) {
    case ExtState::kRegistered: return "Registered";
    case ExtState::kReady: return "Ready";
    case ExtState::kRunning: return "Running";
    case ExtState::kInitError: return "InitError";
    case ExtState::kExitError: return "ExitError";
    case ExtState::kExited: return "Exited";
  }
  return "Unknown";
}

HttpResponse forbidden(const std::string& type, const std::string& message) {
  return errorAnswer(403, type, message);
}

// The emulator's wording for a refused extension transition.
HttpResponse invalidState(ExtState from, const char* to, const std::string& who) {
  return forbidden("Extension.InvalidExtensionState",
                   std::string("State transition from ") + extStateName(from) + " to " + to +
                       " failed for extension " + who + ". Error: State transition is not allowed");
}

HttpResponse methodNotAllowed() {
  return jsonAnswer(405, R"({"errorMessage":"Method Not Allowed","errorType":"MethodNotAllowed"})");
}

bool looksLikeUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

}  // namespace

struct ExtensionRegistry::Extension {
  std::string name;
  std::string id;
  bool external = false;
  bool invoke = false;    // subscribed to INVOKE
  bool shutdown = false;  // subscribed to SHUTDOWN
  bool got_shutdown = false;
  std::vector<std::string> events;  // as registered, for the init log
  ExtState state = ExtState::kRegistered;
  std::optional<HttpRespond> parked;  // its /event/next, held until an event comes
  std::deque<std::string> queue;      // events (JSON) not yet handed over
  bool alive() const { return state != ExtState::kExited; }
};

ExtensionRegistry::ExtensionRegistry(ExtensionFunctionInfo function, std::vector<std::string> external,
                                     ExtensionEvents events, Defer defer)
    : function_(std::move(function)),
      external_(std::move(external)),
      events_(std::move(events)),
      defer_(std::move(defer)),
      alive_(std::make_shared<bool>(true)) {}

ExtensionRegistry::~ExtensionRegistry() {
  *alive_ = false;
  close();
}

void ExtensionRegistry::changed() {
  if (!events_.on_change) return;
  std::weak_ptr<bool> alive = alive_;
  defer_([this, alive] {
    auto still = alive.lock();
    if (still && *still && events_.on_change) events_.on_change();
  });
}

void ExtensionRegistry::fail(const std::string& type, const std::string& name,
                             const std::string& reported) {
  if (!failure_) failure_ = ExtensionFailure{type, name, reported};
}

void ExtensionRegistry::handle(HttpRequest& req, const std::string& path, HttpRespond respond) {
  if (path == "/register") {
    if (req.method != "POST") return respond(methodNotAllowed());
    return onRegister(req, std::move(respond));
  }
  if (path == "/event/next") {
    if (req.method != "GET") return respond(methodNotAllowed());
    return onNext(req, std::move(respond));
  }
  if (path == "/init/error" || path == "/exit/error") {
    if (req.method != "POST") return respond(methodNotAllowed());
    return onError(req, path == "/init/error", std::move(respond));
  }
  respond(jsonAnswer(404, R"({"errorMessage":"Not Found","errorType":"NotFound"})"));
}

void ExtensionRegistry::onRegister(HttpRequest& req, HttpRespond respond) {
  const std::string& name = req.header("lambda-extension-name");
  if (name.empty()) return respond(forbidden("Extension.InvalidExtensionName", "Empty extension name"));
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return respond(forbidden("InvalidRequestFormat", "the register body is not a JSON object"));
  }
  if (body.contains("configurationKeys")) {
    return respond(forbidden("InvalidRequestFormat",
                             "configurationKeys are deprecated; use environment variables instead"));
  }
  bool external = std::find(external_.begin(), external_.end(), name) != external_.end();
  auto existing = std::find_if(extensions_.begin(), extensions_.end(),
                               [&](const auto& e) { return e->name == name; });
  if (existing != extensions_.end()) {
    return respond(external ? invalidState((*existing)->state, "Registered", name)
                            : forbidden("Extension.InvalidExtensionState",
                                        "Extension with this name already registered"));
  }
  if (registration_closed_) {
    return respond(forbidden("Extension.RegistrationClosed", "Extension registration closed already"));
  }
  if (extensions_.size() >= kMaxExtensions) {
    return respond(forbidden("Extension.TooManyExtensions",
                             "Extension limit (" + std::to_string(kMaxExtensions) + ") reached"));
  }
  auto ext = std::make_unique<Extension>();
  ext->name = name;
  ext->external = external;
  const nlohmann::json& list = body.contains("events") ? body["events"] : nlohmann::json::array();
  if (!list.is_array()) return respond(forbidden("InvalidRequestFormat", "events must be a list"));
  for (const auto& e : list) {
    std::string event = e.is_string() ? e.get<std::string>() : e.dump();
    if (event == "INVOKE") {
      ext->invoke = true;
      ext->events.push_back(event);
    } else if (event == "SHUTDOWN" && external) {
      ext->shutdown = true;
      ext->events.push_back(event);
    } else {
      // Internal extensions live in the runtime's process and are never told to shut down.
      std::string why = event == "SHUTDOWN" ? "SHUTDOWN event is not supported for internal extensions"
                                            : "invalid event";
      return respond(forbidden("Extension.InvalidEventType", event + ": " + why));
    }
  }
  ext->id = uuid4();
  HttpResponse r = jsonAnswer(200, "");
  r.headers.emplace_back("Lambda-Extension-Identifier", ext->id);
  nlohmann::json answer = {{"functionName", function_.function_name},
                           {"functionVersion", function_.function_version},
                           {"handler", function_.handler}};
  const std::string& features = req.header("lambda-extension-accept-feature");
  if (features.find("accountId") != std::string::npos && !function_.account_id.empty()) {
    answer["accountId"] = function_.account_id;
  }
  r.body = answer.dump();
  extensions_.push_back(std::move(ext));
  respond(std::move(r));
  changed();
}

ExtensionRegistry::Extension* ExtensionRegistry::byId(const HttpRequest& req, const HttpRespond& respond) {
  const std::string& id = req.header("lambda-extension-identifier");
  if (id.empty()) {
    respond(forbidden("Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header"));
    return nullptr;
  }
  if (!looksLikeUuid(id)) {
    respond(forbidden("Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier"));
    return nullptr;
  }
  for (auto& e : extensions_) {
    if (e->id == id) return e.get();
  }
  respond(forbidden("Extension.UnknownExtensionIdentifier", "Unknown extension " + id));
  return nullptr;
}

void ExtensionRegistry::onNext(HttpRequest& req, HttpRespond respond) {
  Extension* ext = byId(req, respond);
  if (!ext) return;
  if (ext->state != ExtState::kRegistered && ext->state != ExtState::kReady &&
      ext->state != ExtState::kRunning) {
    return respond(invalidState(ext->state, "Ready", ext->id));
  }
  if (ext->parked) {
    // A second poll replaces the first (an extension that reconnected): the old one ends.
    (*ext->parked)(jsonAnswer(500, R"({"errorMessage":"Internal Server Error","errorType":"InternalServerError"})"));
    ext->parked.reset();
  }
  ext->state = ExtState::kReady;
  if (!ext->queue.empty()) {
    std::string event = std::move(ext->queue.front());
    ext->queue.pop_front();
    ext->state = ExtState::kRunning;
    HttpResponse r = jsonAnswer(200, std::move(event));
    r.headers.emplace_back("Lambda-Extension-Event-Identifier", uuid4());
    return respond(std::move(r));
  }
  ext->parked = std::move(respond);
  changed();
}

void ExtensionRegistry::onError(HttpRequest& req, bool at_init, HttpRespond respond) {
  Extension* ext = byId(req, respond);
  if (!ext) return;
  const std::string& type = req.header("lambda-extension-function-error-type");
  if (type.empty()) {
    return respond(forbidden("Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found"));
  }
  // init/error only before the extension's first poll; exit/error any time after registering.
  bool allowed = at_init ? ext->state == ExtState::kRegistered
                         : ext->state == ExtState::kRegistered || ext->state == ExtState::kReady ||
                               ext->state == ExtState::kRunning;
  if (!allowed) return respond(invalidState(ext->state, at_init ? "InitError" : "ExitError", ext->id));
  ext->state = at_init ? ExtState::kInitError : ExtState::kExitError;
  if (ext->parked) {
    (*ext->parked)(jsonAnswer(500, R"({"errorMessage":"Internal Server Error","errorType":"InternalServerError"})"));
    ext->parked.reset();
  }
  fail(at_init ? "Extension.InitError" : "Extension.ExitError", ext->name, type);
  respond(jsonAnswer(202, R"({"status":"OK"})"));
  changed();
}

void ExtensionRegistry::push(Extension& ext, std::string event) {
  if (ext.parked && ext.queue.empty()) {
    HttpRespond respond = std::move(*ext.parked);
    ext.parked.reset();
    ext.state = ExtState::kRunning;
    HttpResponse r = jsonAnswer(200, std::move(event));
    r.headers.emplace_back("Lambda-Extension-Event-Identifier", uuid4());
    respond(std::move(r));
    return;
  }
  ext.queue.push_back(std::move(event));
}

void ExtensionRegistry::closeRegistration() { registration_closed_ = true; }

bool ExtensionRegistry::allRegistered() const {
  for (const std::string& name : external_) {
    bool found = std::any_of(extensions_.begin(), extensions_.end(),
                             [&](const auto& e) { return e->name == name; });
    if (!found) return false;
  }
  return true;
}

bool ExtensionRegistry::allWaiting() const {
  for (const auto& e : extensions_) {
    if (!e->alive()) continue;
    if (e->state == ExtState::kInitError || e->state == ExtState::kExitError) continue;
    if (!e->parked || !e->queue.empty()) return false;
  }
  return true;
}

const std::optional<ExtensionFailure>& ExtensionRegistry::failure() const { return failure_; }

void ExtensionRegistry::deliverInvoke(const InvokeEventFields& invoke) {
  std::string event = nlohmann::json{{"eventType", "INVOKE"},
                                     {"deadlineMs", invoke.deadline_epoch_ms},
                                     {"requestId", invoke.request_id},
                                     {"invokedFunctionArn", invoke.invoked_function_arn},
                                     {"tracing", {{"type", "X-Amzn-Trace-Id"}, {"value", invoke.trace_id}}}}
                          .dump();
  for (auto& e : extensions_) {
    if (e->invoke && e->alive() && e->state != ExtState::kExitError && e->state != ExtState::kInitError) {
      push(*e, event);
    }
  }
}

bool ExtensionRegistry::beginShutdown(const std::string& reason, int64_t deadline_epoch_ms) {
  shutting_down_ = true;
  registration_closed_ = true;
  std::string event = nlohmann::json{{"eventType", "SHUTDOWN"},
                                     {"shutdownReason", reason},
                                     {"deadlineMs", deadline_epoch_ms}}
                          .dump();
  bool any = false;
  for (auto& e : extensions_) {
    if (!e->shutdown || !e->alive() || e->state == ExtState::kInitError) continue;
    e->queue.clear();  // an INVOKE it never took is moot now
    e->got_shutdown = true;
    push(*e, event);
    any = true;
  }
  return any;
}

bool ExtensionRegistry::shutdownDone() const {
  for (const auto& e : extensions_) {
    if (!e->got_shutdown || !e->alive()) continue;
    if (!e->parked || !e->queue.empty()) return false;
  }
  return true;
}

void ExtensionRegistry::extensionExited(const std::string& name) {
  bool known = false;
  for (auto& e : extensions_) {
    if (e->name != name || !e->external) continue;
    known = true;
    bool expected = e->got_shutdown || e->state == ExtState::kInitError || e->state == ExtState::kExitError;
    e->state = ExtState::kExited;
    e->parked.reset();
    e->queue.clear();
    if (!expected) fail("Extension.Crash", name, "");
  }
  // Exited before it ever registered: init can never finish.
  if (!known && !shutting_down_) fail("Extension.Crash", name, "");
  changed();
}

size_t ExtensionRegistry::registeredCount() const { return extensions_.size(); }

std::string ExtensionRegistry::initLogLines() const {
  std::string out;
  for (const auto& e : extensions_) {
    out += "EXTENSION\tName: " + e->name + "\tState: " + extStateName(e->state) + "\tEvents: [";
    for (size_t i = 0; i < e->events.size(); ++i) out += (i ? ", " : "") + e->events[i];
    out += "]\n";
  }
  return out;
}

void ExtensionRegistry::close() {
  for (auto& e : extensions_) e->parked.reset();
}

}  // namespace stratus::rapi
