// Aliases: Create / Get / Update / Delete / List, with weighted routing (LAMBDA.md §2).
#include "runtime/base/ids.h"
#include "triggers/api_context.h"
#include "triggers/async/async_queue.h"
#include "triggers/decoded_call.h"
#include "triggers/function_lookup.h"
#include "triggers/lambda_requests.h"
#include "triggers/list_paging.h"

namespace stratus::triggers {

namespace {

nlohmann::json aliasShape(const ApiContext& ctx, const std::string& function,
                          const scheduler::AliasRecord& a) {
  nlohmann::json j{{"AliasArn", qualifiedArn(ctx.scope, function, a.name)},
                   {"Name", a.name},
                   {"FunctionVersion", a.function_version},
                   {"Description", a.description},
                   {"RevisionId", a.revision_id}};
  if (!a.additional_weights.empty()) {
    j["RoutingConfig"] = {{"AdditionalVersionWeights", a.additional_weights}};
  }
  return j;
}

// Applies FunctionVersion, Description and RoutingConfig with Lambda's checks beyond the
// model's (the decoder checked the name, lengths, patterns and the weights' range).
Status applyAlias(const ApiContext& ctx, const scheduler::FunctionState& state,
                  const AliasInput& in, scheduler::AliasRecord& alias) {
  if (in.function_version) alias.function_version = *in.function_version;
  if (in.description) alias.description = *in.description;
  auto exists = [&](const std::string& v) { return state.version(v) != nullptr; };
  auto notFound = [&](const std::string& v) {
    return Error::notFound("Function not found: " + qualifiedArn(ctx.scope, state.name(), v));
  };
  if (!exists(alias.function_version)) return notFound(alias.function_version);
  if (in.additional_weights) {
    const std::map<std::string, double>& weights = *in.additional_weights;
    if (weights.size() > 1) {
      return Error::invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
    }
    for (const auto& [v, w] : weights) {
      if (!exists(v) || v == "$LATEST") return notFound(v);
    }
    alias.additional_weights = weights;
  }
  // Checked on the result, so moving the alias onto its weighted version is refused too.
  for (const auto& [v, w] : alias.additional_weights) {
    if (v == alias.function_version) {
      return Error::invalidParameter("Invalid function version " + v + ". Function version " + v +
                                     " is already included in routing configuration.");
    }
  }
  if (!alias.additional_weights.empty() && alias.function_version == "$LATEST") {
    return Error::invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
  }
  return okStatus();
}

}  // namespace

void createAlias(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<AliasInput>(ctx.loop, call, decodeCreateAlias, [&ctx, call](AliasInput in) {
    auto found = findUnqualified(ctx, *call);
    if (!found.ok()) return call->fail(found.error());
    std::string name = in.name.value_or("");
    scheduler::FunctionState state = **found;
    if (state.aliases.count(name)) {
      return call->fail(Error::conflict("Alias already exists: " + qualifiedArn(ctx.scope, state.name(), name)));
    }
    scheduler::AliasRecord alias;
    alias.name = name;
    Status s = applyAlias(ctx, state, in, alias);
    if (!s.ok()) return call->fail(s.error());
    alias.revision_id = uuid4();
    state.aliases[name] = alias;
    s = ctx.registry.update(state, answerWhenDurable(call, 201, aliasShape(ctx, state.name(), alias)));
    if (!s.ok()) return call->fail(s.error());
  });
}

void getAlias(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const std::string& name = call->params.at(1);
  auto it = (*found)->aliases.find(name);
  if (it == (*found)->aliases.end()) {
    return call->fail(Error::notFound("Cannot find alias arn: " + qualifiedArn(ctx.scope, (*found)->name(), name)));
  }
  call->reply(200, aliasShape(ctx, (*found)->name(), it->second));
}

void updateAlias(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<AliasInput>(ctx.loop, call, decodeUpdateAlias, [&ctx, call](AliasInput in) {
    auto found = findUnqualified(ctx, *call);
    if (!found.ok()) return call->fail(found.error());
    const std::string& name = call->params.at(1);
    scheduler::FunctionState state = **found;
    auto it = state.aliases.find(name);
    if (it == state.aliases.end()) {
      return call->fail(Error::notFound("Alias not found: " + qualifiedArn(ctx.scope, state.name(), name)));
    }
    Status s = checkRevision(in.revision_id, it->second.revision_id);
    if (!s.ok()) return call->fail(s.error());
    scheduler::AliasRecord alias = it->second;
    s = applyAlias(ctx, state, in, alias);
    if (!s.ok()) return call->fail(s.error());
    alias.revision_id = uuid4();
    bool moved = alias.function_version != it->second.function_version;
    it->second = alias;
    s = ctx.registry.update(state, answerWhenDurable(call, 200, aliasShape(ctx, state.name(), alias)));
    if (!s.ok()) return call->fail(s.error());
    // Provisioned sandboxes follow the alias to its new version.
    if (moved && state.provisioned.count(name)) ctx.scheduler.provision(state.name(), name);
  });
}

void deleteAlias(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const std::string& name = call->params.at(1);
  scheduler::FunctionState state = **found;
  if (!state.aliases.erase(name)) return ctx.registry.whenDurable(answerWhenDurable(call, 204));
  state.provisioned.erase(name);
  Status s = ctx.registry.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
  ctx.scheduler.provision(state.name(), name);  // no config any more: its sandboxes go
  if (ctx.async) ctx.async->configs().forget(state.name(), name);
}

void listAliases(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  auto page = ListPage::fromQuery(*call);
  if (!page.ok()) return call->fail(page.error());
  std::string version = call->query("FunctionVersion");
  std::vector<const scheduler::AliasRecord*> all;
  for (const auto& [n, a] : (*found)->aliases) {
    if (version.empty() || a.function_version == version) all.push_back(&a);
  }
  nlohmann::json aliases = nlohmann::json::array();
  size_t end = page->end(all.size());
  for (size_t i = page->start; i < end; ++i) aliases.push_back(aliasShape(ctx, (*found)->name(), *all[i]));
  nlohmann::json out{{"Aliases", aliases}};
  if (end < all.size()) out["NextMarker"] = ListPage::markerFor(end);
  call->reply(200, out);
}

}  // namespace stratus::triggers
