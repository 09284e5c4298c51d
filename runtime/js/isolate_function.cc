#include "runtime/js/isolate_function.h"

#include <libplatform/libplatform.h>
#include <unistd.h>
#include <v8-exception.h>
#include <v8-locker.h>
#include <v8-microtask-queue.h>
#include <v8-primitive.h>
#include <v8-script.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "runtime/base/worker_pool.h"
#include "runtime/js/bootstrap_script.h"
#include "runtime/js/code_cache.h"
#include "runtime/js/isolate_lock.h"
#include "runtime/js/isolate_pool.h"
#include "runtime/js/js_engine.h"
#include "runtime/js/log_line.h"
#include "runtime/js/native_bindings.h"
#include "runtime/js/watchdog.h"

namespace stratus::js {

namespace {

using v8::Local;
using v8::Value;

// Set once some instance has served an invoke and refreshed the bootstrap's code cache with
// every function init and invoke compiled; from then on new isolates compile none of them.
std::atomic<bool> g_bootstrap_cache_complete{false};

constexpr uint64_t kHeapSampleEvery = 16;
// Headroom granted past the heap limit so a terminating isolate reaches its next interrupt
// check instead of V8 aborting the whole process with a fatal OOM.
constexpr size_t kOomHeadroomBytes = 32u << 20;
constexpr size_t kMaxOomRaises = 8;

int64_t nowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double nowMonotonicMs() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                .count();
  return static_cast<double>(ns) / 1e6;
}

Local<v8::String> v8Str(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .ToLocalChecked();
}

std::string utf8(v8::Isolate* isolate, Local<Value> value) {
  v8::String::Utf8Value text(isolate, value);
  return *text == nullptr ? std::string() : std::string(*text, text.length());
}

// errorType first, as the Node runtime writes it.
std::string errorPayload(std::string_view type, std::string_view message) {
  nlohmann::ordered_json payload;
  payload["errorType"] = type;
  payload["errorMessage"] = message;
  return payload.dump();
}

std::string requestPrefix(const std::string& request_id, bool is_init) {
  return is_init ? std::string() : "RequestId: " + request_id + " ";
}

}  // namespace

struct IsolateFunction::Call {
  JsResult* result = nullptr;
  std::string request_id;  // what console lines print: "undefined" during init
  bool is_init = false;
  int64_t deadline_epoch_ms = 0;  // <= 0: none
  std::chrono::steady_clock::time_point steady_deadline = std::chrono::steady_clock::time_point::max();
  bool settled = false;
  SettleKind kind = SettleKind::kOk;
  std::string payload;
  std::string error_type;
  bool late_fatal = false;  // an uncaught error after the settle: the runtime would exit
  LogChunks log;  // console output, into result->log_lines
};

std::unique_ptr<JsFunction> JsFunction::create(JsFunctionSpec spec) {
  std::unique_ptr<IsolateShell> shell = IsolatePool::instance().take(spec.heap_limit_bytes);
  return std::make_unique<IsolateFunction>(std::move(spec), std::move(shell));
}

IsolateFunction::IsolateFunction(JsFunctionSpec spec, std::unique_ptr<IsolateShell> shell)
    : spec_(std::move(spec)),
      roots_(spec_.task_root, spec_.opt_root),
      shell_(shell ? std::move(shell) : IsolateShell::create(spec_.heap_limit_bytes)),
      isolate_(shell_->isolate) {
  configure();
}

IsolateFunction::~IsolateFunction() {
  {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    rejections_.clear();
    compiled_.clear();
    // Nothing of this instance may be reached from the isolate once it is gone.
    isolate_->RemoveNearHeapLimitCallback(onNearHeapLimit, 0);
    isolate_->SetPromiseRejectCallback(nullptr);
    isolate_->SetData(kIsolateSlot, nullptr);
  }
  // Disposal takes a while (heap teardown): never on the caller's thread, which may be the loop.
  IsolatePool::instance().retire(std::move(shell_));
}

