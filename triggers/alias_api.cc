// Aliases: Create / Get / Update / Delete / List, with weighted routing (LAMBDA.md §2).
#include <regex>

#include "runtime/base/ids.h"
#include "triggers/api_context.h"
#include "triggers/function_lookup.h"
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

Status validateAliasName(const std::string& name) {
  static const std::regex kAliasRe("[a-zA-Z0-9-_]+");
  bool digits = !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
  if (name.empty() || name.size() > 128 || digits || !std::regex_match(name, kAliasRe)) {
    return Error::validation("1 validation error detected: Value '" + name +
                             "' at 'name' failed to satisfy constraint: Member must satisfy "
                             "regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  }
  return okStatus();
}

// Applies FunctionVersion, Description and RoutingConfig from `body` with Lambda's checks.
Status applyAlias(const ApiContext& ctx, const scheduler::FunctionState& state,
                  const nlohmann::json& body, scheduler::AliasRecord& alias) {
  if (body.contains("FunctionVersion") && body["FunctionVersion"].is_string()) {
    alias.function_version = body["FunctionVersion"].get<std::string>();
  }
  if (body.contains("Description") && body["Description"].is_string()) {
    alias.description = body["Description"].get<std::string>();
    if (alias.description.size() > 256) {
      return Error::validation("1 validation error detected: Value at 'description' failed to "
                               "satisfy constraint: Member must have length less than or equal "
                               "to 256");
    }
  }
  auto exists = [&](const std::string& v) { return state.version(v) != nullptr; };
  auto notFound = [&](const std::string& v) {
    return Error::notFound("Function not found: " + qualifiedArn(ctx.scope, state.name(), v));
  };
  if (!exists(alias.function_version)) return notFound(alias.function_version);
  if (body.contains("RoutingConfig") && body["RoutingConfig"].is_object()) {
    const auto& rc = body["RoutingConfig"];
    std::map<std::string, double> weights;
    if (rc.contains("AdditionalVersionWeights") && rc["AdditionalVersionWeights"].is_object()) {
      for (auto& [v, w] : rc["AdditionalVersionWeights"].items()) {
        if (!w.is_number() || w.get<double>() < 0.0 || w.get<double>() > 1.0) {
          return Error::validation("1 validation error detected: Value '" + w.dump() +
                                   "' at 'routingConfig.additionalVersionWeights' failed to "
                                   "satisfy constraint: Map value must satisfy constraint: "
                                   "[Member must have value less than or equal to 1.0, Member "
                                   "must have value greater than or equal to 0.0]");
        }
        weights[v] = w.get<double>();
      }
    }
    if (weights.size() > 1) {
      return Error::invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
    }
    for (const auto& [v, w] : weights) {
      if (!exists(v) || v == "$LATEST") return notFound(v);
    }
    alias.additional_weights = std::move(weights);
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
  auto body = call->jsonBody();
  if (!body.ok()) return call->fail(body.error());
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  std::string name = body->value("Name", "");
  Status s = validateAliasName(name);
  if (!s.ok()) return call->fail(s.error());
  scheduler::FunctionState state = **found;
  if (state.aliases.count(name)) {
    return call->fail(Error::conflict("Alias already exists: " + qualifiedArn(ctx.scope, state.name(), name)));
  }
  scheduler::AliasRecord alias;
  alias.name = name;
  s = applyAlias(ctx, state, *body, alias);
  if (!s.ok()) return call->fail(s.error());
  alias.revision_id = uuid4();
  state.aliases[name] = alias;
  s = ctx.registry.update(state);
  if (!s.ok()) return call->fail(s.error());
  call->reply(201, aliasShape(ctx, state.name(), alias));
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
  auto body = call->jsonBody();
  if (!body.ok()) return call->fail(body.error());
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const std::string& name = call->params.at(1);
  scheduler::FunctionState state = **found;
  auto it = state.aliases.find(name);
  if (it == state.aliases.end()) {
    return call->fail(Error::notFound("Alias not found: " + qualifiedArn(ctx.scope, state.name(), name)));
  }
  Status s = checkRevision(*body, it->second.revision_id);
  if (!s.ok()) return call->fail(s.error());
  scheduler::AliasRecord alias = it->second;
  s = applyAlias(ctx, state, *body, alias);
  if (!s.ok()) return call->fail(s.error());
  alias.revision_id = uuid4();
  bool moved = alias.function_version != it->second.function_version;
  it->second = alias;
  s = ctx.registry.update(state);
  if (!s.ok()) return call->fail(s.error());
  // Provisioned sandboxes follow the alias to its new version.
  if (moved && state.provisioned.count(name)) ctx.scheduler.provision(state.name(), name);
  call->reply(200, aliasShape(ctx, state.name(), alias));
}

void deleteAlias(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const std::string& name = call->params.at(1);
  scheduler::FunctionState state = **found;
  if (state.aliases.erase(name)) {
    state.provisioned.erase(name);
    Status s = ctx.registry.update(state);
    if (!s.ok()) return call->fail(s.error());
    ctx.scheduler.provision(state.name(), name);  // no config any more: its sandboxes go
  }
  call->replyEmpty(204);
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
