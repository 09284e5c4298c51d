// Prints a log group's events as they arrive, each once, through the server's CloudWatch
// Logs API (FilterLogEvents, paged): what `stratus logs` and `stratus dev` show. Blocking;
// the CLI's thread.
#pragma once

#include <cstdint>
#include <ostream>
#include <map>
#include <string>

#include "triggers/cli/deploy.h"
#include "triggers/cli/lambda_client.h"

namespace stratus::triggers::cli {

int64_t nowEpochMs();

class LogFollower {
 public:
  // Events from `since_ms` on; `filter` is a CloudWatch filter pattern ("" for all).
  LogFollower(const Common& common, std::string group, int64_t since_ms, std::string filter);

  // Prints what arrived since the last call to `out`. False once the server has refused
  // (the reason went to stderr, once); a group that does not exist yet is not a refusal.
  bool poll(std::ostream& out);
  bool groupSeen() const { return group_seen_; }

 private:
  LambdaClient client_;
  std::string group_, filter_;
  int64_t since_ms_ = 0;
  std::map<std::string, int64_t> seen_;  // id -> timestamp, only at or after since_ms_
  bool off_ = false, group_seen_ = false;
};

}  // namespace stratus::triggers::cli
