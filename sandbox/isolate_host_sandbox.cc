#include "sandbox/isolate_host_sandbox.h"

#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/js/host_protocol.h"
#include "sandbox/invocation_log.h"
#include "sandbox/isolate_result.h"

namespace stratus::sandbox {

struct IsolateHostSandbox::Core {
  IsolateHostSupervisor& hosts;
  SandboxSpec spec;
  std::string log_stream;
  std::shared_ptr<IsolateHost> host;  // null until the first invoke or prestart
  int64_t id = 0;                     // the sandbox's id on `host`
  bool initialised = false;
  bool condemned = false;
  SandboxState state = SandboxState::kStarting;
  uint64_t footprint_mb = kIsolateBaseFootprintMb;
  uint64_t charged_on_host_mb = 0;  // footprint_mb as last told to `host`

  // Tells the host what this sandbox reports, so that the host's own memory (what it holds
  // beyond its sandboxes) can be told apart and charged to the budget (isolate_host_supervisor.h).
  void syncCharge() {
    uint64_t now = condemned || !host ? 0 : footprint_mb;
    if (host) host->addSandboxFootprint(static_cast<int64_t>(now) - static_cast<int64_t>(charged_on_host_mb));
    charged_on_host_mb = now;
  }

  Core(IsolateHostSupervisor& h, SandboxSpec s) : hosts(h), spec(std::move(s)) {
    log_stream = logStreamName(epochMs(), spec.version);
  }

  // The host to run on ("" on success), registering the sandbox there on first use.
  std::string bind() {
    if (host) return host->alive() ? "" : "Runtime exited without providing a reason";
    std::string error;
    host = hosts.hostFor(spec.memory_mb, &error);
    if (!host) return error;
    id = host->create(jsSpecFor(spec, log_stream));
    syncCharge();
    return "";
  }

  void condemnNow() {
    condemned = true;
    state = SandboxState::kCondemned;
    syncCharge();
    if (host && host->alive()) host->dispose(id);
  }
};

IsolateHostSandbox::IsolateHostSandbox(IsolateHostSupervisor& hosts, SandboxSpec spec)
    : core_(std::make_shared<Core>(hosts, std::move(spec))) {}

IsolateHostSandbox::~IsolateHostSandbox() {
  if (!core_->condemned) core_->condemnNow();
}

SandboxState IsolateHostSandbox::state() const {
  if (core_->host && !core_->host->alive()) return SandboxState::kCondemned;
  return core_->state;
}
uint64_t IsolateHostSandbox::footprintMb() const { return core_->footprint_mb; }
const SandboxSpec& IsolateHostSandbox::spec() const { return core_->spec; }

void IsolateHostSandbox::condemn() {
  if (!core_->condemned) core_->condemnNow();
}

namespace {

std::string errorPayload(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

// An invoke that found no host to run on: a failed environment, saying why.
InvokeResult noHostResult(const SandboxSpec& spec, const InvokeRequest& req, const std::string& why) {
  InvokeResult r;
  r.outcome = InvokeOutcome::kInitError;
  r.error_type = "Runtime.ExitError";
  r.payload = errorPayload(r.error_type, "RequestId: " + req.request_id + " Error: " + why);
  r.log_text = startLine(req.request_id, spec.version) + "\n" + "RequestId: " + req.request_id +
               " Error: " + why + "\n" + endLine(req.request_id) + "\n";
  return r;
}

}  // namespace

void IsolateHostSandbox::invoke(InvokeRequest request, InvokeCallback done) {
  std::shared_ptr<Core> core = core_;
  if (std::string why = core->bind(); !why.empty()) {
    core->condemnNow();
    InvokeResult failed = noHostResult(core->spec, request, why);
    failed.log_stream = core->log_stream;
    done(std::move(failed));
    return;
  }
  core->state = SandboxState::kBusy;
  js::host::InvokeMessage message;
  message.timeout_ms = static_cast<int64_t>(core->spec.timeout_s) * 1000;
  message.request.request_id = request.request_id;
  message.request.event_json = request.payload;
  message.request.invoked_function_arn = request.invoked_function_arn;
  message.request.client_context_json = request.client_context_json;
  bool cold = !core->initialised;
  double started = monotonicMs();
  core->host->invoke(
      core->id, std::move(message),
      [core, cold, started, request = std::move(request), done = std::move(done)](HostAnswer a) {
        if (a.host_died) {
          core->condemned = true;
          core->state = SandboxState::kCondemned;
          InvokeResult exited = runtimeExitedResult(core->spec, request, a.exit_text,
                                                    a.out_of_memory, cold, monotonicMs() - started);
          exited.log_stream = core->log_stream;
          done(std::move(exited));
          return;
        }
        IsolateCallOutput call;
        if (a.done.init) {
          call.did_init = true;
          call.init = std::move(*a.done.init);
          call.init_ms = a.done.init_ms;
          if (call.init.outcome == js::JsOutcome::kOk) core->initialised = true;
        }
        if (a.done.result) {
          call.did_invoke = true;
          call.result = std::move(*a.done.result);
          call.duration_ms = a.done.duration_ms;
        }
        bool reusable = true;
        InvokeResult result = composeIsolateResult(core->spec, request, call, reusable, core->footprint_mb);
        result.log_stream = core->log_stream;
        core->syncCharge();
        if (!reusable || core->condemned) {
          core->condemnNow();
        } else {
          core->state = SandboxState::kIdle;
        }
        done(std::move(result));
      });
}

void IsolateHostSandbox::prestart(PrestartCallback done) {
  std::shared_ptr<Core> core = core_;
  if (std::string why = core->bind(); !why.empty()) {
    core->condemnNow();
    done("Runtime.ExitError");
    return;
  }
  core->state = SandboxState::kStarting;
  core->host->prestart(core->id, [core, done = std::move(done)](HostAnswer a) {
    std::string error_type;
    if (a.host_died) {
      error_type = a.out_of_memory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    } else if (a.done.init) {
      const js::JsResult& init = *a.done.init;
      core->footprint_mb = kIsolateBaseFootprintMb + ((init.heap_used_bytes + (1u << 20) - 1) >> 20);
      core->syncCharge();
      error_type = prestartErrorType(init);
      if (error_type.empty()) core->initialised = true;
    }
    if (!error_type.empty() || core->condemned) {
      core->condemnNow();
      if (error_type.empty()) error_type = "Runtime.Unknown";
    } else {
      core->state = SandboxState::kIdle;
    }
    done(error_type);
  });
}

uint64_t IsolateHostSandboxFactory::heldMb() const { return hosts_.heldMb(); }

std::unique_ptr<Sandbox> IsolateHostSandboxFactory::create(SandboxSpec spec) {
  return std::make_unique<IsolateHostSandbox>(hosts_, std::move(spec));
}

}  // namespace stratus::sandbox
