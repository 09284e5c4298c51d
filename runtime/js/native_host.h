// What the bootstrap's native functions (native_bindings.h) need from the instance whose JS
// calls them. The instance is found through isolate data slot kIsolateSlot, never through a
// pointer baked into a template, so the bootstrap's state can go into a startup snapshot.
//
// Threads: only the thread that holds the isolate's Locker calls these.
#pragma once

#include <v8-function.h>
#include <v8-isolate.h>

#include <string>
#include <string_view>

namespace stratus::js {

// console levels, as the bootstrap passes them to native.log().
enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kFatal };

// How the JS side settled the current init/invoke (native.settle()).
enum class SettleKind {
  kOk = 0,     // payload: the response JSON
  kError = 1,  // payload: the error JSON; the instance stays usable
  kFatal = 2,  // as kError, then the runtime "exits" (uncaught exception, unhandled rejection)
};

class NativeHost {
 public:
  static constexpr uint32_t kIsolateSlot = 0;

  static NativeHost* of(v8::Isolate* isolate) {
    return static_cast<NativeHost*>(isolate->GetData(kIsolateSlot));
  }

  virtual void log(LogLevel level, std::string_view message) = 0;
  // process.stdout/stderr.write: text without the console prefix.
  virtual void writeRaw(std::string_view text) = 0;
  // Only the first settle of a call counts.
  virtual void settle(SettleKind kind, std::string payload, std::string error_type) = 0;
  // process.exit(code): terminates the running JS; the call ends as Runtime.ExitError.
  virtual void requestExit(int code) = 0;
  // True once the running call must stop (timeout, OOM, exit, terminate()).
  virtual bool stopping() const = 0;

  // Is `path` (absolute, lexically normal) under the task or opt root? No system calls.
  virtual bool lexicallyInside(std::string_view path) const = 0;
  // Resolves symlinks; false when `path` does not exist or resolves outside both roots.
  virtual bool confine(const std::string& path, std::string* real_path) const = 0;

  // A module function compiled without a code cache: the instance creates the cache after init.
  virtual void noteCompiled(v8::Local<v8::Function> function, std::string cache_key) = 0;

  // The reason of the oldest rejection that still has no handler, removing all pending ones.
  // Returns false when there is none.
  virtual bool takeUnhandledRejection(v8::Local<v8::Value>* reason) = 0;
  virtual bool hasUnhandledRejections() const = 0;

  // Names the function in diagnostics (a fatal out-of-memory report); "" when none.
  virtual std::string_view functionName() const { return {}; }

 protected:
  ~NativeHost() = default;
};

}  // namespace stratus::js
