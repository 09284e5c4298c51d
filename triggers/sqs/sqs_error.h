// SQS errors as both wire protocols name them (LAMBDA.md §11): the JSON protocol's __type
// suffix ("QueueDoesNotExist"), the query protocol's code ("AWS.SimpleQueueService.
// NonExistentQueue", also sent by the JSON protocol in x-amzn-query-error, which botocore
// reports as Error.Code), the HTTP status and whose fault it is. Carried by value from where
// an error arises to the response. Any thread.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace stratus::sqs {

enum class SqsErrorKind {
  kQueueDoesNotExist,
  kQueueNameExists,
  kInvalidParameterValue,
  kMissingParameter,
  kInvalidAttributeName,
  kInvalidAttributeValue,
  kInvalidMessageContents,
  kReceiptHandleIsInvalid,
  kMessageNotInflight,
  kTooManyEntriesInBatchRequest,
  kEmptyBatchRequest,
  kBatchEntryIdsNotDistinct,
  kInvalidBatchEntryId,
  kBatchRequestTooLong,
  kPurgeQueueInProgress,
  kUnsupportedOperation,
  kInvalidAction,        // an operation this server does not know
  kSerialization,        // a member of the wrong JSON type
  kMalformedBody,        // a body that is not JSON (or not form-encoded)
  kResourceNotFound,     // a message move task that does not exist
  kInternal,
};

struct SqsError {
  SqsErrorKind kind = SqsErrorKind::kInternal;
  std::string message;

  int status() const;
  bool senderFault() const { return status() < 500; }
  // JSON protocol: "com.amazonaws.sqs#QueueDoesNotExist" (modelled errors) or
  // "com.amazon.coral.service#..." (the common ones the model does not list).
  std::string jsonType() const;
  // Query protocol's Code, and the first part of the JSON protocol's x-amzn-query-error.
  const char* queryCode() const;
};

inline SqsError sqsError(SqsErrorKind kind, std::string message) { return {kind, std::move(message)}; }
SqsError queueDoesNotExist();
SqsError invalidParameter(std::string message);
SqsError missingParameter(const std::string& name);  // "The request must contain the parameter X."

// A value or an SqsError.
template <typename T>
class SqsResult {
 public:
  SqsResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit on purpose
  SqsResult(SqsError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const SqsError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, SqsError> v_;
};

struct Done {};
using SqsStatus = SqsResult<Done>;

}  // namespace stratus::sqs
