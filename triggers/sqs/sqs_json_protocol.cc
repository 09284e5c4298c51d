#include "triggers/sqs/sqs_json_protocol.h"

#include "triggers/request_decoder.h"
#include "triggers/sqs/sqs_shapes.h"

namespace stratus::sqs {

namespace {

constexpr const char* kTargetPrefix = "AmazonSQS.";

HttpResponse jsonResponse(int status, std::string body, const std::string& request_id) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"x-amzn-RequestId", request_id}};
  r.body = std::move(body);
  return r;
}

}  // namespace

bool isSqsJsonRequest(const HttpRequest& request) {
  return request.header("x-amz-target").rfind(kTargetPrefix, 0) == 0;
}

HttpResponse sqsJsonError(const SqsError& error, const std::string& request_id) {
  nlohmann::json body = {{"__type", error.jsonType()}, {"message", error.message}};
  HttpResponse r = jsonResponse(error.status(), body.dump(), request_id);
  r.headers.emplace_back("x-amzn-query-error",
                         std::string(error.queryCode()) + (error.senderFault() ? ";Sender" : ";Receiver"));
  return r;
}

SqsResult<SqsInput> decodeSqsJson(const HttpRequest& request) {
  std::string operation = request.header("x-amz-target").substr(std::string(kTargetPrefix).size());
  if (request.method != "POST") {
    return sqsError(SqsErrorKind::kInvalidAction, "Only POST is allowed for the JSON protocol.");
  }
  const triggers::Shape* shape = triggers::sqsRequestShape(operation);
  if (shape == nullptr || !SqsService::knowsOperation(operation)) {
    return sqsError(SqsErrorKind::kInvalidAction, "The action " + operation + " is not valid for this endpoint.");
  }
  auto input = triggers::decodeBody(request.body, *shape);
  if (!input.ok()) return sqsError(SqsErrorKind::kSerialization, input.error().message);
  return SqsInput{operation, std::move(input).value()};
}

void serveSqsJson(SqsService& service, HttpRequest&& request, HttpRespond respond, const std::string& endpoint,
                  const std::string& request_id) {
  auto decoded = decodeSqsJson(request);
  if (!decoded.ok()) return respond(sqsJsonError(decoded.error(), request_id));
  service.call(decoded.value().operation, decoded.value().input, endpoint,
               [respond = std::move(respond), request_id](SqsResult<nlohmann::json> out) {
                 if (!out.ok()) return respond(sqsJsonError(out.error(), request_id));
                 const nlohmann::json& v = out.value();
                 std::string body = v.is_object() ? v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "{}";
                 respond(jsonResponse(200, std::move(body), request_id));
               });
}

}  // namespace stratus::sqs
