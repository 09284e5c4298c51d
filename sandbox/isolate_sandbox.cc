#include "sandbox/isolate_sandbox.h"

#include <atomic>
#include <mutex>

#include "runtime/base/clock.h"
#include "runtime/js/js_function.h"
#include "sandbox/invocation_log.h"
#include "sandbox/isolate_result.h"

namespace stratus::sandbox {

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
  std::atomic<uint64_t> footprint_mb{kIsolateBaseFootprintMb};
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

// Runs on a worker thread: initialise if needed, invoke, and write the invocation's log.
InvokeResult runOnWorker(IsolateSandbox::Core& core, const InvokeRequest& req, bool& reusable);

// Worker thread: creates the isolate and loads the handler into core.function.
js::JsResult initialise(IsolateSandbox::Core& core, double& init_ms) {
  double t0 = monotonicMs();
  auto fn = js::JsFunction::create(jsSpecFor(core.spec, core.log_stream));
  js::JsResult init = fn->init(epochMs() + kIsolateInitTimeoutMs);
  init_ms = monotonicMs() - t0;
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
    result.log_stream = core->log_stream;
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
      core->footprint_mb = kIsolateBaseFootprintMb + ((init.heap_used_bytes + (1u << 20) - 1) >> 20);
      error_type = prestartErrorType(init);
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
  IsolateCallOutput call;
  if (!core.function) {
    call.did_init = true;
    call.init = initialise(core, call.init_ms);
  }
  if (core.function) {
    js::JsInvokeRequest jsreq;
    jsreq.request_id = req.request_id;
    jsreq.event_json = req.payload;
    jsreq.invoked_function_arn = req.invoked_function_arn;
    jsreq.client_context_json = req.client_context_json;
    double t0 = monotonicMs();
    jsreq.deadline_epoch_ms = epochMs() + static_cast<int64_t>(core.spec.timeout_s) * 1000;
    call.did_invoke = true;
    call.result = core.function->invoke(jsreq);
    call.duration_ms = monotonicMs() - t0;
  }
  uint64_t footprint = core.footprint_mb.load();
  InvokeResult out = composeIsolateResult(core.spec, req, call, reusable, footprint);
  core.footprint_mb = footprint;
  if (!reusable) core.function.reset();  // free the isolate now, on this worker
  return out;
}

}  // namespace

std::unique_ptr<Sandbox> IsolateSandboxFactory::create(SandboxSpec spec) {
  return std::make_unique<IsolateSandbox>(loop_, workers_, std::move(spec));
}

}  // namespace stratus::sandbox
