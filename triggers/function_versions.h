// Publishing $LATEST as an immutable numbered version (PublishVersion, and Publish:true on
// CreateFunction / UpdateFunctionCode). Pure over a FunctionState; the caller persists it.
#pragma once

#include <string>

#include "runtime/base/error.h"
#include "scheduler/function_record.h"
#include "triggers/lambda_requests.h"

namespace stratus::triggers {

// Snapshots state.latest as the next version, or returns the newest published version when
// $LATEST has not changed since it (Lambda answers that version again). `input` may carry a
// Description and CodeSha256 and RevisionId preconditions.
Result<scheduler::FunctionRecord> publishLatest(scheduler::FunctionState& state,
                                                const PublishVersionInput& input);

}  // namespace stratus::triggers
