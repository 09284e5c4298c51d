// SQS's checks of what a sender gives (LAMBDA.md §11): the characters a body may hold, user
// message attributes (names, data types, values) and the size a message counts against
// MaximumMessageSize. Pure; any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "triggers/sqs/message.h"
#include "triggers/sqs/sqs_error.h"

namespace stratus::sqs {

// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, as well-formed UTF-8.
bool validMessageCharacters(const std::string& text);
SqsError invalidMessageContents();

// The decoded MessageAttributes member (name -> {DataType, StringValue | BinaryValue}),
// BinaryValue still base64 as the JSON protocol carries it.
SqsResult<MessageAttributes> parseMessageAttributes(const nlohmann::json& attributes);

// Body plus every attribute's name, type and value.
size_t messageSize(const std::string& body, const MessageAttributes& attributes);

// A batch entry Id: alphanumerics, hyphens and underscores, 1 to 80 of them.
bool validBatchEntryId(const std::string& id);

}  // namespace stratus::sqs
