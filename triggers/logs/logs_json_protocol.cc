#include "triggers/logs/logs_json_protocol.h"

#include "triggers/logs/logs_shapes.h"
#include "triggers/request_decoder.h"

namespace stratus::logs {

namespace {

constexpr const char* kTargetPrefix = "Logs_20140328.";

HttpResponse jsonResponse(int status, std::string body, const std::string& request_id) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", request_id}};
  r.body = std::move(body);
  return r;
}

// The decoder's errors in CloudWatch's words: a value of the wrong JSON type is a
// SerializationException, a broken body or a broken constraint an InvalidParameterException.
LogsError fromDecodeError(const Error& e) {
  if (e.code == ErrorCode::kSerialization) return {"SerializationException", e.message, 400};
  return {"InvalidParameterException", e.message, 400};
}

}  // namespace

bool isLogsRequest(const HttpRequest& request) {
  return request.header("x-amz-target").rfind(kTargetPrefix, 0) == 0;
}

HttpResponse logsErrorResponse(const LogsError& error, const std::string& request_id) {
  nlohmann::json body = {{"__type", error.type}, {"message", error.message}};
  return jsonResponse(error.status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), request_id);
}

std::variant<DecodedLogsCall, LogsError> decodeLogsRequest(const HttpRequest& request) {
  std::string operation = request.header("x-amz-target").substr(std::string(kTargetPrefix).size());
  if (request.method != "POST") return LogsError{"InvalidAction", "Only POST is allowed for this protocol.", 400};
  const triggers::Shape* shape = triggers::logsRequestShape(operation);
  if (shape == nullptr || !LogsService::knowsOperation(operation)) {
    return LogsError{"UnknownOperationException", "The operation " + operation + " is not served here.", 400};
  }
  auto input = triggers::decodeBody(request.body, *shape);
  if (!input.ok()) return fromDecodeError(input.error());
  return DecodedLogsCall{operation, std::move(input).value()};
}

void serveLogs(LogsService& service, HttpRequest&& request, HttpRespond respond, const std::string& request_id) {
  auto decoded = decodeLogsRequest(request);
  if (auto* e = std::get_if<LogsError>(&decoded)) return respond(logsErrorResponse(*e, request_id));
  auto& call = std::get<DecodedLogsCall>(decoded);
  service.call(call.operation, call.input, [respond = std::move(respond), request_id](LogsReply reply) {
    if (!reply.ok) return respond(logsErrorResponse(reply.error, request_id));
    respond(jsonResponse(200, reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), request_id));
  });
}

}  // namespace stratus::logs
