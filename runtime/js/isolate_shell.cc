#include "runtime/js/isolate_shell.h"

#include <libplatform/libplatform.h>
#include <v8-exception.h>
#include <v8-locker.h>
#include <v8-primitive.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "runtime/js/bootstrap_script.h"
#include "runtime/js/isolate_lock.h"
#include "runtime/js/js_engine.h"
#include "runtime/js/js_function.h"
#include "runtime/js/native_host.h"

namespace stratus::js {
namespace {

constexpr size_t kMinHeapBytes = 16u << 20;

// The host of an unclaimed shell: the bootstrap's top level calls no natives that need one, but
// if it ever did, nothing may leak into a later claimant.
class InertHost final : public NativeHost {
 public:
  void log(LogLevel, std::string_view) override {}
  void writeRaw(std::string_view) override {}
  void settle(SettleKind, std::string, std::string) override {}
  void requestExit(int) override {}
  bool stopping() const override { return false; }
  bool lexicallyInside(std::string_view) const override { return false; }
  bool confine(const std::string&, std::string*) const override { return false; }
  void noteCompiled(v8::Local<v8::Function>, std::string) override {}
  bool takeUnhandledRejection(v8::Local<v8::Value>*) override { return false; }
  bool hasUnhandledRejections() const override { return false; }
};

InertHost g_inert_host;
std::atomic<FatalOutOfMemoryHook> g_fatal_oom_hook{nullptr};

std::string utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value text(isolate, value);
  return *text == nullptr ? std::string() : std::string(*text, text.length());
}

void onFatalOutOfMemory(const char* location, bool is_heap_oom) {
  // V8 aborts the process right after this returns. Name the function so the crash can be
  // traced: some built-ins allocate in one uninterruptible step far past the limit and the
  // headroom granted by the near-heap-limit callback.
  v8::Isolate* isolate = v8::Isolate::TryGetCurrent();
  NativeHost* host = isolate != nullptr ? NativeHost::of(isolate) : nullptr;
  std::string name(host != nullptr ? host->functionName() : std::string_view());
  if (name.empty()) name = "?";
  fprintf(stderr, "stratus: fatal out of memory in function '%s' (%s%s)\n", name.c_str(),
          location != nullptr ? location : "", is_heap_oom ? ", heap" : "");
  if (FatalOutOfMemoryHook hook = g_fatal_oom_hook.load()) hook();
}

}  // namespace

void setFatalOutOfMemoryHook(FatalOutOfMemoryHook hook) { g_fatal_oom_hook.store(hook); }

size_t IsolateShell::effectiveHeapLimit(size_t requested_bytes) {
  return std::max<size_t>(requested_bytes, kMinHeapBytes);
}

std::unique_ptr<IsolateShell> IsolateShell::create(size_t heap_limit_bytes) {
  JsEngine::ensureInitialized();
  size_t limit = effectiveHeapLimit(heap_limit_bytes);
  std::unique_ptr<IsolateShell> shell(new IsolateShell(limit));
  shell->allocator = std::make_unique<LimitedAllocator>(limit);
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = shell->allocator.get();
  // The old generation gets the whole limit; the young generation stays small so that a
  // 128 MB function is not mostly nursery, and isolate creation commits little.
  params.constraints.set_max_old_generation_size_in_bytes(limit);
  params.constraints.set_max_young_generation_size_in_bytes(
      std::clamp<size_t>(limit / 16, 1u << 20, 16u << 20));
  params.oom_error_callback = onFatalOutOfMemory;
  {
    SkipMapsScan skip;  // see js_engine.h
    shell->isolate = v8::Isolate::New(params);
  }
  shell->isolate->SetData(NativeHost::kIsolateSlot, static_cast<NativeHost*>(&g_inert_host));
  shell->isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  shell->bootstrap();
  return shell;
}

IsolateShell::~IsolateShell() {
  if (isolate == nullptr) return;
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    for (auto* fn : {&configure, &load, &invoke, &tick, &loop_state, &run_timers, &before_exit}) {
      fn->Reset();
    }
    bootstrap_script.Reset();
    context.Reset();
  }
  v8::platform::NotifyIsolateShutdown(JsEngine::platform(), isolate);
  isolate->Dispose();
}

void IsolateShell::bootstrap() {
  IsolateLock lock(isolate);
  v8::Local<v8::Context> local_context = v8::Context::New(isolate);
  context.Reset(isolate, local_context);
  v8::Context::Scope context_scope(local_context);
  v8::TryCatch try_catch(isolate);
  const char* step = "";
  v8::Local<v8::Object> runtime;
  v8::Local<v8::UnboundScript> script;
  bool ok = BootstrapScript::run(isolate, local_context, &runtime, &script, &step);
  if (ok) {
    bootstrap_script.Reset(isolate, script);
    struct Entry {
      const char* name;
      v8::Global<v8::Function>* slot;
    };
    for (Entry entry : {Entry{"configure", &configure}, Entry{"load", &load}, Entry{"invoke", &invoke},
                        Entry{"tick", &tick}, Entry{"loopState", &loop_state},
                        Entry{"runTimers", &run_timers}, Entry{"beforeExit", &before_exit}}) {
      v8::Local<v8::Value> fn;
      step = entry.name;
      if (!runtime->Get(local_context, v8::String::NewFromUtf8(isolate, entry.name).ToLocalChecked())
               .ToLocal(&fn) ||
          !fn->IsFunction()) {
        ok = false;
        break;
      }
      entry.slot->Reset(isolate, fn.As<v8::Function>());
    }
  }
  if (!ok) {
    bootstrap_error = std::string("bootstrap ") + step + " failed: " +
                      (try_catch.HasCaught() ? utf8(isolate, try_catch.Exception()) : "no exception");
    if (try_catch.HasCaught() && !try_catch.Message().IsEmpty()) {
      bootstrap_error +=
          " (line " + std::to_string(try_catch.Message()->GetLineNumber(local_context).FromMaybe(0)) + ")";
    }
  }
}

}  // namespace stratus::js
