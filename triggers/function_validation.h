// Checks CreateFunction / UpdateFunctionConfiguration input the way Lambda does beyond its
// model, and applies it to a FunctionRecord. The decoder (request_decoder.h) has already
// checked types, required members, bounds, enums and patterns (one ValidationException for
// them all); what is left here is Lambda's own rules: a function name's 64 characters
// (InvalidParameterValueException), runtimes, the environment's size and reserved keys. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "scheduler/function_record.h"
#include "triggers/lambda_requests.h"

namespace stratus::triggers {

// Runtimes this build runs.
const std::vector<std::string>& supportedRuntimes();
bool isSupportedRuntime(const std::string& runtime);

// CreateFunction's FunctionName: at most 64 characters (InvalidParameterValueException, as
// Lambda answers), letters, digits, - and _ (ValidationException).
Status validateFunctionName(const std::string& name);

// Applies the configuration members present in `config` to `record`. `creating` makes Runtime
// and Handler required.
Status applyConfiguration(const FunctionConfigInput& config, bool creating,
                          scheduler::FunctionRecord& record);

// Validates a Tags map (TagResource, CreateFunction) that will join `existing` other tags.
Status validateTags(const std::map<std::string, std::string>& tags, size_t existing);

}  // namespace stratus::triggers
