// The JsFunction implementation: one v8::Isolate (heap limited by the spec), its ArrayBuffer
// allocator, one Context holding the bootstrap runtime (bootstrap/*.js) and, after init(), the
// user's module and handler. The isolate, allocator and bootstrapped context come as an
// IsolateShell, claimed from the prewarm pool (isolate_pool.h) or made by the constructor, and
// go back to the pool's disposal thread when the instance is destroyed. Each init()/invoke() is a "call": it runs JS, then drives the
// isolate's event loop (nextTicks, microtasks, the JS timer queue) until the call settles, the
// loop drains, or the call is stopped.
//
// Stopping: the process-wide Watchdog terminates at the deadline, the near-heap-limit callback
// on OOM, process.exit() and terminate() likewise; the first reason wins and the instance is
// condemned (every later call fails at once). Host code never continues JS after termination.
//
// Threads: constructed on any thread; init()/invoke() on one worker thread at a time (each
// takes a v8::Locker); terminate() from any thread. Worker threads need a stack of at least
// 2 MB (V8 assumes about 1 MB of usable stack below the point where JS is entered). Destroy the
// instance only when no call is running (terminate(), then let the call return); destruction
// is cheap on any thread (the isolate is disposed elsewhere). While a call waits for a timer it
// is in a WorkerPool::BlockingScope, so it holds none of the worker pool's active slots.
#pragma once

#include <v8-context.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-persistent-handle.h>
#include <v8-promise.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/js/confined_roots.h"
#include "runtime/js/isolate_shell.h"
#include "runtime/js/js_function.h"
#include "runtime/js/native_host.h"

namespace stratus::js {

class IsolateFunction final : public JsFunction, private NativeHost {
 public:
  // `shell`: a ready shell of the spec's effective heap limit, or null to make one now.
  IsolateFunction(JsFunctionSpec spec, std::unique_ptr<IsolateShell> shell);
  ~IsolateFunction() override;
  IsolateFunction(const IsolateFunction&) = delete;
  IsolateFunction& operator=(const IsolateFunction&) = delete;

  JsResult init(int64_t deadline_epoch_ms) override;
  JsResult invoke(const JsInvokeRequest& request) override;
  void terminate() override;
  void runDeferredWork() override;

 private:
  // Why the running call must stop; the first reason wins (stop_).
  enum class Stop : int { kNone = 0, kTimeout, kOutOfMemory, kExit, kTerminated };

  struct Call;

  // Claims the shell for this function: installs the callbacks and runs the bootstrap's
  // configure() with this instance's settings; a failure is kept in bootstrap_error_.
  void configure();
  v8::Local<v8::Object> instanceConfig(v8::Local<v8::Context> context);
  void runCall(Call& call, const std::function<bool(v8::Local<v8::Context>)>& start);
  // Runs ticks, timers and beforeExit until the call settles, drains or stops.
  void driveLoop(v8::Local<v8::Context> context, Call& call);
  bool callJs(v8::Local<v8::Context> context, const v8::Global<v8::Function>& function, int argc,
              v8::Local<v8::Value>* argv, v8::Local<v8::Value>* out = nullptr);
  void settleEscapedException(v8::Local<v8::Context> context, v8::Local<v8::Value> exception);
  void finishCall(Call& call, bool watchdog_fired);
  bool requestStop(Stop reason);
  Stop stopReason() const { return static_cast<Stop>(stop_.load(std::memory_order_acquire)); }
  // Stores code caches of the modules this instance compiled; `final` after an invoke.
  void cacheCompiledModules(bool final);
  void refreshBootstrapCache();
  // The housekeeping of finished calls, now (under the Locker).
  void doDeferredWork();
  bool refuseCall(JsResult* result, const std::string& request_id);

  // NativeHost
  void log(LogLevel level, std::string_view message) override;
  void writeRaw(std::string_view text) override;
  void settle(SettleKind kind, std::string payload, std::string error_type) override;
  void requestExit(int code) override;
  bool stopping() const override { return stopReason() != Stop::kNone; }
  bool lexicallyInside(std::string_view path) const override;
  bool confine(const std::string& path, std::string* real_path) const override;
  void noteCompiled(v8::Local<v8::Function> function, std::string cache_key) override;
  bool takeUnhandledRejection(v8::Local<v8::Value>* reason) override;
  bool hasUnhandledRejections() const override { return !rejections_.empty(); }

  static size_t onNearHeapLimit(void* data, size_t current_limit, size_t initial_limit);
  static void onPromiseReject(v8::PromiseRejectMessage message);
  std::string_view functionName() const override { return spec_.function_name; }

  const JsFunctionSpec spec_;
  const ConfinedRoots roots_;
  // The isolate, its context and the bootstrap's entry points; from the IsolatePool or made
  // for this instance. Retired to the pool (disposed on its thread) by the destructor.
  std::unique_ptr<IsolateShell> shell_;
  v8::Isolate* const isolate_;
  std::string bootstrap_error_;  // non-empty: the bootstrap failed, every call fails
  // Heap statistics are sampled, not read after every call (see finishCall).
  uint64_t calls_since_heap_sample_ = 0;
  uint64_t last_heap_used_ = 0;
  // What the isolate holds now, for REPORT and the MemorySize bound (isolate lock held).
  uint64_t memoryHeld();

  // Worker-thread state (under the Locker).
  Call* call_ = nullptr;
  bool initialized_ = false;
  bool condemned_ = false;
  int exit_code_ = 0;
  size_t heap_limit_raises_ = 0;
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> rejections_;
  std::vector<std::pair<v8::Global<v8::Function>, std::string>> compiled_;
  // Housekeeping left by finished calls (spec_.defer_housekeeping).
  bool pending_module_caches_ = false;
  bool pending_final_caches_ = false;
  bool pending_bootstrap_cache_ = false;

  // Cross-thread stop state. epoch_ counts calls, so a watchdog entry of an earlier call can
  // never stop a later one.
  std::atomic<int> stop_{0};
  std::atomic<uint64_t> epoch_{0};
  std::atomic<bool> terminated_{false};  // terminate() was called
  std::mutex wake_mu_;
  std::condition_variable wake_;  // interrupts the wait for the next timer
};

}  // namespace stratus::js
