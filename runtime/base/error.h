// Platform errors: an AWS error type and a message, carried by value from where they arise to
// the HTTP response (triggers/error_mapper maps the code to a status once). Function outcomes
// (a handler that threw, a timeout) are not Errors: see sandbox/invoke_outcome.h.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace stratus {

enum class ErrorCode {
  kResourceNotFound,          // 404 ResourceNotFoundException
  kResourceConflict,          // 409 ResourceConflictException
  kInvalidParameterValue,     // 400 InvalidParameterValueException
  kValidation,                // 400 ValidationException
  kRequestEntityTooLarge,     // 413 RequestEntityTooLargeException
  kInvalidRequestContent,     // 400 InvalidRequestContentException
  kSerialization,             // 400 SerializationException (a member of the wrong JSON type)
  kUnsupportedMediaType,      // 415 UnsupportedMediaTypeException
  kPreconditionFailed,        // 412 PreconditionFailedException
  kTooManyRequests,           // 429 TooManyRequestsException
  kAccessDenied,              // 403 AccessDeniedException
  kUnknownOperation,          // 404 UnknownOperationException (no such route)
  kMethodNotAllowed,          // 405 (route exists, method does not)
  kProvisionedConcurrencyConfigNotFound,  // 404 ProvisionedConcurrencyConfigNotFoundException
  kService,                   // 500 ServiceException
};

struct Error {
  ErrorCode code = ErrorCode::kService;
  std::string message;
  std::string reason;  // TooManyRequestsException's Reason, empty elsewhere

  static Error notFound(std::string m) { return {ErrorCode::kResourceNotFound, std::move(m), {}}; }
  static Error conflict(std::string m) { return {ErrorCode::kResourceConflict, std::move(m), {}}; }
  static Error invalidParameter(std::string m) {
    return {ErrorCode::kInvalidParameterValue, std::move(m), {}};
  }
  static Error validation(std::string m) { return {ErrorCode::kValidation, std::move(m), {}}; }
  static Error tooLarge(std::string m) {
    return {ErrorCode::kRequestEntityTooLarge, std::move(m), {}};
  }
  static Error service(std::string m) { return {ErrorCode::kService, std::move(m), {}}; }
};

// A value or an Error. Small on purpose: ok(), value(), error(), and moving the value out.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit, so `return value;` works
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status okStatus() { return Unit{}; }

}  // namespace stratus
