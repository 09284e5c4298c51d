// The digests SQS answers with and clients verify (LAMBDA.md §11, "Calculating the MD5
// message digest for message attributes"): MD5OfMessageBody is the hex MD5 of the body's
// bytes; MD5OfMessageAttributes the hex MD5 of the attributes sorted by name, each encoded as
// length-prefixed name, length-prefixed DataType, a transport byte (1 string, 2 binary) and
// the length-prefixed value. Pure; any thread.
#pragma once

#include <string>

#include "triggers/sqs/message.h"

namespace stratus::sqs {

std::string md5OfBody(const std::string& body);
// "" for no attributes (the member is then left out of answers).
std::string md5OfAttributes(const MessageAttributes& attributes);

}  // namespace stratus::sqs
