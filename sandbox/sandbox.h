// An execution environment for one function version: the thing the scheduler keeps warm.
// Loop thread only: invoke() is called on the loop and its callback runs on the loop. One
// invocation at a time per sandbox, as in Lambda.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sandbox/invoke_outcome.h"

namespace stratus {
class Loop;
class WorkerPool;
}  // namespace stratus

namespace stratus::sandbox {

// Everything a sandbox needs to start, as plain values (no scheduler or layers types).
struct SandboxSpec {
  std::string function_name;
  std::string function_arn;      // unqualified
  std::string version;           // "$LATEST" or "1"...
  std::string runtime;           // "nodejs20.x"
  std::string handler;
  std::string task_root;         // extracted code, read-only
  std::string opt_root;          // merged layers, or ""
  std::map<std::string, std::string> environment;  // the function's own variables
  int memory_mb = 128;
  int timeout_s = 3;
  int ephemeral_mb = 512;        // the size of /tmp (process sandboxes)
  std::string region = "us-east-1";
  bool provisioned = false;      // AWS_LAMBDA_INITIALIZATION_TYPE
};

enum class SandboxState { kStarting, kIdle, kBusy, kCondemned };

struct InvokeRequest {
  std::string request_id;
  std::string payload;  // JSON text
  std::string invoked_function_arn;
  std::string client_context_json;  // "" if none
};

struct InvokeResult {
  InvokeOutcome outcome = InvokeOutcome::kOk;
  std::string payload;     // the response body (result or error JSON)
  std::string error_type;  // for error outcomes
  std::string log_text;    // this invocation's log: [INIT_START] START ... END REPORT, '\n' ended
  double duration_ms = 0;
  double init_duration_ms = -1;  // >= 0 only on the invocation that initialised the sandbox
  std::string log_stream;  // the environment's CloudWatch stream (AWS_LAMBDA_LOG_STREAM_NAME)
};

using InvokeCallback = std::function<void(InvokeResult)>;
// Result of prestart(): "" on success, else the init error's type.
using PrestartCallback = std::function<void(std::string error_type)>;

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  virtual void invoke(InvokeRequest request, InvokeCallback done) = 0;
  // Initialises ahead of any invocation (provisioned concurrency): the first invoke afterwards
  // is warm, with no Init Duration. A failed init condemns the sandbox.
  virtual void prestart(PrestartCallback done) = 0;
  // Memory the sandbox holds now, as last measured, in MB (for the host memory budget).
  virtual uint64_t footprintMb() const = 0;
  virtual SandboxState state() const = 0;
  // Which tier runs it ("process", "isolate"), for metrics.
  virtual const char* tier() const { return "other"; }
  // Stops any running work and marks the sandbox unusable.
  virtual void condemn() = 0;
  virtual const SandboxSpec& spec() const = 0;
};

// Creates sandboxes of the kind a runtime needs.
class SandboxFactory {
 public:
  virtual ~SandboxFactory() = default;
  virtual std::unique_ptr<Sandbox> create(SandboxSpec spec) = 0;
  // Memory the factory holds outside the sandboxes it made, in MB (prewarm pools, caches,
  // environments still being torn down): charged against the host memory budget too.
  virtual uint64_t heldMb() const { return 0; }
};

}  // namespace stratus::sandbox
