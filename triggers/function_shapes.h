// Renders Lambda's FunctionConfiguration shape from a FunctionRecord (LAMBDA.md §2). Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "scheduler/function_record.h"
#include "triggers/function_name.h"

namespace stratus::triggers {

// What the caller is looking at decides State / LastUpdateStatus and which fields appear.
enum class ShapeMoment {
  kCreated,  // CreateFunction's answer: State Pending
  kUpdated,  // Update*'s answer: LastUpdateStatus InProgress
  kSettled,  // Get*: Active / Successful
  kListed,   // List*: no State*, LastUpdateStatus*, RuntimeVersionConfig
};

struct ShapeOptions {
  ShapeMoment moment = ShapeMoment::kSettled;
  std::string revision_id;    // overrides the record's (the transient states have their own)
  std::string arn_qualifier;  // FunctionArn ends ":<this>" unless empty
};

nlohmann::json functionConfiguration(const scheduler::FunctionRecord& record,
                                     const AccountScope& scope, const ShapeOptions& options);

}  // namespace stratus::triggers
