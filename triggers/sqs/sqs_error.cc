#include "triggers/sqs/sqs_error.h"

namespace stratus::sqs {

namespace {

struct Names {
  const char* json;   // __type suffix
  const char* query;  // query protocol code
  bool modelled;      // in the model's errors (com.amazonaws.sqs#) or common (coral)
  int status;
};

Names namesOf(SqsErrorKind kind) {
  switch (kind) {
    case SqsErrorKind::kQueueDoesNotExist:
      return {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", true, 400};
    case SqsErrorKind::kQueueNameExists: return {"QueueNameExists", "QueueAlreadyExists", true, 400};
    case SqsErrorKind::kInvalidParameterValue:
      return {"InvalidParameterValueException", "InvalidParameterValue", false, 400};
    case SqsErrorKind::kMissingParameter:
      return {"MissingRequiredParameterException", "MissingParameter", false, 400};
    case SqsErrorKind::kInvalidAttributeName: return {"InvalidAttributeName", "InvalidAttributeName", true, 400};
    case SqsErrorKind::kInvalidAttributeValue: return {"InvalidAttributeValue", "InvalidAttributeValue", true, 400};
    case SqsErrorKind::kInvalidMessageContents:
      return {"InvalidMessageContents", "InvalidMessageContents", true, 400};
    case SqsErrorKind::kReceiptHandleIsInvalid:
      return {"ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", true, 400};
    case SqsErrorKind::kMessageNotInflight:
      return {"MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", true, 400};
    case SqsErrorKind::kTooManyEntriesInBatchRequest:
      return {"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", true, 400};
    case SqsErrorKind::kEmptyBatchRequest:
      return {"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", true, 400};
    case SqsErrorKind::kBatchEntryIdsNotDistinct:
      return {"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", true, 400};
    case SqsErrorKind::kInvalidBatchEntryId:
      return {"InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", true, 400};
    case SqsErrorKind::kBatchRequestTooLong:
      return {"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", true, 400};
    case SqsErrorKind::kPurgeQueueInProgress:
      return {"PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", true, 403};
    case SqsErrorKind::kUnsupportedOperation:
      return {"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", true, 400};
    case SqsErrorKind::kInvalidAction: return {"InvalidAction", "InvalidAction", false, 400};
    case SqsErrorKind::kSerialization: return {"SerializationException", "SerializationException", false, 400};
    case SqsErrorKind::kMalformedBody: return {"MalformedQueryString", "MalformedQueryString", false, 400};
    case SqsErrorKind::kResourceNotFound:
      return {"ResourceNotFoundException", "ResourceNotFoundException", true, 400};
    case SqsErrorKind::kInternal: return {"InternalError", "InternalError", false, 500};
  }
  return {"InternalError", "InternalError", false, 500};
}

}  // namespace

int SqsError::status() const { return namesOf(kind).status; }

std::string SqsError::jsonType() const {
  Names n = namesOf(kind);
  return std::string(n.modelled ? "com.amazonaws.sqs#" : "com.amazon.coral.service#") + n.json;
}

const char* SqsError::queryCode() const { return namesOf(kind).query; }

SqsError queueDoesNotExist() {
  return {SqsErrorKind::kQueueDoesNotExist, "The specified queue does not exist."};
}

SqsError invalidParameter(std::string message) {
  return {SqsErrorKind::kInvalidParameterValue, std::move(message)};
}

SqsError missingParameter(const std::string& name) {
  return {SqsErrorKind::kMissingParameter, "The request must contain the parameter " + name + "."};
}

}  // namespace stratus::sqs
