// The one place an Error becomes an HTTP response in AWS's shape: status code,
// x-amzn-ErrorType header and a JSON body {"Type","message"} (or "Message" where the Lambda
// model names the member that way; botocore reads either).
#pragma once

#include "runtime/base/error.h"
#include "runtime/base/http_server.h"

namespace stratus::triggers {

int statusFor(ErrorCode code);
const char* typeNameFor(ErrorCode code);
HttpResponse errorResponse(const Error& error, const std::string& request_id);

}  // namespace stratus::triggers
