#include "triggers/error_mapper.h"

#include <nlohmann/json.hpp>

namespace stratus::triggers {

int statusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kResourceNotFound: return 404;
    case ErrorCode::kResourceConflict: return 409;
    case ErrorCode::kInvalidParameterValue: return 400;
    case ErrorCode::kValidation: return 400;
    case ErrorCode::kRequestEntityTooLarge: return 413;
    case ErrorCode::kInvalidRequestContent: return 400;
    case ErrorCode::kSerialization: return 400;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kPreconditionFailed: return 412;
    case ErrorCode::kTooManyRequests: return 429;
    case ErrorCode::kAccessDenied: return 403;
    case ErrorCode::kUnknownOperation: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kProvisionedConcurrencyConfigNotFound: return 404;
    case ErrorCode::kService: return 500;
  }
  return 500;
}

const char* typeNameFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kResourceNotFound: return "ResourceNotFoundException";
    case ErrorCode::kResourceConflict: return "ResourceConflictException";
    case ErrorCode::kInvalidParameterValue: return "InvalidParameterValueException";
    case ErrorCode::kValidation: return "ValidationException";
    case ErrorCode::kRequestEntityTooLarge: return "RequestEntityTooLargeException";
    case ErrorCode::kInvalidRequestContent: return "InvalidRequestContentException";
    case ErrorCode::kSerialization: return "SerializationException";
    case ErrorCode::kUnsupportedMediaType: return "UnsupportedMediaTypeException";
    case ErrorCode::kPreconditionFailed: return "PreconditionFailedException";
    case ErrorCode::kTooManyRequests: return "TooManyRequestsException";
    case ErrorCode::kAccessDenied: return "AccessDeniedException";
    case ErrorCode::kUnknownOperation: return "UnknownOperationException";
    case ErrorCode::kMethodNotAllowed: return "MethodNotAllowedException";
    case ErrorCode::kProvisionedConcurrencyConfigNotFound:
      return "ProvisionedConcurrencyConfigNotFoundException";
    case ErrorCode::kService: return "ServiceException";
  }
  return "ServiceException";
}

HttpResponse errorResponse(const Error& error, const std::string& request_id) {
  nlohmann::json body;
  switch (error.code) {
    case ErrorCode::kRequestEntityTooLarge:
      // The gateway in front of Lambda answers these, without a Type (LAMBDA.md §4).
      body["Message"] = error.message;
      break;
    case ErrorCode::kResourceNotFound:
    case ErrorCode::kAccessDenied:
    case ErrorCode::kUnknownOperation:
    case ErrorCode::kMethodNotAllowed:
      body["Type"] = "User";
      body["Message"] = error.message;
      break;
    case ErrorCode::kService:
      body["Type"] = "Service";
      body["Message"] = error.message;
      break;
    default:
      body["Type"] = "User";
      body["message"] = error.message;
      break;
  }
  if (!error.reason.empty()) body["Reason"] = error.reason;
  HttpResponse r;
  r.status = statusFor(error.code);
  r.headers = {{"Content-Type", "application/json"},
               {"x-amzn-ErrorType", typeNameFor(error.code)},
               {"x-amzn-RequestId", request_id}};
  // Throttled clients may retry after a second (botocore reads it as retryAfterSeconds).
  if (error.code == ErrorCode::kTooManyRequests) r.headers.emplace_back("Retry-After", "1");
  // Messages may quote the caller's bytes, which need not be UTF-8: replace, never throw.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace stratus::triggers
