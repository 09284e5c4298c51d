// A Node.js-style function loaded into its own V8 isolate and context: the unit that an
// IsolateSandbox (sandbox/) keeps warm. Owns one v8::Isolate, one Context, the loaded module
// and the handler, plus the isolate's own timer queue (setTimeout & co.), which is the "event
// loop" that callbackWaitsForEmptyEventLoop waits on.
//
// Threads: create() anywhere; init() and invoke() on any one worker thread at a time (they
// take a v8::Locker), never on the libuv loop thread: they block until the handler settles.
// Timeouts and out-of-memory are enforced from inside (a process-wide watchdog thread calls
// TerminateExecution at the deadline; the near-heap-limit callback terminates on OOM).
// terminate() may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace stratus::js {

// Process-wide V8 setup: call once, before any JsFunction is created (main, test main).
void initializeV8(const char* argv0);

// Keeps `count` isolates of `heap_limit_bytes` ready, bootstrapped in the background, for
// create() to claim (runtime/js/isolate_pool.h). 0 turns prewarming of that limit off (the
// default): create() then makes each isolate itself.
void prewarmIsolates(size_t count, uint64_t heap_limit_bytes = 128ull << 20);

// Called on the thread that hit it when V8 is about to abort the process for an out-of-memory
// it cannot recover from (some built-ins allocate far past the heap limit in one step): the
// isolate host (runtime/js/host) tells the server which sandbox it was before it dies. Set it
// before any isolate exists; it must be quick and must not take locks that JS threads hold.
using FatalOutOfMemoryHook = void (*)();
void setFatalOutOfMemoryHook(FatalOutOfMemoryHook hook);

struct JsFunctionSpec {
  std::string task_root;  // directory of the function's unzipped code (the "/var/task")
  std::string opt_root;   // directory of merged layers (the "/opt"), or "" for none
  std::string handler;    // "index.handler", "src/app.main", ...
  std::map<std::string, std::string> env;  // the whole process.env
  uint64_t heap_limit_bytes = 128ull << 20;  // derived from MemorySize
  // Fixed fields of the `context` object.
  std::string function_name;
  std::string function_version;  // "$LATEST" or "1"...
  std::string memory_limit_mb;   // a string, as Lambda gives it: "128"
  std::string log_group_name;
  std::string log_stream_name;
  // init()/invoke() leave the work that only later instances profit from (code caches of the
  // modules they compiled) to runDeferredWork(), so their result comes back sooner.
  bool defer_housekeeping = false;
};

struct JsInvokeRequest {
  std::string request_id;
  std::string event_json;  // already validated JSON text
  std::string invoked_function_arn;
  int64_t deadline_epoch_ms = 0;    // context.getRemainingTimeInMillis() counts down to this
  std::string client_context_json;  // "" when absent; else parsed into context.clientContext
};

enum class JsOutcome {
  kOk,             // payload = JSON of the result ("null" for undefined)
  kFunctionError,  // payload = {"errorType","errorMessage","trace"} as Lambda's Node runtime
  kTimeout,        // the deadline passed; JS was terminated
  kOutOfMemory,    // the heap limit was hit; JS was terminated
};

struct JsResult {
  JsOutcome outcome = JsOutcome::kOk;
  std::string payload;
  std::string error_type;               // errorType for error outcomes, "" for kOk
  // Console lines, Lambda text format, '\n'-joined into byte-sized chunks (LogChunks in
  // log_line.h: an entry holds one or many lines, no trailing '\n'; the last 1 MiB is kept).
  std::vector<std::string> log_lines;
  uint64_t heap_used_bytes = 0;         // after the call, for "Max Memory Used"
  bool reusable = true;  // false: discard this instance (timeout, OOM, crash-equivalent)
};

class JsFunction {
 public:
  static std::unique_ptr<JsFunction> create(JsFunctionSpec spec);
  virtual ~JsFunction() = default;

  // Loads the handler's module (running its top-level code) and resolves the export.
  // Init errors come back as kFunctionError with Lambda's errorType (Runtime.ImportModuleError,
  // Runtime.HandlerNotFound, Runtime.MalformedHandlerName, Runtime.UserCodeSyntaxError, or the
  // thrown error's type) and reusable = false.
  virtual JsResult init(int64_t deadline_epoch_ms) = 0;

  // Runs the handler once. Only after a successful init().
  virtual JsResult invoke(const JsInvokeRequest& request) = 0;

  // Any thread: stop whatever JS runs now; the instance is unusable afterwards.
  virtual void terminate() = 0;

  // With spec.defer_housekeeping: does the work that init()/invoke() calls left so far (see the
  // spec); call it once their result is on its way, e.g. after the cold start's init + first
  // invoke. Same threading rules as invoke(). Work not done is kept until it is.
  virtual void runDeferredWork() = 0;
};

}  // namespace stratus::js