void IsolateFunction::configure() {
  IsolateLock lock(isolate_);
  isolate_->SetData(kIsolateSlot, static_cast<NativeHost*>(this));
  isolate_->AddNearHeapLimitCallback(onNearHeapLimit, this);
  isolate_->SetPromiseRejectCallback(onPromiseReject);
  if (!shell_->bootstrap_error.empty()) {
    bootstrap_error_ = shell_->bootstrap_error;
    return;
  }
  Local<v8::Context> context = shell_->context.Get(isolate_);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);
  // Per-instance configuration: everything before it is the same for every function.
  Local<Value> ignored;
  Local<Value> argv[] = {instanceConfig(context)};
  if (!shell_->configure.Get(isolate_)->Call(context, v8::Undefined(isolate_), 1, argv).ToLocal(&ignored)) {
    bootstrap_error_ = std::string("bootstrap configure failed: ") +
                       (try_catch.HasCaught() ? utf8(isolate_, try_catch.Exception()) : "no exception");
    if (try_catch.HasCaught() && !try_catch.Message().IsEmpty()) {
      bootstrap_error_ +=
          " (line " + std::to_string(try_catch.Message()->GetLineNumber(context).FromMaybe(0)) + ")";
    }
  }
}

Local<v8::Object> IsolateFunction::instanceConfig(Local<v8::Context> context) {
  Local<v8::Object> env = v8::Object::New(isolate_);
  for (const auto& [name, value] : spec_.env) {
    env->Set(context, v8Str(isolate_, name), v8Str(isolate_, value)).FromMaybe(false);
  }
  Local<v8::Object> config = v8::Object::New(isolate_);
  auto set = [&](const char* name, Local<Value> value) {
    config->Set(context, v8Str(isolate_, name), value).FromMaybe(false);
  };
  set("env", env);
  set("taskRoot", v8Str(isolate_, roots_.taskRoot()));
  set("optRoot", v8Str(isolate_, roots_.optRoot()));
  set("functionName", v8Str(isolate_, spec_.function_name));
  set("functionVersion", v8Str(isolate_, spec_.function_version));
  set("memoryLimitInMB", v8Str(isolate_, spec_.memory_limit_mb));
  set("logGroupName", v8Str(isolate_, spec_.log_group_name));
  set("logStreamName", v8Str(isolate_, spec_.log_stream_name));
  set("pid", v8::Integer::New(isolate_, static_cast<int>(::getpid())));
  return config;
}

bool IsolateFunction::refuseCall(JsResult* result, const std::string& request_id) {
  std::string reason;
  if (!bootstrap_error_.empty()) {
    reason = bootstrap_error_;
  } else if (terminated_.load() || condemned_) {
    reason = "Runtime exited without providing a reason";
  } else {
    return false;
  }
  result->outcome = JsOutcome::kFunctionError;
  result->error_type = "Runtime.ExitError";
  result->payload = errorPayload(result->error_type, requestPrefix(request_id, request_id.empty()) +
                                                        "Error: " + reason);
  result->reusable = false;
  return true;
}

JsResult IsolateFunction::init(int64_t deadline_epoch_ms) {
  JsResult result;
  if (refuseCall(&result, "")) return result;
  Call call;
  call.result = &result;
  call.request_id = "undefined";
  call.is_init = true;
  call.deadline_epoch_ms = deadline_epoch_ms;
  runCall(call, [this](Local<v8::Context> context) {
    Local<Value> argv[] = {v8Str(isolate_, spec_.handler)};
    return callJs(context, shell_->load, 1, argv);
  });
  return result;
}

