// The CloudWatch Logs wire protocol (awsJson1_1, LAMBDA.md §16): POST / with X-Amz-Target
// Logs_20140328.<Operation> and a JSON body decoded against the model (logs_shapes.h) before
// the service sees it; answers in JSON, every error as {"__type", "message"} with its status
// (the one error mapper for Logs). Loop thread only.
#pragma once

#include <string>
#include <variant>

#include "runtime/base/http_server.h"
#include "triggers/logs/logs_service.h"

namespace stratus::logs {

bool isLogsRequest(const HttpRequest& request);

// The operation X-Amz-Target names and its body, decoded; or the 400 that says why not.
struct DecodedLogsCall {
  std::string operation;
  nlohmann::json input;
};
std::variant<DecodedLogsCall, LogsError> decodeLogsRequest(const HttpRequest& request);

void serveLogs(LogsService& service, HttpRequest&& request, HttpRespond respond, const std::string& request_id);

HttpResponse logsErrorResponse(const LogsError& error, const std::string& request_id);

}  // namespace stratus::logs
