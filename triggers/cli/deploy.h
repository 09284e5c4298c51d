// `stratus deploy`'s work, shared with `stratus dev`: zip a folder (or read a zip), create the
// function or update its code and the settings given, wait until it is Active. Blocking; the
// CLI's thread.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "triggers/cli/lambda_client.h"

namespace stratus::triggers::cli {

// What every client subcommand takes.
struct Common {
  std::string endpoint = defaultEndpoint();
  std::string region = defaultRegion();
};

struct DeployArgs {
  std::string source, name, runtime, handler;
  std::string role = "arn:aws:iam::000000000000:role/stratus-function";
  int memory = 0, timeout = 0;
  std::vector<std::string> env, layers;
};

// The function's configuration once Active. Progress (what was zipped, what was guessed)
// goes to `progress`. `args.name` is filled in when empty.
Result<nlohmann::json> deployFunction(LambdaClient& client, DeployArgs& args, std::ostream& progress);

// Only the code: zip and UpdateFunctionCode, waiting until the update is Successful (the
// server retires the old code's warm sandboxes, so the next invoke runs the new code).
Result<nlohmann::json> updateCode(LambdaClient& client, const std::string& name, const std::string& source,
                                  std::ostream& progress);

}  // namespace stratus::triggers::cli