JsResult IsolateFunction::invoke(const JsInvokeRequest& request) {
  JsResult result;
  if (refuseCall(&result, request.request_id)) return result;
  if (!initialized_) {
    result.outcome = JsOutcome::kFunctionError;
    result.error_type = "Runtime.ExitError";
    result.payload = errorPayload(result.error_type, "RequestId: " + request.request_id +
                                                         " Error: invoke before a successful init");
    result.reusable = false;
    return result;
  }
  Call call;
  call.result = &result;
  call.request_id = request.request_id;
  call.deadline_epoch_ms = request.deadline_epoch_ms;
  runCall(call, [this, &request](Local<v8::Context> context) {
    Local<Value> argv[] = {
        v8Str(isolate_, request.request_id),
        v8Str(isolate_, request.event_json.empty() ? std::string_view("{}") : request.event_json),
        v8Str(isolate_, request.invoked_function_arn),
        v8::Number::New(isolate_, static_cast<double>(request.deadline_epoch_ms)),
        request.client_context_json.empty() ? Local<Value>(v8::Undefined(isolate_))
                                            : Local<Value>(v8Str(isolate_, request.client_context_json)),
    };
    return callJs(context, shell_->invoke, 5, argv);
  });
  return result;
}

void IsolateFunction::runCall(Call& call, const std::function<bool(Local<v8::Context>)>& start) {
  IsolateLock lock(isolate_);
  Local<v8::Context> context = shell_->context.Get(isolate_);
  v8::Context::Scope context_scope(context);

  if (call.deadline_epoch_ms > 0) {
    call.steady_deadline = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(call.deadline_epoch_ms - nowEpochMs());
  }
  uint64_t epoch = epoch_.fetch_add(1) + 1;
  stop_.store(static_cast<int>(Stop::kNone), std::memory_order_release);
  call_ = &call;
  WatchdogArm arm(call.deadline_epoch_ms, [this, epoch] {
    if (epoch_.load() == epoch) requestStop(Stop::kTimeout);
  });
  if (terminated_.load()) requestStop(Stop::kTerminated);  // terminate() raced with this call
  if (call.deadline_epoch_ms > 0 && nowEpochMs() >= call.deadline_epoch_ms) requestStop(Stop::kTimeout);

  if (start(context)) driveLoop(context, call);
  // Background GC work posts foreground tasks; run them while the isolate is ours anyway.
  if (!stopping()) {
    while (v8::platform::PumpMessageLoop(JsEngine::platform(), isolate_)) {
    }
  }
  bool fired = arm.disarm();
  finishCall(call, fired);
  call_ = nullptr;
}

void IsolateFunction::driveLoop(Local<v8::Context> context, Call& call) {
  bool drained_once = false;
  for (;;) {
    if (!callJs(context, shell_->tick, 0, nullptr)) return;
    if (call.settled || call.is_init) return;  // init does not wait for timers
    Local<Value> state;
    if (!callJs(context, shell_->loop_state, 0, nullptr, &state)) return;
    double next = state->NumberValue(context).FromMaybe(-1);
    if (next < 0) {
      // The loop drained (Node's beforeExit): the bootstrap settles the call, or schedules the
      // work that will (an immediate). A second drain without a settle is a runtime bug.
      if (drained_once) return;
      drained_once = true;
      if (!callJs(context, shell_->before_exit, 0, nullptr)) return;
      continue;
    }
    drained_once = false;
    double now = nowMonotonicMs();
    if (next > now) {
      auto due = std::chrono::steady_clock::time_point(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::duration<double, std::milli>(next)));
      // Sleeping until a timer is due: off the worker pool's active slots meanwhile.
      WorkerPool::BlockingScope blocking;
      std::unique_lock<std::mutex> lock(wake_mu_);
      wake_.wait_until(lock, std::min(due, call.steady_deadline), [this] { return stopping(); });
      lock.unlock();
      if (stopping()) return;
      if (std::chrono::steady_clock::now() >= call.steady_deadline) {
        requestStop(Stop::kTimeout);
        return;
      }
      now = nowMonotonicMs();
    }
    Local<Value> argv[] = {v8::Number::New(isolate_, now)};
    if (!callJs(context, shell_->run_timers, 1, argv)) return;
  }
}

bool IsolateFunction::callJs(Local<v8::Context> context, const v8::Global<v8::Function>& function,
                             int argc, Local<Value>* argv, Local<Value>* out) {
  if (stopping()) return false;
  v8::TryCatch try_catch(isolate_);
  Local<Value> result;
  bool ok = function.Get(isolate_)->Call(context, v8::Undefined(isolate_), argc, argv).ToLocal(&result);
  if (stopping()) return false;
  if (!ok) {
    if (try_catch.HasTerminated() || !try_catch.CanContinue() || isolate_->IsExecutionTerminating()) {
      requestStop(Stop::kTerminated);
      return false;
    }
    settleEscapedException(context, try_catch.Exception());
    return false;
  }
  if (out != nullptr) *out = result;
  return true;
}

