#include "runtime/js/js_engine.h"

#include <libplatform/libplatform.h>
#include <v8-initialization.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "runtime/js/js_function.h"

namespace stratus::js {
namespace {

std::once_flag g_once;
v8::Platform* g_platform = nullptr;  // leaked: V8 cannot be re-initialized after disposal

// Two background threads: enough for concurrent marking and off-thread compilation without
// competing with the worker threads that run JS on a small machine.
constexpr int kPlatformThreads = 2;

}  // namespace

void JsEngine::ensureInitialized(const char* argv0) {
  std::call_once(g_once, [argv0] {
    // Diagnostics only (e.g. "--trace-gc --perf-basic-prof"): V8 flags must be set before
    // V8::Initialize and apply to every isolate of the process.
    if (const char* flags = std::getenv("STRATUS_V8_FLAGS")) v8::V8::SetFlagsFromString(flags);
    if (argv0 != nullptr) v8::V8::InitializeICUDefaultLocation(argv0);
    g_platform = v8::platform::NewDefaultPlatform(kPlatformThreads).release();
    v8::V8::InitializePlatform(g_platform);
    v8::V8::Initialize();
  });
}

v8::Platform* JsEngine::platform() { return g_platform; }

void initializeV8(const char* argv0) { JsEngine::ensureInitialized(argv0); }

}  // namespace stratus::js
