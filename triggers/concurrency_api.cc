// Reserved and provisioned concurrency (LAMBDA.md §12, §13).
#include "runtime/base/clock.h"
#include "triggers/api_context.h"
#include "triggers/decoded_call.h"
#include "triggers/function_lookup.h"
#include "triggers/lambda_requests.h"

namespace stratus::triggers {

namespace {

// The unreserved pool must keep this much (AWS: 100, less on small accounts).
int unreservedFloor(int account_limit) { return std::min(100, account_limit / 10); }

int provisionedTotal(const scheduler::FunctionState& state) {
  int total = 0;
  for (const auto& [q, p] : state.provisioned) total += p.requested;
  return total;
}

// The qualifier a provisioned-concurrency call names: an alias or a published version.
Result<std::string> provisionedQualifier(ApiContext& ctx, const ApiCall& call,
                                         const scheduler::FunctionState& state, bool putting) {
  std::string q = call.query("Qualifier");  // required and non-empty: checked from the model
  if (q == "$LATEST") {
    return Error::invalidParameter(
        putting ? "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                : "The function resource provided must be an alias or a published version.");
  }
  bool exists = scheduler::isVersionNumber(q) ? state.version(q) != nullptr : state.aliases.count(q) > 0;
  if (!exists) return Error::notFound("Function not found: " + qualifiedArn(ctx.scope, state.name(), q));
  auto alias = state.aliases.find(q);
  if (putting && alias != state.aliases.end() && alias->second.function_version == "$LATEST") {
    // An alias on $LATEST is still an unpublished version.
    return Error::invalidParameter(
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
  }
  return q;
}

// The version a provisioned qualifier runs.
std::string versionOf(const scheduler::FunctionState& state, const std::string& q) {
  auto alias = state.aliases.find(q);
  return alias == state.aliases.end() ? q : alias->second.function_version;
}

nlohmann::json provisionedShape(ApiContext& ctx, const scheduler::FunctionState& state,
                                const std::string& q, const scheduler::ProvisionedConfig& cfg) {
  scheduler::ProvisionedStatus st = ctx.scheduler.provisionedStatus(state.name(), q);
  nlohmann::json j{{"RequestedProvisionedConcurrentExecutions", cfg.requested},
                   {"AvailableProvisionedConcurrentExecutions", st.available},
                   {"AllocatedProvisionedConcurrentExecutions", st.allocated},
                   {"Status", st.status},
                   {"LastModified", formatAwsTimestamp(cfg.last_modified_ms)}};
  if (!st.reason.empty()) j["StatusReason"] = st.reason;
  return j;
}

}  // namespace

void putFunctionConcurrency(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<ConcurrencyInput>(ctx.loop, call, decodePutFunctionConcurrency, [&ctx, call](ConcurrencyInput in) {
    auto found = findFunctionOnly(ctx, *call);
    if (!found.ok()) return call->fail(found.error());
    const int n = in.count;
    scheduler::FunctionState state = **found;
    int others = ctx.registry.reservedConcurrencyTotal() - state.reserved_concurrency.value_or(0);
    int limit = ctx.limiter.accountLimit();
    int floor = unreservedFloor(limit);
    if (limit - others - n < floor) {
      return call->fail(Error::invalidParameter(
          "Specified ReservedConcurrentExecutions for function decreases account's "
          "UnreservedConcurrentExecution below its minimum value of [" + std::to_string(floor) + "]."));
    }
    int provisioned = provisionedTotal(state);
    if (n < provisioned) {
      return call->fail(Error::invalidParameter(
          " ReservedConcurrentExecutions  " + std::to_string(n) +
          " should not be lower than function's total provisioned concurrency [" +
          std::to_string(provisioned) + "]."));
    }
    state.reserved_concurrency = n;
    Status s = ctx.registry.update(state, answerWhenDurable(call, 200, {{"ReservedConcurrentExecutions", n}}));
    if (!s.ok()) return call->fail(s.error());
    ctx.limiter.setReservedTotal(ctx.registry.reservedConcurrencyTotal());
  });
}

void getFunctionConcurrency(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findFunctionOnly(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  nlohmann::json out = nlohmann::json::object();
  if ((*found)->reserved_concurrency) {
    out["ReservedConcurrentExecutions"] = *(*found)->reserved_concurrency;
  }
  call->reply(200, out);
}

void deleteFunctionConcurrency(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findFunctionOnly(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  if (!(*found)->reserved_concurrency) return ctx.registry.whenDurable(answerWhenDurable(call, 204));
  scheduler::FunctionState state = **found;
  state.reserved_concurrency.reset();
  Status s = ctx.registry.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
  ctx.limiter.setReservedTotal(ctx.registry.reservedConcurrencyTotal());
}

void putProvisionedConcurrency(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<ConcurrencyInput>(ctx.loop, call, decodePutProvisionedConcurrencyConfig, [&ctx, call](ConcurrencyInput in) {
    auto found = findUnqualified(ctx, *call);
    if (!found.ok()) return call->fail(found.error());
    const scheduler::FunctionState& current = **found;
    auto q = provisionedQualifier(ctx, *call, current, true);
    if (!q.ok()) return call->fail(q.error());
    const int n = in.count;

    // A version may be provisioned once, either directly or through one alias.
    std::string version = versionOf(current, *q);
    for (const auto& [other, cfg] : current.provisioned) {
      if (other != *q && versionOf(current, other) == version) {
        return call->fail(Error::conflict("Alias or version " + other +
                                          " already has provisioned concurrency for version " +
                                          version + " of this function."));
      }
    }
    int total = provisionedTotal(current) - (current.provisioned.count(*q) ? current.provisioned.at(*q).requested : 0) + n;
    if (current.reserved_concurrency && total > *current.reserved_concurrency) {
      return call->fail(Error::invalidParameter(
          "Requested Provisioned Concurrency should not be greater than the "
          "reservedConcurrentExecution for function"));
    }
    int unreserved = ctx.limiter.unreservedLimit();
    if (!current.reserved_concurrency && total > unreserved - unreservedFloor(ctx.limiter.accountLimit())) {
      return call->fail(Error::invalidParameter(
          "Specified ConcurrentExecutions for function is greater than account's unreserved "
          "concurrency [" + std::to_string(unreserved) + "]."));
    }
    scheduler::FunctionState state = current;
    state.provisioned[*q] = {n, epochMs()};
    // The answer shows the provisioning just started: filled in below, sent once durable.
    auto shape = std::make_shared<nlohmann::json>();
    Status s = ctx.registry.update(state, [call, shape](Status durable) {
      if (!durable.ok()) return call->fail(durable.error());
      call->reply(202, *shape);
    });
    if (!s.ok()) return call->fail(s.error());
    ctx.scheduler.provision(state.name(), *q);
    *shape = provisionedShape(ctx, state, *q, state.provisioned[*q]);
  });
}

void getProvisionedConcurrency(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const scheduler::FunctionState& state = **found;
  if (call->query("List") == "ALL") {
    nlohmann::json configs = nlohmann::json::array();
    for (const auto& [q, cfg] : state.provisioned) {
      nlohmann::json j = provisionedShape(ctx, state, q, cfg);
      j["FunctionArn"] = qualifiedArn(ctx.scope, state.name(), q);
      configs.push_back(j);
    }
    return call->reply(200, {{"ProvisionedConcurrencyConfigs", configs}});
  }
  auto q = provisionedQualifier(ctx, *call, state, false);
  if (!q.ok()) return call->fail(q.error());
  auto cfg = state.provisioned.find(*q);
  if (cfg == state.provisioned.end()) {
    return call->fail({ErrorCode::kProvisionedConcurrencyConfigNotFound,
                       "No Provisioned Concurrency Config found for this function", {}});
  }
  call->reply(200, provisionedShape(ctx, state, *q, cfg->second));
}

void deleteProvisionedConcurrency(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  auto q = provisionedQualifier(ctx, *call, **found, false);
  if (!q.ok()) return call->fail(q.error());
  if (!(*found)->provisioned.count(*q)) return ctx.registry.whenDurable(answerWhenDurable(call, 204));
  scheduler::FunctionState state = **found;
  state.provisioned.erase(*q);
  Status s = ctx.registry.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
  ctx.scheduler.provision(state.name(), *q);
}

}  // namespace stratus::triggers
