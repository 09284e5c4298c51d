#include "runtime/js/js_engine.h"

#include <dlfcn.h>
#include <libplatform/libplatform.h>
#include <v8-initialization.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

thread_local bool t_skip_maps_scan = false;
std::atomic<unsigned long> g_refused_maps_scans{0};

}  // namespace

void JsEngine::ensureInitialized(const char* argv0) {
  std::call_once(g_once, [argv0] {
    // No Sparkplug: it compiles a function to baseline code on the thread running JS once the
    // function has used its interrupt budget, per isolate. Every new isolate's configure() and
    // load() crossed that budget, so each cold start paid ~0.2 ms of baseline compilation of
    // bootstrap functions (a cold start from the prewarm pool: 0.65 ms without it, 0.85-1.2 ms
    // with it), while warm invokes were no faster with it (3.8 us either way for the trivial
    // handler; 200 invokes of a JSON/array/string workload: 37-41 ms either way, TurboFan takes
    // the hot code). STRATUS_V8_FLAGS=--sparkplug turns it back on.
    v8::V8::SetFlagsFromString("--no-sparkplug");
    // Diagnostics (e.g. "--trace-gc --perf-basic-prof"): V8 flags must be set before
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

SkipMapsScan::SkipMapsScan() : previous_(t_skip_maps_scan) { t_skip_maps_scan = true; }
SkipMapsScan::~SkipMapsScan() { t_skip_maps_scan = previous_; }
unsigned long SkipMapsScan::refusedForTest() { return g_refused_maps_scans.load(); }

}  // namespace stratus::js

// Interposes libc's fopen for the whole process (an executable's definition wins over libc's
// for every shared library, libnode's included) so that SkipMapsScan can refuse V8's parse of
// /proc/self/maps; every other call, and every call outside a guard, goes to libc unchanged.
// glibc's own internal opens do not come through here.
extern "C" FILE* fopen(const char* path, const char* mode) {
  using Fopen = FILE* (*)(const char*, const char*);
  static const Fopen real = reinterpret_cast<Fopen>(dlsym(RTLD_NEXT, "fopen"));
  if (stratus::js::t_skip_maps_scan && path != nullptr && std::strcmp(path, "/proc/self/maps") == 0) {
    stratus::js::g_refused_maps_scans.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return real(path, mode);
}
