// Routes an invocation to a sandbox. Resolves the qualifier (alias weights included), takes a
// concurrency lease, then places the call (placement.h): an idle provisioned sandbox, a warm
// one of the version's current generation, or a cold start within the host memory budget,
// evicting least-recently-used idle sandboxes first. One invocation per sandbox at a time.
// Also keeps provisioned concurrency: sandboxes initialised ahead, never reaped.
// Loop thread only; callbacks run on the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "layers/code_store.h"
#include "runtime/base/clock.h"
#include "runtime/base/error.h"
#include "runtime/base/loop.h"
#include "sandbox/sandbox.h"
#include "scheduler/alias_router.h"
#include "scheduler/concurrency_limiter.h"
#include "scheduler/function_registry.h"
#include "scheduler/invocation_metrics.h"
#include "scheduler/invocation_log_sink.h"
#include "scheduler/placement.h"

namespace stratus::scheduler {

struct SchedulerOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  int64_t idle_timeout_ms = 10 * 60 * 1000;  // Lambda keeps idle environments for minutes
  int64_t reap_interval_ms = 5000;
  uint64_t host_memory_budget_mb = 8192;  // what placement.h charges against
};

struct InvokeCall {
  std::string function_name;
  std::string qualifier;  // "", "$LATEST", a version number or an alias
  std::string request_id;
  std::string payload;
  std::string invoked_function_arn;
  std::string client_context_json;
  std::string invocation_type = "RequestResponse";  // or "Event": a metrics label
};

struct InvokeOutput {
  sandbox::InvokeResult result;
  std::string executed_version;
};

using InvokeDone = std::function<void(Result<InvokeOutput>)>;

struct ProvisionedStatus {
  int requested = 0;
  int allocated = 0;  // initialised and alive
  int available = 0;  // of those, idle now
  std::string status;  // IN_PROGRESS, READY, FAILED
  std::string reason;  // with FAILED
};

class Scheduler {
 public:
  Scheduler(Loop& loop, FunctionRegistry& registry, layers::CodeStore& code,
            sandbox::SandboxFactory& factory, ConcurrencyLimiter& limiter,
            SchedulerOptions options, const Clock& clock = MonotonicClock::instance(),
            AliasRouter router = AliasRouter());
  ~Scheduler();

  void invoke(InvokeCall call, InvokeDone done);
  // Every invocation's log lines go to `sink` when it ends (nullptr: nowhere). Not owned.
  void setLogSink(InvocationLogSink* sink) { log_sink_ = sink; }

  // $LATEST's code or configuration changed: its idle sandboxes go now; busy ones finish
  // their invocation and are then dropped.
  void retire(const std::string& function_name);
  // Drops every idle on-demand sandbox of the function, so its next invoke is a cold start
  // (`stratus coldstart`). Provisioned ones stay.
  void recycle(const std::string& function_name);
  // The function (or one version of it) was deleted.
  void forget(const std::string& function_name, const std::string& version = "");

  // Brings the provisioned sandboxes of (function, qualifier) to the registry's requested
  // count (0 or no config: none), for the version the qualifier names now.
  void provision(const std::string& function_name, const std::string& qualifier);
  ProvisionedStatus provisionedStatus(const std::string& function_name,
                                      const std::string& qualifier) const;
  // Starts every provisioned configuration in the registry (server start).
  void provisionAll();

  // Drops on-demand sandboxes idle for longer than the idle timeout. Called by a timer;
  // public so tests can drive it with a ManualClock.
  void reapIdle();

  size_t idleCount(const std::string& function_name) const;
  size_t busyCount(const std::string& function_name) const;
  // Memory charged against the budget now (placement.h): sandboxes and the factory's pools.
  uint64_t hostUsedMb() const;
  uint64_t hostBudgetMb() const { return options_.host_memory_budget_mb; }
  // Sandboxes now, by (tier, state: starting, idle, busy, condemned).
  std::map<std::pair<std::string, std::string>, int> sandboxCensus() const;
  const InvocationMetrics& metrics() const { return metrics_; }

 private:
  struct Slot {
    std::shared_ptr<sandbox::Sandbox> sandbox;
    std::string function;
    std::string version;
    std::string provisioned_for;  // the qualifier of its provisioned config, "" on demand
    int64_t generation = 0;
    int64_t last_used_ms = 0;
    bool busy = false;
    bool ready = false;  // initialised (after prestart or a first invoke)
    uint64_t memory_mb = 0;   // its MemorySize
    uint64_t charged_mb = 0;  // its part of charged_mb_ (placement.h)
  };
  struct ProvisionedGroup {
    std::string version;
    int requested = 0;
    std::string failure;  // init error type once one failed
  };
  using GroupKey = std::pair<std::string, std::string>;  // function, qualifier

  void place(const FunctionRecord& record, const std::string& qualifier, InvokeCall call,
             std::shared_ptr<ConcurrencyLease> lease, InvokeDone done);
  void run(uint64_t slot_id, InvokeCall call, std::shared_ptr<ConcurrencyLease> lease,
           InvokeDone done);
  // Where a version's trees are: its code (/var/task) and its merged layers (/opt, "" if none).
  struct Bundles {
    std::string task;
    std::string opt;
  };
  // Calls `then` with the record's bundles, extracting its code and building its /opt first
  // if this server has not seen them yet (off the loop).
  void withBundle(const FunctionRecord& record, std::function<void(Result<Bundles>)> then);
  uint64_t addSlot(const FunctionRecord& record, const Bundles& bundles,
                   const std::string& provisioned_for);
  void dropSlot(uint64_t id);
  // Recomputes a slot's charge after its state changed (busy, ready) and updates the total.
  void recharge(Slot& slot);
  // The idle on-demand sandboxes placement may evict, but not `keep`.
  std::vector<IdleCandidate> evictable(uint64_t keep) const;
  // Drops sandboxes found dead (their process exited), replacing provisioned ones.
  void dropDead(const std::vector<uint64_t>& ids);
  // The ids of `function`'s slots that satisfy `pred`: a copy, so callers may drop them.
  std::vector<uint64_t> slotsOf(const std::string& function,
                                const std::function<bool(const Slot&)>& pred) const;
  int64_t currentGeneration(const std::string& function, const std::string& version) const;
  sandbox::SandboxSpec specFor(const FunctionRecord& record, const Bundles& bundles,
                               bool provisioned) const;

  Loop& loop_;
  FunctionRegistry& registry_;
  layers::CodeStore& code_;
  sandbox::SandboxFactory& factory_;
  ConcurrencyLimiter& limiter_;
  SchedulerOptions options_;
  InvocationMetrics metrics_;
  const Clock& clock_;
  AliasRouter router_;
  InvocationLogSink* log_sink_ = nullptr;
  uint64_t next_slot_id_ = 1;
  std::map<uint64_t, Slot> slots_;
  std::map<std::string, std::vector<uint64_t>> function_slots_;
  std::map<GroupKey, ProvisionedGroup> provisioned_;
  std::map<std::string, std::string> bundles_;  // code sha256 hex -> verified bundle dir
  std::map<std::string, std::string> opts_;     // layer hashes, in order -> built /opt tree
  // Memory promised to cold starts that are still finding their bundle: counted in the budget
  // so a burst of first starts cannot overshoot it.
  uint64_t pending_cold_mb_ = 0;
  uint64_t charged_mb_ = 0;  // the sum of the slots' charged_mb
  Timer reaper_;
  // Invocations still running hold this; they drop their results quietly once it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace stratus::scheduler
