// What the scheduler counts about invocations, in Prometheus' data model (prometheus-cpp's
// core registry; GET /metrics renders it, triggers/metrics_api.cc): invocations by function,
// version, invocation type and outcome (throttles included), their durations and init
// durations, cold starts by tier. Counters are atomics inside prometheus-cpp; the scheduler
// records on the loop.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "sandbox/invoke_outcome.h"

namespace stratus::scheduler {

// The outcome label: success, error, timeout, out_of_memory, init_error, runtime_exited,
// response_too_large, lost; and "throttled" for an invocation refused for concurrency or
// memory.
const char* outcomeLabel(sandbox::InvokeOutcome outcome);

class InvocationMetrics {
 public:
  InvocationMetrics();

  void finished(const std::string& function, const std::string& version, const std::string& type,
                sandbox::InvokeOutcome outcome, const char* tier, double duration_ms, double init_duration_ms);
  void throttled(const std::string& function, const std::string& version, const std::string& type);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& invocations_;
  prometheus::Family<prometheus::Counter>& cold_starts_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Histogram>& init_duration_;
};

}  // namespace stratus::scheduler
