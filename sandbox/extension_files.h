// The external extensions a function's layers bring: executable files directly in
// /opt/extensions, started by file name order (as Lambda starts them). Read from the host's copy
// of the function's /opt (SandboxSpec::opt_root); a small directory, read once per cold start.
#pragma once

#include <string>
#include <vector>

namespace stratus::sandbox {

// File names of the executables in `opt_root`/extensions, sorted; none when `opt_root` is "".
std::vector<std::string> externalExtensions(const std::string& opt_root);

// "arn:aws:lambda:us-east-1:123456789012:function:f" -> "123456789012" ("" if not an ARN).
std::string accountOfArn(const std::string& arn);

}  // namespace stratus::sandbox
