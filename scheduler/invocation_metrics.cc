#include "scheduler/invocation_metrics.h"

namespace stratus::scheduler {

namespace {

// Seconds, from a no-op warm invoke (~0.1 ms) to Lambda's 900 s timeout.
const prometheus::Histogram::BucketBoundaries& durationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900};
  return kBuckets;
}

}  // namespace

const char* outcomeLabel(sandbox::InvokeOutcome outcome) {
  switch (outcome) {
    case sandbox::InvokeOutcome::kOk: return "success";
    case sandbox::InvokeOutcome::kFunctionError: return "error";
    case sandbox::InvokeOutcome::kInitError: return "init_error";
    case sandbox::InvokeOutcome::kTimeout: return "timeout";
    case sandbox::InvokeOutcome::kOutOfMemory: return "out_of_memory";
    case sandbox::InvokeOutcome::kRuntimeExited: return "runtime_exited";
    case sandbox::InvokeOutcome::kResponseTooLarge: return "response_too_large";
    case sandbox::InvokeOutcome::kLost: return "lost";
  }
  return "unknown";
}

InvocationMetrics::InvocationMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      invocations_(prometheus::BuildCounter()
                       .Name("stratus_invocations_total")
                       .Help("Invocations by function, version, invocation type and outcome")
                       .Register(*registry_)),
      cold_starts_(prometheus::BuildCounter()
                       .Name("stratus_cold_starts_total")
                       .Help("Invocations that initialised their execution environment")
                       .Register(*registry_)),
      duration_(prometheus::BuildHistogram()
                    .Name("stratus_invocation_duration_seconds")
                    .Help("Duration as REPORT gives it")
                    .Register(*registry_)),
      init_duration_(prometheus::BuildHistogram()
                         .Name("stratus_init_duration_seconds")
                         .Help("Init Duration of cold starts")
                         .Register(*registry_)) {}

void InvocationMetrics::finished(const std::string& function, const std::string& version, const std::string& type,
                                 sandbox::InvokeOutcome outcome, const char* tier, double duration_ms,
                                 double init_duration_ms) {
  invocations_.Add({{"function", function}, {"version", version}, {"type", type}, {"outcome", outcomeLabel(outcome)}})
      .Increment();
  duration_.Add({{"function", function}}, durationBuckets()).Observe(duration_ms / 1000.0);
  if (init_duration_ms >= 0) {
    cold_starts_.Add({{"function", function}, {"tier", tier}}).Increment();
    init_duration_.Add({{"function", function}}, durationBuckets()).Observe(init_duration_ms / 1000.0);
  }
}

void InvocationMetrics::throttled(const std::string& function, const std::string& version, const std::string& type) {
  invocations_.Add({{"function", function}, {"version", version}, {"type", type}, {"outcome", "throttled"}})
      .Increment();
}

}  // namespace stratus::scheduler