void IsolateFunction::settleEscapedException(Local<v8::Context> context, Local<Value> exception) {
  // An exception escaped the bootstrap itself (user code broke a built-in it relies on): the
  // Node runtime would die of it, so the call fails and the instance is condemned.
  std::string type = "Runtime.ExitError";
  std::string message = utf8(isolate_, exception);
  nlohmann::ordered_json trace = nlohmann::ordered_json::array();
  if (exception->IsNativeError()) {
    Local<v8::Object> error = exception.As<v8::Object>();
    Local<Value> name, message_value, stack;
    if (error->Get(context, v8Str(isolate_, "name")).ToLocal(&name) && name->IsString()) {
      type = utf8(isolate_, name);
    }
    if (error->Get(context, v8Str(isolate_, "message")).ToLocal(&message_value)) {
      message = utf8(isolate_, message_value);
    }
    if (v8::TryCatch::StackTrace(context, exception).ToLocal(&stack) && stack->IsString()) {
      std::string text = utf8(isolate_, stack);
      for (size_t start = 0;;) {
        size_t end = text.find('\n', start);
        trace.push_back(text.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
  }
  nlohmann::ordered_json payload;
  payload["errorType"] = type;
  payload["errorMessage"] = message;
  payload["trace"] = std::move(trace);
  settle(SettleKind::kFatal, payload.dump(), type);
}

void IsolateFunction::finishCall(Call& call, bool watchdog_fired) {
  JsResult& result = *call.result;
  Stop stop = stopReason();
  std::string prefix = requestPrefix(call.request_id, call.is_init);
  switch (stop) {
    case Stop::kNone:
    case Stop::kTimeout:
      if (call.settled) {
        // A settle that raced with the deadline still stands, but the isolate may have been
        // interrupted after it: do not reuse it.
        result.outcome = call.kind == SettleKind::kOk ? JsOutcome::kOk : JsOutcome::kFunctionError;
        result.payload = std::move(call.payload);
        result.error_type = call.kind == SettleKind::kOk ? "" : std::move(call.error_type);
        result.reusable = call.kind != SettleKind::kFatal && stop == Stop::kNone && !watchdog_fired;
      } else if (stop == Stop::kTimeout) {
        result.outcome = JsOutcome::kTimeout;
        result.error_type = "Sandbox.Timedout";
        result.reusable = false;
      } else if (call.is_init) {
        result.outcome = JsOutcome::kOk;
      } else {
        result.outcome = JsOutcome::kFunctionError;
        result.error_type = "Runtime.ExitError";
        result.payload = errorPayload(result.error_type, prefix + "Error: Runtime exited without providing a reason");
        result.reusable = false;
      }
      break;
    case Stop::kOutOfMemory:
      result.outcome = JsOutcome::kOutOfMemory;
      result.error_type = "Runtime.OutOfMemory";
      result.payload = errorPayload(result.error_type, prefix + "Error: Runtime exited with error: signal: killed");
      result.reusable = false;
      break;
    case Stop::kExit:
      result.outcome = JsOutcome::kFunctionError;
      result.error_type = "Runtime.ExitError";
      result.payload = errorPayload(
          result.error_type,
          prefix + (exit_code_ == 0 ? std::string("Error: Runtime exited without providing a reason")
                                    : "Error: Runtime exited with error: exit status " +
                                          std::to_string(exit_code_)));
      result.reusable = false;
      break;
    case Stop::kTerminated:
      result.outcome = JsOutcome::kTimeout;
      result.error_type = "Sandbox.Timedout";
      result.reusable = false;
      break;
  }
  if (call.is_init) {
    if (result.outcome == JsOutcome::kOk) {
      initialized_ = true;
      result.payload.clear();
    } else {
      result.reusable = false;
    }
  }
  if (call.late_fatal) result.reusable = false;
  // Module code caches are made after init (what top-level code compiled) and made again after
  // the first invoke, to hold the handler's code too; the bootstrap's likewise, once.
  if (result.reusable && !compiled_.empty()) {
    pending_module_caches_ = true;
    pending_final_caches_ = pending_final_caches_ || !call.is_init;
  }
  if (!call.is_init && result.reusable && !g_bootstrap_cache_complete.exchange(true)) {
    pending_bootstrap_cache_ = true;
  }
  if (!spec_.defer_housekeeping) doDeferredWork();
  if (!result.reusable) condemned_ = true;
  // Reading the heap statistics walks every space and page: about a fifth of a warm invoke. A
  // warm instance's heap changes little between calls, so it is read after init, the first
  // invoke, any call that ends the instance, and every kHeapSampleEvery-th call; the ArrayBuffer
  // bytes (a counter) are always current.
  if (call.is_init || !result.reusable || calls_since_heap_sample_ == 0 ||
      ++calls_since_heap_sample_ > kHeapSampleEvery) {
    v8::HeapStatistics stats;
    isolate_->GetHeapStatistics(&stats);
    last_heap_used_ = stats.used_heap_size();
    calls_since_heap_sample_ = call.is_init ? 0 : 1;
  }
  result.heap_used_bytes = memoryHeld();
  // The heap limit and the allocator bound each kind alone, --wasm-max-mem-pages one
  // WebAssembly memory (in isolate hosts); together they must fit MemorySize too, as a
  // process's memory must fit its cgroup: past it the call ends as Lambda's OOM kill does.
  // The counters include garbage (a grown WebAssembly memory's old buffers, dropped
  // ArrayBuffers) until a collection: only a total that a full collection leaves over the
  // limit counts, so the collection runs only for calls that look over it.
  bool stoppable = result.outcome != JsOutcome::kTimeout && result.outcome != JsOutcome::kOutOfMemory;
  if (stoppable && result.heap_used_bytes > shell_->heap_limit) {
    isolate_->LowMemoryNotification();
    v8::HeapStatistics stats;
    isolate_->GetHeapStatistics(&stats);
    last_heap_used_ = stats.used_heap_size();
    result.heap_used_bytes = memoryHeld();
  }
  if (stoppable && result.heap_used_bytes > shell_->heap_limit) {
    result.outcome = JsOutcome::kOutOfMemory;
    result.error_type = "Runtime.OutOfMemory";
    result.payload = errorPayload(result.error_type, prefix + "Error: Runtime exited with error: signal: killed");
    result.reusable = false;
    condemned_ = true;
  }
}

uint64_t IsolateFunction::memoryHeld() {
  // Its heap (as last sampled), and what V8 accounts outside it (ArrayBuffer and WebAssembly
  // memory backing stores: the external-memory counter, an atomic read with a zero change), or
  // at least the ArrayBuffer allocator's count. Both are current every call.
  int64_t external = isolate_->AdjustAmountOfExternalAllocatedMemory(0);
  return last_heap_used_ + std::max<uint64_t>(external > 0 ? static_cast<uint64_t>(external) : 0,
                                              shell_->allocator->usedBytes());
}

void IsolateFunction::runDeferredWork() {
  if (!pending_module_caches_ && !pending_bootstrap_cache_) return;
  IsolateLock lock(isolate_);
  v8::Context::Scope context_scope(shell_->context.Get(isolate_));
  doDeferredWork();
}

void IsolateFunction::doDeferredWork() {
  if (pending_module_caches_) {
    pending_module_caches_ = false;
    bool final = pending_final_caches_;
    pending_final_caches_ = false;
    if (!compiled_.empty()) cacheCompiledModules(final);
  }
  if (pending_bootstrap_cache_) {
    pending_bootstrap_cache_ = false;
    refreshBootstrapCache();
  }
}

void IsolateFunction::cacheCompiledModules(bool final) {
  v8::HandleScope handle_scope(isolate_);
  for (auto& [function, key] : compiled_) {
    std::unique_ptr<v8::ScriptCompiler::CachedData> data(
        v8::ScriptCompiler::CreateCodeCacheForFunction(function.Get(isolate_)));
    if (data) {
      CodeCache::instance().store(key, std::vector<uint8_t>(data->data, data->data + data->length),
                                  /*replace=*/final);
    }
  }
  if (final) compiled_.clear();
}

void IsolateFunction::refreshBootstrapCache() {
  if (shell_->bootstrap_script.IsEmpty()) return;
  v8::HandleScope handle_scope(isolate_);
  BootstrapScript::refreshCodeCache(shell_->bootstrap_script.Get(isolate_));
}

bool IsolateFunction::requestStop(Stop reason) {
  int expected = static_cast<int>(Stop::kNone);
  if (!stop_.compare_exchange_strong(expected, static_cast<int>(reason), std::memory_order_acq_rel)) {
    return false;
  }
  isolate_->TerminateExecution();
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
  }
  wake_.notify_all();
  return true;
}

void IsolateFunction::terminate() {
  terminated_.store(true);
  requestStop(Stop::kTerminated);
}

// Log output is kept in byte-sized chunks, its last 1 MiB per call (log_line.h: LogChunks).
void IsolateFunction::log(LogLevel level, std::string_view message) {
  if (call_ == nullptr) return;
  call_->log.addLine(call_->result->log_lines, call_->request_id,
                     logLine(nowEpochMs(), call_->request_id, level, message));
}

void IsolateFunction::writeRaw(std::string_view text) {
  if (call_ == nullptr) return;
  call_->log.addRaw(call_->result->log_lines, call_->request_id, text);
}

void IsolateFunction::settle(SettleKind kind, std::string payload, std::string error_type) {
  if (call_ == nullptr) return;
  if (call_->settled) {
    if (kind == SettleKind::kFatal) call_->late_fatal = true;
    return;
  }
  call_->settled = true;
  call_->kind = kind;
  call_->payload = std::move(payload);
  call_->error_type = std::move(error_type);
}

void IsolateFunction::requestExit(int code) {
  exit_code_ = code;
  requestStop(Stop::kExit);
}

bool IsolateFunction::lexicallyInside(std::string_view path) const {
  return roots_.lexicallyInside(path);
}

bool IsolateFunction::confine(const std::string& path, std::string* real_path) const {
  return roots_.confine(path, real_path);
}

void IsolateFunction::noteCompiled(Local<v8::Function> function, std::string cache_key) {
  compiled_.emplace_back(v8::Global<v8::Function>(isolate_, function), std::move(cache_key));
}

bool IsolateFunction::takeUnhandledRejection(Local<Value>* reason) {
  if (rejections_.empty()) return false;
  *reason = rejections_.front().second.Get(isolate_);
  rejections_.clear();
  return true;
}

size_t IsolateFunction::onNearHeapLimit(void* data, size_t current_limit, size_t initial_limit) {
  auto* self = static_cast<IsolateFunction*>(data);
  self->requestStop(Stop::kOutOfMemory);
  if (self->heap_limit_raises_ >= kMaxOomRaises) return current_limit;
  ++self->heap_limit_raises_;
  return current_limit + std::max<size_t>(kOomHeadroomBytes, initial_limit / 4);
}

void IsolateFunction::onPromiseReject(v8::PromiseRejectMessage message) {
  Local<v8::Promise> promise = message.GetPromise();
  v8::Isolate* isolate = promise->GetIsolate();
  auto* self = static_cast<IsolateFunction*>(NativeHost::of(isolate));
  switch (message.GetEvent()) {
    case v8::kPromiseRejectWithNoHandler:
      self->rejections_.emplace_back(v8::Global<v8::Promise>(isolate, promise),
                                     v8::Global<Value>(isolate, message.GetValue()));
      break;
    case v8::kPromiseHandlerAddedAfterReject:
      std::erase_if(self->rejections_, [&](const auto& entry) { return entry.first == promise; });
      break;
    default:
      break;
  }
}

}  // namespace stratus::js
