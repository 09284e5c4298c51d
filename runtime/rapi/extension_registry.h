// The Lambda Extensions API (2020-01-01) for one process sandbox: the extensions in /opt/extensions
// register, long-poll /extension/event/next for INVOKE and SHUTDOWN events, and report failures
// on /extension/init/error and /extension/exit/error (LAMBDA.md §8). Served on the runtime's own
// Runtime API address (runtime_api_server.h forwards /2020-01-01/extension/* here).
//
// Each extension moves Registered -next-> Ready -event-> Running -next-> Ready ..., as the
// runtime interface emulator's agent state machine does; every other request is refused with 403
// and Lambda's error shape. The owner (the process sandbox) asks allWaiting() to decide when init
// is over and when an invocation is finished: Lambda finishes an invoke only once every extension
// has asked for its next event.
//
// No HTTP or loop of its own: requests come in through handle(), answers go out through the
// HttpRespond they came with, and events reach the owner through `defer` (a later loop turn, so
// the owner may drop the registry from inside one). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/http_server.h"

namespace stratus::rapi {

// Lambda's limit on extensions per function.
constexpr size_t kMaxExtensions = 10;

struct ExtensionFunctionInfo {
  std::string function_name;
  std::string function_version;
  std::string handler;
  std::string account_id;
};

struct ExtensionEvents {
  // Something the owner may be waiting for changed: an extension registered, polled, failed or
  // exited. The owner re-reads allRegistered() / allWaiting() / failure().
  std::function<void()> on_change;
};

// What an extension made of the environment: `error_type` ("Extension.InitError",
// "Extension.ExitError", "Extension.Crash") set once, by the first extension that failed.
struct ExtensionFailure {
  std::string error_type;
  std::string extension;  // its name
  std::string reported;   // the Lambda-Extension-Function-Error-Type it posted ("" for a crash)
};

struct InvokeEventFields {
  std::string request_id;
  int64_t deadline_epoch_ms = 0;
  std::string invoked_function_arn;
  std::string trace_id;
};

class ExtensionRegistry {
 public:
  using Defer = std::function<void(std::function<void()>)>;

  // `external`: the executables the sandbox started from /opt/extensions, by file name; init
  // waits for each of them to register. Other names register as internal extensions (started
  // by the runtime itself), which Lambda allows INVOKE only.
  ExtensionRegistry(ExtensionFunctionInfo function, std::vector<std::string> external,
                    ExtensionEvents events, Defer defer);
  ~ExtensionRegistry();
  ExtensionRegistry(const ExtensionRegistry&) = delete;
  ExtensionRegistry& operator=(const ExtensionRegistry&) = delete;

  // One request; `path` is what follows "/2020-01-01/extension" ("/register", "/event/next"...).
  void handle(HttpRequest& req, const std::string& path, HttpRespond respond);

  // Init is over: later registrations are refused (Extension.RegistrationClosed).
  void closeRegistration();
  // Every external extension registered.
  bool allRegistered() const;
  // Every registered extension that is still alive is parked in /event/next with nothing queued.
  bool allWaiting() const;
  // The first failure an extension reported or caused, if any.
  const std::optional<ExtensionFailure>& failure() const;

  // Sends INVOKE to each extension subscribed to it (at once if it is polling, else on its next
  // poll).
  void deliverInvoke(const InvokeEventFields& invoke);
  // Sends SHUTDOWN to each extension subscribed to it; false when none is (nothing to wait for).
  bool beginShutdown(const std::string& reason, int64_t deadline_epoch_ms);
  // Every SHUTDOWN subscriber has polled again after its SHUTDOWN, or exited.
  bool shutdownDone() const;

  // An external extension's process exited (reported by the jail): an Extension.Crash unless it
  // was shutting down.
  void extensionExited(const std::string& name);

  size_t registeredCount() const;
  // Lambda's line per registered extension at the end of init, '\n' ended:
  // "EXTENSION\tName: logger\tState: Ready\tEvents: [INVOKE, SHUTDOWN]".
  std::string initLogLines() const;
  // Ends every held poll (the sandbox is going).
  void close();

  struct Extension;

 private:
  Extension* byId(const HttpRequest& req, const HttpRespond& respond);
  void onRegister(HttpRequest& req, HttpRespond respond);
  void onNext(HttpRequest& req, HttpRespond respond);
  void onError(HttpRequest& req, bool at_init, HttpRespond respond);
  void fail(const std::string& type, const std::string& name, const std::string& reported);
  void changed();
  void push(Extension& ext, std::string event);

  ExtensionFunctionInfo function_;
  std::vector<std::string> external_;
  ExtensionEvents events_;
  Defer defer_;
  std::vector<std::unique_ptr<Extension>> extensions_;  // in registration order
  bool registration_closed_ = false;
  bool shutting_down_ = false;
  std::optional<ExtensionFailure> failure_;
  std::shared_ptr<bool> alive_;  // deferred events check it: the registry may be gone by then
};

}  // namespace stratus::rapi
