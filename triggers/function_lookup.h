// Finding the function a request names, with Lambda's errors for every way that fails.
// Loop thread only.
#pragma once

#include "triggers/api_context.h"

namespace stratus::triggers {

struct FoundFunction {
  const scheduler::FunctionRecord* record;
  FunctionRef ref;
};

// Resolves params[0] (+ ?Qualifier). Only $LATEST exists until versions are published, so any
// other qualifier is "Function not found: <qualified ARN>".
Result<FoundFunction> findFunction(ApiContext& ctx, const ApiCall& call);

// 412 unless `revision` is empty or equals the record's RevisionId.
Status checkRevision(const nlohmann::json& body, const scheduler::FunctionRecord& record);

}  // namespace stratus::triggers
