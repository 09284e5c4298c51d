#include "triggers/function_lookup.h"

namespace stratus::triggers {

Result<FoundFunction> findFunction(ApiContext& ctx, const ApiCall& call) {
  auto ref = parseFunctionRef(call.params.at(0), call.query("Qualifier"), ctx.scope);
  if (!ref.ok()) return ref.error();
  const scheduler::FunctionState* state = ctx.registry.find(ref->name);
  auto missing = [&] {
    std::string arn = ref->qualifier.empty() ? functionArn(ctx.scope, ref->name)
                                             : qualifiedArn(ctx.scope, ref->name, ref->qualifier);
    return Error::notFound("Function not found: " + arn);
  };
  if (!state) return missing();
  const scheduler::AliasRecord* alias = nullptr;
  const scheduler::FunctionRecord* record = nullptr;
  const std::string& q = ref->qualifier;
  if (q.empty() || q == "$LATEST" || scheduler::isVersionNumber(q)) {
    record = state->version(q);
  } else if (auto it = state->aliases.find(q); it != state->aliases.end()) {
    alias = &it->second;
    record = state->version(alias->function_version);
  }
  if (!record) return missing();
  return FoundFunction{state, record, alias, *ref};
}

Result<const scheduler::FunctionState*> findUnqualified(ApiContext& ctx, const ApiCall& call) {
  auto ref = parseFunctionRef(call.params.at(0), "", ctx.scope);
  if (!ref.ok()) return ref.error();
  const scheduler::FunctionState* state = ctx.registry.find(ref->name);
  if (!state) return Error::notFound("Function not found: " + functionArn(ctx.scope, ref->name));
  return state;
}

Result<const scheduler::FunctionState*> findFunctionOnly(ApiContext& ctx, const ApiCall& call) {
  auto ref = parseFunctionRef(call.params.at(0), "", ctx.scope);
  if (!ref.ok()) return ref.error();
  if (!ref->qualifier.empty()) {
    return Error::invalidParameter(
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN.");
  }
  return findUnqualified(ctx, call);
}

Status checkRevision(const std::optional<std::string>& given, const std::string& current) {
  if (!given || *given == current) return okStatus();
  return Error{ErrorCode::kPreconditionFailed,
               "The Revision Id provided does not match the latest Revision Id. Call the "
               "GetFunction/GetAlias API to retrieve the latest Revision Id",
               {}};
}

}  // namespace stratus::triggers
