#include "triggers/function_lookup.h"

namespace stratus::triggers {

Result<FoundFunction> findFunction(ApiContext& ctx, const ApiCall& call) {
  auto ref = parseFunctionRef(call.params.at(0), call.query("Qualifier"), ctx.scope);
  if (!ref.ok()) return ref.error();
  const scheduler::FunctionRecord* record = ctx.registry.find(ref->name);
  bool latest = ref->qualifier.empty() || ref->qualifier == "$LATEST";
  if (!record || !latest) {
    std::string arn = ref->qualifier.empty() ? functionArn(ctx.scope, ref->name)
                                             : qualifiedArn(ctx.scope, ref->name, ref->qualifier);
    return Error::notFound("Function not found: " + arn);
  }
  return FoundFunction{record, *ref};
}

Status checkRevision(const nlohmann::json& body, const scheduler::FunctionRecord& record) {
  if (!body.contains("RevisionId") || !body["RevisionId"].is_string()) return okStatus();
  if (body["RevisionId"].get<std::string>() == record.revision_id) return okStatus();
  return Error{ErrorCode::kPreconditionFailed,
               "The Revision Id provided does not match the latest Revision Id. Call the "
               "GetFunction/GetAlias API to retrieve the latest Revision Id",
               {}};
}

}  // namespace stratus::triggers
