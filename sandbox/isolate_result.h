// What an isolate-tier sandbox answers, composed from what runtime/js produced: the platform's
// outcome (Runtime.OutOfMemory, Sandbox.Timedout, Function.ResponseSizeTooLarge...), the error
// payloads Lambda writes itself, and the invocation's log with its INIT_START / START / END /
// REPORT lines. Shared by the in-process IsolateSandbox and the hosted one (isolate_host_sandbox.h),
// whose JavaScript runs in a stratus-isolate-host process and comes back as the same values.
// Pure.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/js/js_function.h"
#include "sandbox/sandbox.h"

namespace stratus::sandbox {

inline constexpr int64_t kIsolateInitTimeoutMs = 10000;  // Lambda's init phase limit
// What a sandbox is assumed to hold before it has been measured, and beyond its JS heap
// (isolate structures, code space): keeps the host budget honest for tiny heaps.
inline constexpr uint64_t kIsolateBaseFootprintMb = 2;

// The runtime/js spec of a function: Lambda's environment, the heap limit from MemorySize.
js::JsFunctionSpec jsSpecFor(const SandboxSpec& spec, const std::string& log_stream);

// One call of an isolate sandbox: the init, when this call initialised it, then the invoke
// (absent when the init failed).
struct IsolateCallOutput {
  bool did_init = false;
  js::JsResult init;
  double init_ms = -1;
  bool did_invoke = false;
  js::JsResult result;
  double duration_ms = 0;
};

// The answer to `req`; `reusable` false when the environment must be discarded, `footprint_mb`
// what it holds now (as last measured).
InvokeResult composeIsolateResult(const SandboxSpec& spec, const InvokeRequest& req,
                                  const IsolateCallOutput& call, bool& reusable,
                                  uint64_t& footprint_mb);

// prestart()'s answer for a finished init: "" when it succeeded, else its error type.
std::string prestartErrorType(const js::JsResult& init);

// The answer of an invocation whose runtime ended under it (its isolate host died): Lambda's
// crashed-runtime answer, Runtime.ExitError with `exit_text` ("Runtime exited with error:
// signal: aborted"), or Runtime.OutOfMemory when `out_of_memory`. `cold`: it was initialising.
InvokeResult runtimeExitedResult(const SandboxSpec& spec, const InvokeRequest& req,
                                 const std::string& exit_text, bool out_of_memory, bool cold,
                                 double duration_ms);

}  // namespace stratus::sandbox
