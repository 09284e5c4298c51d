#include "sandbox/isolate_result.h"

#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "sandbox/invocation_log.h"
#include "sandbox/lambda_environment.h"

namespace stratus::sandbox {

namespace {
constexpr size_t kMaxResponseBytes = 6291556;

std::string errorPayload(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

uint64_t megabytesUsed(uint64_t bytes) { return (bytes + (1u << 20) - 1) >> 20; }

void appendLines(std::string& log, const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    log += l;
    log += '\n';
  }
}

// Maps a JS result onto the platform's outcome, filling the payloads Lambda writes itself.
void classify(const js::JsResult& r, const InvokeRequest& req, const SandboxSpec& spec,
              InvokeResult& out) {
  out.error_type = r.error_type;
  out.payload = r.payload;
  switch (r.outcome) {
    case js::JsOutcome::kOk:
      out.outcome = InvokeOutcome::kOk;
      if (out.payload.size() > kMaxResponseBytes) {
        out.outcome = InvokeOutcome::kResponseTooLarge;
        out.error_type = "Function.ResponseSizeTooLarge";
        out.payload = errorPayload(out.error_type,
                                   "Response payload size exceeded maximum allowed payload size "
                                   "(6291556 bytes).");
      }
      break;
    case js::JsOutcome::kFunctionError:
      out.outcome = InvokeOutcome::kFunctionError;
      break;
    case js::JsOutcome::kTimeout:
      out.outcome = InvokeOutcome::kTimeout;
      out.error_type = "Sandbox.Timedout";
      out.payload = errorPayload(out.error_type, "RequestId: " + req.request_id + " Error: " +
                                                     taskTimedOutText(spec.timeout_s));
      break;
    case js::JsOutcome::kOutOfMemory:
      out.outcome = InvokeOutcome::kOutOfMemory;
      out.error_type = "Runtime.OutOfMemory";
      out.payload = errorPayload(out.error_type, "RequestId: " + req.request_id +
                                                     " Error: Runtime exited with error: "
                                                     "signal: killed");
      break;
  }
}

}  // namespace

js::JsFunctionSpec jsSpecFor(const SandboxSpec& spec, const std::string& log_stream) {
  js::JsFunctionSpec js;
  js.task_root = spec.task_root;
  js.opt_root = spec.opt_root;
  js.handler = spec.handler;
  js.env = lambdaEnvironment(spec, log_stream);
  js.heap_limit_bytes = static_cast<uint64_t>(spec.memory_mb) << 20;
  js.function_name = spec.function_name;
  js.function_version = spec.version;
  js.memory_limit_mb = std::to_string(spec.memory_mb);
  js.log_group_name = "/aws/lambda/" + spec.function_name;
  js.log_stream_name = log_stream;
  js.defer_housekeeping = true;  // runDeferredWork() once the result is posted
  return js;
}

std::string prestartErrorType(const js::JsResult& init) {
  if (init.outcome == js::JsOutcome::kOk) return "";
  return init.error_type.empty() ? "Runtime.Unknown" : init.error_type;
}

InvokeResult composeIsolateResult(const SandboxSpec& spec, const InvokeRequest& req,
                                  const IsolateCallOutput& call, bool& reusable,
                                  uint64_t& footprint_mb) {
  InvokeResult out;
  std::string& log = out.log_text;
  if (call.did_init) {
    out.init_duration_ms = call.init_ms;
    const js::JsResult& init = call.init;
    footprint_mb = kIsolateBaseFootprintMb + megabytesUsed(init.heap_used_bytes);
    log += initStartLine(spec.runtime, spec.region) + "\n";
    appendLines(log, init.log_lines);
    if (init.outcome != js::JsOutcome::kOk || !call.did_invoke) {
      // An init failure answers this invoke with the init error; the environment is discarded.
      classify(init, req, spec, out);
      if (out.outcome == InvokeOutcome::kFunctionError || out.outcome == InvokeOutcome::kOk) {
        out.outcome = InvokeOutcome::kInitError;
      }
      std::string status = out.outcome == InvokeOutcome::kTimeout ? "timeout" : "error";
      log += initReportLine(out.init_duration_ms, status, out.error_type) + "\n";
      log += startLine(req.request_id, spec.version) + "\n";
      log += endLine(req.request_id) + "\n";
      log += reportLine({req.request_id, 0.0, out.init_duration_ms, spec.memory_mb,
                         megabytesUsed(init.heap_used_bytes), status, out.error_type}) +
             "\n";
      reusable = false;
      return out;
    }
  }

  const js::JsResult& r = call.result;
  log += startLine(req.request_id, spec.version) + "\n";
  out.duration_ms = call.duration_ms;
  footprint_mb = kIsolateBaseFootprintMb + megabytesUsed(r.heap_used_bytes);
  appendLines(log, r.log_lines);
  classify(r, req, spec, out);
  reusable = r.reusable;
  // The runtime "exited" (process.exit, a fatal error in the bootstrap): as the process tier
  // reports it, a crashed runtime, with its status in REPORT.
  if (out.outcome == InvokeOutcome::kFunctionError && !reusable && out.error_type == "Runtime.ExitError") {
    out.outcome = InvokeOutcome::kRuntimeExited;
  }

  std::string status;
  if (out.outcome == InvokeOutcome::kTimeout) {
    log += timeoutLogLine(epochMs(), req.request_id, out.duration_ms) + "\n";
    status = "timeout";
  } else if (out.outcome == InvokeOutcome::kOutOfMemory || out.outcome == InvokeOutcome::kRuntimeExited) {
    status = "error";
  }
  log += endLine(req.request_id) + "\n";
  log += reportLine({req.request_id, out.duration_ms, out.init_duration_ms, spec.memory_mb,
                     megabytesUsed(r.heap_used_bytes), status,
                     status == "error" ? out.error_type : std::string()}) +
         "\n";
  return out;
}

InvokeResult runtimeExitedResult(const SandboxSpec& spec, const InvokeRequest& req,
                                 const std::string& exit_text, bool out_of_memory, bool cold,
                                 double duration_ms) {
  InvokeResult r;
  r.outcome = cold ? InvokeOutcome::kInitError
                   : out_of_memory ? InvokeOutcome::kOutOfMemory : InvokeOutcome::kRuntimeExited;
  r.error_type = out_of_memory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
  std::string text = out_of_memory ? "Runtime exited with error: signal: killed" : exit_text;
  r.payload = errorPayload(r.error_type, "RequestId: " + req.request_id + " Error: " + text);
  r.duration_ms = duration_ms;
  std::string& log = r.log_text;
  if (cold) {
    r.init_duration_ms = duration_ms;
    log += initStartLine(spec.runtime, spec.region) + "\n";
    log += initReportLine(duration_ms, "error", r.error_type) + "\n";
  }
  log += startLine(req.request_id, spec.version) + "\n";
  log += "RequestId: " + req.request_id + " Error: " + text + "\n" + r.error_type + "\n";
  log += endLine(req.request_id) + "\n";
  log += reportLine({req.request_id, cold ? 0.0 : duration_ms, r.init_duration_ms, spec.memory_mb,
                     static_cast<uint64_t>(spec.memory_mb), "error", r.error_type}) +
         "\n";
  return r;
}

}  // namespace stratus::sandbox
