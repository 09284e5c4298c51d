// What an asynchronous event's outcome sends to its destinations and dead-letter queue
// (LAMBDA.md §9). Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace stratus::async {

// The last attempt's response, when there was one.
struct AttemptResponse {
  int status_code = 200;
  std::string executed_version;
  bool function_error = false;
  std::string payload;  // the function's result or error object, as the runtime sent it
};

struct RecordInput {
  std::string request_id;
  std::string function_arn;  // always qualified ($LATEST when the invoke named none)
  std::string condition;     // Success, RetriesExhausted, EventAgeExceeded, ZeroReservedConcurrency
  int approximate_invoke_count = 0;
  int64_t timestamp_ms = 0;
  const std::string* request_payload = nullptr;  // the original event, JSON
  std::optional<AttemptResponse> response;
};

// The invocation record, in Lambda's member order, with the event and the response spliced in
// as sent (a response that is not JSON becomes a JSON string).
std::string invocationRecord(const RecordInput& in);

// The dead-letter message's attributes: RequestID, ErrorCode (the invoke's status, a Number)
// and ErrorMessage (the first 1 KB of the error's message), as the SQS JSON protocol spells them.
nlohmann::json deadLetterAttributes(const std::string& request_id, int status_code,
                                    const std::string& error_message);

// errorMessage of an error object such as {"errorType":..,"errorMessage":..}, else "".
std::string errorMessageOf(const std::string& payload);

}  // namespace stratus::async
