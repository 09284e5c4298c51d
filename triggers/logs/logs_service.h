// The CloudWatch Logs API subset (LAMBDA.md §16) over the log store: groups, streams, events,
// retention, and the FilterLogEvents paging `aws logs tail --follow` polls. Inputs arrive
// decoded against botocore's model (logs_shapes.h), so every member read here has its type;
// each operation reads them into a typed request first. Tokens are stateless: a page's
// position in store order (GetLogEvents "f/<seq>" and "b/<seq>", FilterLogEvents "<ts>/<seq>",
// the describes the last name or an offset). Loop thread only.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "triggers/logs/log_store.h"

namespace stratus::logs {

struct LogsError {
  std::string type;  // "ResourceNotFoundException", ...
  std::string message;
  int status = 400;
};

struct LogsReply {
  bool ok = true;
  LogsError error;
  nlohmann::json body = nlohmann::json::object();
};

struct LogsServiceOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

class LogsService {
 public:
  LogsService(LogStore& store, LogsServiceOptions options) : store_(store), options_(std::move(options)) {}

  static bool knowsOperation(const std::string& operation);
  // `input`: the body decoded against the operation's shape. `done` runs once, maybe later
  // (changes answer once durable).
  void call(const std::string& operation, const nlohmann::json& input, std::function<void(LogsReply)> done);

 private:
  LogsReply describeLogGroups(const nlohmann::json& in) const;
  LogsReply describeLogStreams(const nlohmann::json& in) const;
  LogsReply getLogEvents(const nlohmann::json& in) const;
  LogsReply filterLogEvents(const nlohmann::json& in) const;
  std::string groupArn(const std::string& group) const;

  LogStore& store_;
  LogsServiceOptions options_;
};

}  // namespace stratus::logs
