// Routes an invocation to a sandbox: reuse a warm one of the function's current generation,
// else start a cold one; return it to the warm pool afterwards unless it was condemned or the
// function changed meanwhile. Idle sandboxes are reaped after idle_timeout_ms.
// Loop thread only; callbacks run on the loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "layers/code_store.h"
#include "runtime/base/clock.h"
#include "runtime/base/error.h"
#include "runtime/base/loop.h"
#include "sandbox/sandbox.h"
#include "scheduler/function_registry.h"

namespace stratus::scheduler {

struct SchedulerOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  int64_t idle_timeout_ms = 10 * 60 * 1000;  // Lambda keeps idle environments for minutes
  int64_t reap_interval_ms = 5000;
};

struct InvokeCall {
  std::string function_name;
  std::string request_id;
  std::string payload;
  std::string invoked_function_arn;
  std::string client_context_json;
};

using InvokeDone = std::function<void(Result<sandbox::InvokeResult>)>;

class Scheduler {
 public:
  Scheduler(Loop& loop, FunctionRegistry& registry, layers::CodeStore& code,
            sandbox::SandboxFactory& factory, SchedulerOptions options,
            const Clock& clock = SystemClock::instance());
  ~Scheduler();

  void invoke(InvokeCall call, InvokeDone done);

  // The function's code or configuration changed, or it was deleted: its idle sandboxes go
  // now; busy ones finish their invocation and are then dropped.
  void retire(const std::string& function_name);

  // Drops idle sandboxes unused for longer than the idle timeout. Called by a timer; public
  // so tests can drive it with a ManualClock.
  void reapIdle();

  size_t idleCount(const std::string& function_name) const;
  size_t busyCount(const std::string& function_name) const;

 private:
  struct IdleSandbox {
    std::shared_ptr<sandbox::Sandbox> sandbox;
    int64_t generation;
    int64_t idle_since_ms;
  };
  struct Pool {
    std::deque<IdleSandbox> idle;  // most recently used at the back
    size_t busy = 0;
  };

  void startCold(const FunctionRecord& record, InvokeCall call, InvokeDone done);
  void run(std::shared_ptr<sandbox::Sandbox> sb, int64_t generation, InvokeCall call,
           InvokeDone done);
  sandbox::SandboxSpec specFor(const FunctionRecord& record, const std::string& bundle_dir) const;

  Loop& loop_;
  FunctionRegistry& registry_;
  layers::CodeStore& code_;
  sandbox::SandboxFactory& factory_;
  SchedulerOptions options_;
  const Clock& clock_;
  std::map<std::string, Pool> pools_;
  std::map<std::string, std::string> bundles_;  // code sha256 hex -> verified bundle dir
  Timer reaper_;
};

}  // namespace stratus::scheduler
