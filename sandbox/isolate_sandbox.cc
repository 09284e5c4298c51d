#include "sandbox/isolate_sandbox.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/js/js_function.h"
#include "sandbox/invocation_log.h"
#include "sandbox/lambda_environment.h"

namespace stratus::sandbox {

namespace {
constexpr int64_t kInitTimeoutMs = 10000;  // Lambda's init phase limit
constexpr size_t kMaxResponseBytes = 6291556;

std::string errorPayload(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

uint64_t megabytesUsed(uint64_t bytes) { return (bytes + (1u << 20) - 1) >> 20; }

// What a sandbox is assumed to hold before it has been measured, and beyond its JS heap
// (isolate structures, code space): keeps the host budget honest for tiny heaps.
constexpr uint64_t kBaseFootprintMb = 2;
}  // namespace

// State shared between the loop and the worker running this sandbox's JavaScript. Workers
// only touch `function`, under `run_mu` (a task may still be finishing its housekeeping when the
// loop has already handed the sandbox its next invocation); the loop owns `state`.
struct IsolateSandbox::Core {
  SandboxSpec spec;
  std::string log_stream;
  std::mutex run_mu;
  std::unique_ptr<js::JsFunction> function;  // null until initialised; guarded by run_mu
  std::atomic<SandboxState> state{SandboxState::kStarting};
  std::atomic<bool> condemned{false};
  std::atomic<uint64_t> footprint_mb{kBaseFootprintMb};
};

IsolateSandbox::IsolateSandbox(Loop& loop, WorkerPool& workers, SandboxSpec spec)
    : loop_(loop), workers_(workers), core_(std::make_shared<Core>()) {
  core_->spec = std::move(spec);
  core_->log_stream = logStreamName(epochMs(), core_->spec.version);
}

IsolateSandbox::~IsolateSandbox() { condemn(); }

SandboxState IsolateSandbox::state() const { return core_->state.load(); }
uint64_t IsolateSandbox::footprintMb() const { return core_->footprint_mb.load(); }
const SandboxSpec& IsolateSandbox::spec() const { return core_->spec; }

void IsolateSandbox::condemn() {
  core_->condemned = true;
  core_->state = SandboxState::kCondemned;
}

namespace {

// Takes core.run_mu; a wait for it (the previous task's housekeeping) holds no active slot.
std::unique_lock<std::mutex> lockRun(IsolateSandbox::Core& core);

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
      out.payload = errorPayload(out.error_type, "RequestId: " + req.request_id +
                                                     " Error: " +
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

// Runs on a worker thread: initialise if needed, invoke, and write the invocation's log.
InvokeResult runOnWorker(IsolateSandbox::Core& core, const InvokeRequest& req, bool& reusable);

// Worker thread: creates the isolate and loads the handler into core.function.
js::JsResult initialise(IsolateSandbox::Core& core, double& init_ms) {
  double t0 = monotonicMs();
  auto fn = js::JsFunction::create(jsSpecFor(core.spec, core.log_stream));
  js::JsResult init = fn->init(epochMs() + kInitTimeoutMs);
  init_ms = monotonicMs() - t0;
  core.footprint_mb = kBaseFootprintMb + megabytesUsed(init.heap_used_bytes);
  if (init.outcome == js::JsOutcome::kOk) core.function = std::move(fn);
  return init;
}

}  // namespace

void IsolateSandbox::invoke(InvokeRequest request, InvokeCallback done) {
  std::shared_ptr<Core> core = core_;
  core->state = SandboxState::kBusy;
  Loop* loop = &loop_;
  workers_.submit([core, loop, request = std::move(request), done = std::move(done)]() mutable {
    std::unique_lock<std::mutex> run_lock = lockRun(*core);
    bool reusable = true;
    InvokeResult result = runOnWorker(*core, request, reusable);
    loop->post([core, reusable, result = std::move(result), done = std::move(done)]() mutable {
      if (!reusable || core->condemned) {
        core->condemned = true;
        core->state = SandboxState::kCondemned;
      } else {
        core->state = SandboxState::kIdle;
      }
      done(std::move(result));
    });
    // The response is on its way: now the work that only later cold starts profit from.
    if (core->function) core->function->runDeferredWork();
  });
}

void IsolateSandbox::prestart(PrestartCallback done) {
  std::shared_ptr<Core> core = core_;
  core->state = SandboxState::kStarting;
  Loop* loop = &loop_;
  workers_.submit([core, loop, done = std::move(done)]() mutable {
    std::unique_lock<std::mutex> run_lock = lockRun(*core);
    std::string error_type;
    if (!core->function) {
      double init_ms = 0;
      js::JsResult init = initialise(*core, init_ms);
      if (init.outcome != js::JsOutcome::kOk) {
        error_type = init.error_type.empty() ? "Runtime.Unknown" : init.error_type;
      }
    }
    loop->post([core, error_type, done = std::move(done)]() mutable {
      bool failed = !error_type.empty() || core->condemned;
      core->condemned = core->condemned || failed;
      core->state = failed ? SandboxState::kCondemned : SandboxState::kIdle;
      done(failed && error_type.empty() ? "Runtime.Unknown" : error_type);
    });
    if (core->function) core->function->runDeferredWork();
  });
}

namespace {

std::unique_lock<std::mutex> lockRun(IsolateSandbox::Core& core) {
  std::unique_lock<std::mutex> lock(core.run_mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    WorkerPool::BlockingScope blocking;
    lock.lock();
  }
  return lock;
}

InvokeResult runOnWorker(IsolateSandbox::Core& core, const InvokeRequest& req, bool& reusable) {
  const SandboxSpec& spec = core.spec;
  InvokeResult out;
  std::string& log = out.log_text;
  uint64_t heap_used = 0;

  if (!core.function) {
    log += initStartLine(spec.runtime, spec.region) + "\n";
    js::JsResult init = initialise(core, out.init_duration_ms);
    appendLines(log, init.log_lines);
    if (init.outcome != js::JsOutcome::kOk) {
      // An init failure answers this invoke with the init error; the environment is discarded.
      classify(init, req, spec, out);
      if (out.outcome == InvokeOutcome::kFunctionError) out.outcome = InvokeOutcome::kInitError;
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

  log += startLine(req.request_id, spec.version) + "\n";
  js::JsInvokeRequest jsreq;
  jsreq.request_id = req.request_id;
  jsreq.event_json = req.payload;
  jsreq.invoked_function_arn = req.invoked_function_arn;
  jsreq.client_context_json = req.client_context_json;
  double t0 = monotonicMs();
  jsreq.deadline_epoch_ms = epochMs() + static_cast<int64_t>(spec.timeout_s) * 1000;
  js::JsResult r = core.function->invoke(jsreq);
  out.duration_ms = monotonicMs() - t0;
  heap_used = r.heap_used_bytes;
  core.footprint_mb = kBaseFootprintMb + megabytesUsed(heap_used);
  appendLines(log, r.log_lines);
  classify(r, req, spec, out);
  reusable = r.reusable;

  std::string status;
  if (out.outcome == InvokeOutcome::kTimeout) {
    log += timeoutLogLine(epochMs(), req.request_id, out.duration_ms) + "\n";
    status = "timeout";
  } else if (out.outcome == InvokeOutcome::kOutOfMemory) {
    status = "error";
  }
  log += endLine(req.request_id) + "\n";
  log += reportLine({req.request_id, out.duration_ms, out.init_duration_ms, spec.memory_mb,
                     megabytesUsed(heap_used), status,
                     status == "error" ? out.error_type : std::string()}) +
         "\n";
  if (!reusable) core.function.reset();  // free the isolate now, on this worker
  return out;
}

}  // namespace

std::unique_ptr<Sandbox> IsolateSandboxFactory::create(SandboxSpec spec) {
  return std::make_unique<IsolateSandbox>(loop_, workers_, std::move(spec));
}

}  // namespace stratus::sandbox
