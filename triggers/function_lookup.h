// Finding the function (and version or alias) a request names, with Lambda's errors for every
// way that fails. Loop thread only.
#pragma once

#include <optional>
#include <string>

#include "triggers/api_context.h"

namespace stratus::triggers {

struct FoundFunction {
  const scheduler::FunctionState* state;
  const scheduler::FunctionRecord* record;  // the version named, or the alias's version
  const scheduler::AliasRecord* alias;      // when the qualifier is an alias
  FunctionRef ref;
};

// Resolves params[0] (+ ?Qualifier): "" and $LATEST name $LATEST, digits a published version,
// anything else an alias. NotFound "Function not found: <ARN as named>" otherwise.
Result<FoundFunction> findFunction(ApiContext& ctx, const ApiCall& call);

// The function alone, ignoring any qualifier (for APIs on the whole function).
Result<const scheduler::FunctionState*> findUnqualified(ApiContext& ctx, const ApiCall& call);

// The function, refusing a qualified name as Lambda does for function-only operations
// (reserved concurrency).
Result<const scheduler::FunctionState*> findFunctionOnly(ApiContext& ctx, const ApiCall& call);

// 412 unless the request's RevisionId is absent or equals `current`.
Status checkRevision(const std::optional<std::string>& given, const std::string& current);

}  // namespace stratus::triggers
