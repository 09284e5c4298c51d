// The environment variables Lambda defines for a function (LAMBDA.md §7), merged with the
// function's own. Pure.
#pragma once

#include <map>
#include <string>

#include "runtime/base/minted_credentials.h"
#include "sandbox/sandbox.h"

namespace stratus::sandbox {

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are `credentials` (the
// sandbox's minted ones), or made up when null; never the server's own.
std::map<std::string, std::string> lambdaEnvironment(const SandboxSpec& spec,
                                                     const std::string& log_stream_name,
                                                     const TemporaryCredentials* credentials = nullptr);

}  // namespace stratus::sandbox
