#include "triggers/async/invocation_record.h"

#include "runtime/base/clock.h"
#include "runtime/base/json_reader.h"

namespace stratus::async {

namespace {
constexpr size_t kErrorMessageMax = 1024;

std::string asJson(const std::string& payload) {
  if (payload.empty()) return "null";
  if (jsonSyntaxError(payload).empty()) return payload;
  return nlohmann::json(payload).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

std::string invocationRecord(const RecordInput& in) {
  nlohmann::ordered_json context;
  context["requestId"] = in.request_id;
  context["functionArn"] = in.function_arn;
  context["condition"] = in.condition;
  context["approximateInvokeCount"] = in.approximate_invoke_count;
  std::string out = "{\"version\":\"1.0\",\"timestamp\":" +
                    nlohmann::json(formatIso8601(in.timestamp_ms)).dump() +
                    ",\"requestContext\":" + context.dump() + ",\"requestPayload\":" +
                    asJson(in.request_payload ? *in.request_payload : std::string());
  if (in.response) {
    nlohmann::ordered_json response;
    response["statusCode"] = in.response->status_code;
    response["executedVersion"] = in.response->executed_version;
    if (in.response->function_error) response["functionError"] = "Unhandled";
    out += ",\"responseContext\":" + response.dump() + ",\"responsePayload\":" + asJson(in.response->payload);
  }
  return out + "}";
}

nlohmann::json deadLetterAttributes(const std::string& request_id, int status_code,
                                    const std::string& error_message) {
  std::string message = error_message.substr(0, kErrorMessageMax);
  if (message.size() < error_message.size()) {
    // Cut on a character boundary: SQS refuses invalid UTF-8.
    while (!message.empty() && (static_cast<unsigned char>(message.back()) & 0xC0) == 0x80) message.pop_back();
    if (!message.empty() && static_cast<unsigned char>(message.back()) >= 0xC0) message.pop_back();
  }
  if (message.empty()) message = "Unknown";
  return {{"RequestID", {{"DataType", "String"}, {"StringValue", request_id}}},
          {"ErrorCode", {{"DataType", "Number"}, {"StringValue", std::to_string(status_code)}}},
          {"ErrorMessage", {{"DataType", "String"}, {"StringValue", message}}}};
}

std::string errorMessageOf(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return "";
  auto it = j.find("errorMessage");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace stratus::async
