// `stratus logs NAME [--since 10m] [--filter PATTERN] [--follow]`: the function's log lines
// (its LoggingConfig.LogGroup, else /aws/lambda/NAME) from the server's CloudWatch Logs API;
// --follow keeps printing new ones until SIGINT or SIGTERM. Blocking; the main thread.
#pragma once

#include <optional>
#include <string>

#include "triggers/cli/deploy.h"

namespace stratus::triggers::cli {

struct LogsArgs {
  std::string name, since = "10m", filter;
  bool follow = false;
};

// "30s", "10m", "2h", "1d" before now, or epoch milliseconds; none when malformed.
std::optional<int64_t> parseSince(const std::string& text, int64_t now_ms);

int runLogs(const Common& common, const LogsArgs& args);

}  // namespace stratus::triggers::cli
