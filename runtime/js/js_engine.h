// The process's V8: the platform (worker threads for GC and compilation) and V8::Initialize,
// done once. initializeV8() (js_function.h) is the public door; JsFunction::create() also calls
// ensureInitialized() so tests and tools cannot forget it.
//
// Threads: any; initialization is serialized by std::call_once.
#pragma once

namespace v8 {
class Platform;
}

namespace stratus::js {

class JsEngine {
 public:
  static void ensureInitialized(const char* argv0 = nullptr);
  // Valid after ensureInitialized(); lives until the process exits.
  static v8::Platform* platform();
};

// Wrap v8::Isolate::New in one of these. V8 10.2 reserves each isolate's code range with an
// address hint that it computes by parsing /proc/self/maps (CodeRangeAddressHint::GetAddressHint
// -> OS::GetFreeMemoryRangesWithin) whenever no code range of the same size was freed before.
// With many live isolates that file has thousands of lines: the scan took 1.4 ms per isolate
// with 50 live ones and 2.7 ms with 200 (29% of the server's CPU in a cold-start burst), and no
// V8 flag of this version skips it (--no-short-builtin-calls does not: the hint is computed
// regardless). While a guard is alive on this thread, fopen("/proc/self/maps") fails (see
// js_engine.cc), which V8 treats as "no free-range information": it then uses the start of
// the preferred region as the hint, and the kernel places the reservation as usual when that
// address is taken. Isolate::New then costs ~0.8 ms flat. Short builtin calls, the only thing
// the hint serves, are off anyway for isolates with heaps under 2 GB in this V8.
class SkipMapsScan {
 public:
  SkipMapsScan();
  ~SkipMapsScan();
  SkipMapsScan(const SkipMapsScan&) = delete;
  SkipMapsScan& operator=(const SkipMapsScan&) = delete;

  // How many times a guarded fopen of /proc/self/maps was refused (tests).
  static unsigned long refusedForTest();

 private:
  bool previous_;
};

}  // namespace stratus::js
