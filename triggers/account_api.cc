// GetAccountSettings and the tagging API (LAMBDA.md §12).
#include <nlohmann/json.hpp>

#include "triggers/api_context.h"
#include "triggers/decoded_call.h"
#include "triggers/function_validation.h"
#include "triggers/lambda_requests.h"

namespace stratus::triggers {

namespace {

constexpr int64_t kTotalCodeSize = 80530636800;

// Tags live on unqualified function ARNs.
Result<std::string> taggedFunction(ApiContext& ctx, const std::string& arn) {
  auto ref = parseFunctionRef(arn, "", ctx.scope);
  if (!ref.ok()) return ref.error();
  if (arn.rfind("arn:", 0) != 0) {
    return Error::validation("1 validation error detected: Value '" + arn +
                             "' at 'resource' failed to satisfy constraint: Member must satisfy "
                             "regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*");
  }
  if (!ref->qualifier.empty()) {
    return Error::invalidParameter(
        "Tags on function aliases and versions are not supported. Please specify a function "
        "ARN.");
  }
  if (!ctx.registry.find(ref->name)) {
    return Error::notFound("Function not found: " + arn);
  }
  return ref->name;
}

}  // namespace

void getAccountSettings(ApiContext& ctx, const ApiCallPtr& call) {
  uint64_t code_bytes = 0;
  auto all = ctx.registry.list("", ctx.registry.size());
  for (const auto* state : all) {
    code_bytes += state->latest.code.size;
    for (const auto& [n, v] : state->versions) code_bytes += v.code.size;
  }
  nlohmann::json out{
      {"AccountLimit",
       {{"TotalCodeSize", kTotalCodeSize},
        {"CodeSizeUnzipped", 262144000},
        {"CodeSizeZipped", 52428800},
        {"ConcurrentExecutions", ctx.limiter.accountLimit()},
        {"UnreservedConcurrentExecutions", ctx.limiter.unreservedLimit()}}},
      {"AccountUsage", {{"TotalCodeSize", code_bytes}, {"FunctionCount", all.size()}}}};
  call->reply(200, out);
}

void tagResource(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<TagResourceInput>(ctx.loop, call, decodeTagResource, [&ctx, call](TagResourceInput in) {
    auto name = taggedFunction(ctx, call->params.at(0));
    if (!name.ok()) return call->fail(name.error());
    if (in.tags.empty()) {
      return call->fail(Error::invalidParameter("An error occurred and the request cannot be processed."));
    }
    scheduler::FunctionState state = *ctx.registry.find(*name);
    auto& tags = state.latest.tags;
    size_t fresh = 0;
    for (const auto& [k, v] : in.tags) fresh += tags.count(k) ? 0 : 1;
    Status s = validateTags(in.tags, tags.size() + fresh - in.tags.size());
    if (!s.ok()) return call->fail(s.error());
    for (auto& [k, v] : in.tags) tags[k] = std::move(v);
    s = ctx.registry.update(state, answerWhenDurable(call, 204));
    if (!s.ok()) return call->fail(s.error());
  });
}

void untagResource(ApiContext& ctx, const ApiCallPtr& call) {
  auto name = taggedFunction(ctx, call->params.at(0));
  if (!name.ok()) return call->fail(name.error());
  if (!call->hasQuery("tagKeys")) {
    return call->fail(Error::validation(
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: "
        "Member must not be null"));
  }
  scheduler::FunctionState state = *ctx.registry.find(*name);
  for (const auto& key : call->queryAll("tagKeys")) state.latest.tags.erase(key);
  Status s = ctx.registry.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
}

void listTags(ApiContext& ctx, const ApiCallPtr& call) {
  auto name = taggedFunction(ctx, call->params.at(0));
  if (!name.ok()) return call->fail(name.error());
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, v] : ctx.registry.find(*name)->latest.tags) tags[k] = v;
  call->reply(200, {{"Tags", tags}});
}

}  // namespace stratus::triggers
