// The forms a FunctionName takes in Lambda's API (LAMBDA.md §0): "name", "name:qualifier",
// "123456789012:function:name[:q]", "arn:aws:lambda:region:123456789012:function:name[:q]".
// Pure functions.
#pragma once

#include <string>

#include "runtime/base/error.h"

namespace stratus::triggers {

struct FunctionRef {
  std::string name;
  std::string qualifier;  // "" when none was given in the name or the Qualifier parameter
};

struct AccountScope {
  std::string region;
  std::string account_id;
};

// Parses `raw` (already percent-decoded) and merges the Qualifier parameter `qualifier_param`
// ("" if absent). Errors: ValidationException for malformed names, AccessDeniedException for
// another account, ResourceNotFoundException for another region, InvalidParameterValue when
// the two qualifiers disagree.
Result<FunctionRef> parseFunctionRef(const std::string& raw, const std::string& qualifier_param,
                                     const AccountScope& scope);

std::string functionArn(const AccountScope& scope, const std::string& name);
std::string qualifiedArn(const AccountScope& scope, const std::string& name,
                         const std::string& qualifier);

}  // namespace stratus::triggers
