// The environment variables Lambda defines for a function (LAMBDA.md §7), merged with the
// function's own. Pure.
#pragma once

#include <map>
#include <string>

#include "sandbox/sandbox.h"

namespace stratus::sandbox {

std::map<std::string, std::string> lambdaEnvironment(const SandboxSpec& spec,
                                                     const std::string& log_stream_name);

}  // namespace stratus::sandbox
