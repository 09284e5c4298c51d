// Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s) (LAMBDA.md §9), and the server's
// status route. Put replaces a config (members not given vanish); Update merges into it.
#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "triggers/api_context.h"
#include "triggers/async/async_queue.h"
#include "triggers/function_lookup.h"
#include "triggers/list_paging.h"
#include "triggers/request_decoder.h"

namespace stratus::triggers {

namespace {

using async::EventInvokeConfig;

// The function and qualifier a request names ("$LATEST" when none), the function existing.
struct Target {
  std::string function;
  std::string qualifier;
};

Result<Target> target(ApiContext& ctx, const ApiCall& call, bool must_exist) {
  if (!ctx.async) return async::asyncUnavailable();
  auto found = findFunction(ctx, call);
  if (!found.ok()) {
    if (must_exist && found.error().code == ErrorCode::kResourceNotFound) {
      return Error::notFound("The function doesn't exist.");
    }
    if (found.error().code != ErrorCode::kResourceNotFound) return found.error();
    auto ref = parseFunctionRef(call.params.at(0), call.query("Qualifier"), ctx.scope);
    if (!ref.ok()) return ref.error();
    return Target{ref->name, ref->qualifier.empty() ? "$LATEST" : ref->qualifier};
  }
  return Target{found->state->name(), found->ref.qualifier.empty() ? "$LATEST" : found->ref.qualifier};
}

nlohmann::json shape(ApiContext& ctx, const Target& t, const EventInvokeConfig& c) {
  nlohmann::json j;
  j["LastModified"] = static_cast<double>(c.last_modified_ms) / 1000.0;
  j["FunctionArn"] = qualifiedArn(ctx.scope, t.function, t.qualifier);
  if (c.max_retry_attempts) j["MaximumRetryAttempts"] = *c.max_retry_attempts;
  if (c.max_event_age_s) j["MaximumEventAgeInSeconds"] = *c.max_event_age_s;
  nlohmann::json on_success = nlohmann::json::object(), on_failure = nlohmann::json::object();
  if (c.on_success) on_success["Destination"] = *c.on_success;
  if (c.on_failure) on_failure["Destination"] = *c.on_failure;
  j["DestinationConfig"] = {{"OnSuccess", on_success}, {"OnFailure", on_failure}};
  return j;
}

Error noConfig(ApiContext& ctx, const Target& t) {
  return Error::notFound("The function " + qualifiedArn(ctx.scope, t.function, t.qualifier) +
                         " doesn't have an EventInvokeConfig");
}

// A destination member as given: absent (nullopt), or its ARN ("" clears it).
std::optional<std::string> destination(const nlohmann::json& body, const char* which) {
  auto dc = body.find("DestinationConfig");
  if (dc == body.end()) return std::nullopt;
  auto d = dc->find(which);
  if (d == dc->end()) return std::nullopt;
  return d->value("Destination", std::string());
}

// Put (merge = false) and Update (merge = true).
void write(ApiContext& ctx, const ApiCallPtr& call, const char* operation, bool merge) {
  auto t = target(ctx, *call, true);
  if (!t.ok()) return call->fail(t.error());
  auto body = decodeBody(call->request().body, *requestShape(operation));
  if (!body.ok()) return call->fail(body.error());
  const nlohmann::json& b = *body;
  if (!b.contains("MaximumRetryAttempts") && !b.contains("MaximumEventAgeInSeconds") &&
      !b.contains("DestinationConfig")) {
    return call->fail(Error::invalidParameter(
        "You must specify at least one of error handling or destination setting."));
  }
  EventInvokeConfig config;
  if (merge) {
    if (const EventInvokeConfig* old = ctx.async->configs().find(t->function, t->qualifier)) config = *old;
  }
  if (b.contains("MaximumRetryAttempts")) config.max_retry_attempts = b["MaximumRetryAttempts"].get<int>();
  if (b.contains("MaximumEventAgeInSeconds")) config.max_event_age_s = b["MaximumEventAgeInSeconds"].get<int>();
  for (auto [which, member] : {std::pair{"OnSuccess", &config.on_success}, std::pair{"OnFailure", &config.on_failure}}) {
    std::optional<std::string> arn = destination(b, which);
    if (!arn) continue;
    if (arn->empty()) {
      member->reset();
      continue;
    }
    Status usable = ctx.async->checkDestination(t->function, *arn);
    if (!usable.ok()) return call->fail(usable.error());
    *member = *arn;
  }
  config.last_modified_ms = epochMs();
  nlohmann::json answer = shape(ctx, *t, config);
  ctx.async->configs().put(t->function, t->qualifier, config, [call, answer](Status s) {
    if (!s.ok()) return call->fail(s.error());
    call->reply(200, answer);
  });
}

}  // namespace

void putFunctionEventInvokeConfig(ApiContext& ctx, const ApiCallPtr& call) {
  write(ctx, call, "PutFunctionEventInvokeConfig", false);
}

void updateFunctionEventInvokeConfig(ApiContext& ctx, const ApiCallPtr& call) {
  write(ctx, call, "UpdateFunctionEventInvokeConfig", true);
}

void getFunctionEventInvokeConfig(ApiContext& ctx, const ApiCallPtr& call) {
  auto t = target(ctx, *call, false);
  if (!t.ok()) return call->fail(t.error());
  const EventInvokeConfig* c = ctx.async->configs().find(t->function, t->qualifier);
  if (!c) return call->fail(noConfig(ctx, *t));
  call->reply(200, shape(ctx, *t, *c));
}

void deleteFunctionEventInvokeConfig(ApiContext& ctx, const ApiCallPtr& call) {
  auto t = target(ctx, *call, false);
  if (!t.ok()) return call->fail(t.error());
  if (!ctx.async->configs().find(t->function, t->qualifier)) return call->fail(noConfig(ctx, *t));
  ctx.async->configs().remove(t->function, t->qualifier, [call](Status s) {
    if (!s.ok()) return call->fail(s.error());
    call->replyEmpty(204);
  });
}

void listFunctionEventInvokeConfigs(ApiContext& ctx, const ApiCallPtr& call) {
  if (!ctx.async) return call->fail(async::asyncUnavailable());
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) {
    if (found.error().code == ErrorCode::kResourceNotFound) {
      return call->fail(Error::notFound("The function doesn't exist."));
    }
    return call->fail(found.error());
  }
  auto page = ListPage::fromQuery(*call);
  if (!page.ok()) return call->fail(page.error());
  std::string name = (*found)->name();
  auto all = ctx.async->configs().list(name);
  nlohmann::json items = nlohmann::json::array();
  size_t end = page->end(all.size());
  for (size_t i = page->start; i < end; ++i) items.push_back(shape(ctx, {name, all[i].first}, all[i].second));
  nlohmann::json j = {{"FunctionEventInvokeConfigs", items}};
  if (end < all.size()) j["NextMarker"] = ListPage::markerFor(end);
  call->reply(200, j);
}

void serverStatus(ApiContext& ctx, const ApiCallPtr& call) {
  nlohmann::json j = nlohmann::json::object();
  if (ctx.async) j["async"] = ctx.async->status();
  call->reply(200, j);
}

}  // namespace stratus::triggers
