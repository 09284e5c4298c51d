// Checks CreateFunction / UpdateFunctionConfiguration input the way Lambda does and applies
// it to a FunctionRecord. Model constraints (lengths, patterns, ranges) are collected into one
// ValidationException ("N validation errors detected: ..."), as AWS does; semantic checks
// (runtime, environment size, reserved keys) are InvalidParameterValueException. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "scheduler/function_record.h"

namespace stratus::triggers {

// Runtimes this build runs (in V8 isolates).
const std::vector<std::string>& supportedRuntimes();
bool isSupportedRuntime(const std::string& runtime);

// Applies the configuration members present in `body` (Handler, Runtime, Role, Description,
// Timeout, MemorySize, Environment, TracingConfig, EphemeralStorage, Architectures) to
// `record`. `creating` makes Runtime/Handler/Role required and checks FunctionName.
Status applyConfiguration(const nlohmann::json& body, bool creating,
                          scheduler::FunctionRecord& record);

// Validates a Tags map (TagResource, CreateFunction).
Status validateTags(const nlohmann::json& tags, size_t existing);

}  // namespace stratus::triggers
