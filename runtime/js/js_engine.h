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

}  // namespace stratus::js
