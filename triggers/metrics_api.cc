// GET /metrics: the Prometheus text format (0.0.4), rendered by prometheus-cpp. The
// scheduler's counters and histograms (invocations by outcome, durations, cold starts;
// scheduler/invocation_metrics.h) plus gauges read now: concurrent executions, sandboxes by
// tier and state, memory charged against the budget, SQS queue depths, the async queue. Served under the same
// exposure rules as the API (open on loopback; SigV4 when exposed).
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "triggers/api_context.h"
#include "triggers/async/async_queue.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::triggers {

namespace {

// Gauges of this moment, in a registry of their own made per scrape.
std::shared_ptr<prometheus::Registry> gaugesNow(ApiContext& ctx) {
  auto r = std::make_shared<prometheus::Registry>();
  auto& concurrent = prometheus::BuildGauge()
                         .Name("stratus_concurrent_executions")
                         .Help("Invocations running now, by function")
                         .Register(*r);
  auto& account = prometheus::BuildGauge()
                      .Name("stratus_account_concurrent_executions")
                      .Help("Invocations running now, all functions")
                      .Register(*r);
  int total = 0;
  for (const auto& [function, n] : ctx.limiter.inFlightByFunction()) {
    concurrent.Add({{"function", function}}).Set(n);
    total += n;
  }
  account.Add({}).Set(total);
  auto& sandboxes =
      prometheus::BuildGauge().Name("stratus_sandboxes").Help("Execution environments by tier and state").Register(*r);
  for (const auto& [key, n] : ctx.scheduler.sandboxCensus()) {
    sandboxes.Add({{"tier", key.first}, {"state", key.second}}).Set(n);
  }
  auto& memory = prometheus::BuildGauge()
                     .Name("stratus_memory_bytes")
                     .Help("Memory charged against the host memory budget (used) and the budget")
                     .Register(*r);
  memory.Add({{"kind", "used"}}).Set(static_cast<double>(ctx.scheduler.hostUsedMb()) * 1024 * 1024);
  memory.Add({{"kind", "budget"}}).Set(static_cast<double>(ctx.scheduler.hostBudgetMb()) * 1024 * 1024);
  if (ctx.sqs) {
    auto& messages = prometheus::BuildGauge()
                         .Name("stratus_sqs_messages")
                         .Help("Messages in each embedded SQS queue, by state")
                         .Register(*r);
    for (const auto& [queue, c] : ctx.sqs->depths()) {
      messages.Add({{"queue", queue}, {"state", "visible"}}).Set(static_cast<double>(c.visible));
      messages.Add({{"queue", queue}, {"state", "in_flight"}}).Set(static_cast<double>(c.in_flight));
      messages.Add({{"queue", queue}, {"state", "delayed"}}).Set(static_cast<double>(c.delayed));
    }
  }
  if (ctx.async) {
    auto& events = prometheus::BuildGauge()
                       .Name("stratus_async_events")
                       .Help("Accepted asynchronous events now, by state (queued: waiting or backing off)")
                       .Register(*r);
    events.Add({{"state", "queued"}}).Set(static_cast<double>(ctx.async->queued()));
    events.Add({{"state", "in_flight"}}).Set(static_cast<double>(ctx.async->inFlight()));
    // Counted by the queue since the server started: exposed as counters would be, but read
    // from it at scrape time.
    auto& outcomes = prometheus::BuildCounter()
                         .Name("stratus_async_events_total")
                         .Help("Asynchronous events since the server started, by what became of them")
                         .Register(*r);
    const async::AsyncMetrics& m = ctx.async->metrics();
    for (const auto& [what, n] :
         std::initializer_list<std::pair<const char*, uint64_t>>{{"accepted", m.accepted},
                                                                 {"succeeded", m.succeeded},
                                                                 {"failed", m.failed},
                                                                 {"retried", m.retried},
                                                                 {"throttled", m.throttled},
                                                                 {"dropped_too_old", m.dropped_too_old},
                                                                 {"delivered", m.delivered},
                                                                 {"delivery_given_up", m.delivery_given_up}}) {
      outcomes.Add({{"outcome", what}}).Increment(static_cast<double>(n));
    }
  }
  return r;
}

}  // namespace

void getMetrics(ApiContext& ctx, const ApiCallPtr& call) {
  std::vector<prometheus::MetricFamily> families = ctx.scheduler.metrics().registry()->Collect();
  for (auto& f : gaugesNow(ctx)->Collect()) families.push_back(std::move(f));
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, families);
  HttpResponse r;
  r.status = 200;
  r.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
  r.body = text.str();
  call->reply(std::move(r));
}

}  // namespace stratus::triggers
