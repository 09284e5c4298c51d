// How an invocation ended, from the function's side. Not an Error: a function that threw
// still answers 200 (with X-Amz-Function-Error). Drives HTTP mapping, logs, and later retries.
#pragma once

namespace stratus::sandbox {

enum class InvokeOutcome {
  kOk,
  kFunctionError,  // the handler threw / rejected / called back with an error
  kInitError,      // the module failed to load; the sandbox is discarded
  kTimeout,        // Sandbox.Timedout
  kOutOfMemory,    // Runtime.OutOfMemory
  kRuntimeExited,  // Runtime.ExitError
  kResponseTooLarge,  // Function.ResponseSizeTooLarge
  kLost,  // no result: the sandbox dropped the invocation (a server fault, already logged)
};

inline bool isFunctionError(InvokeOutcome o) { return o != InvokeOutcome::kOk; }

}  // namespace stratus::sandbox
