// The SQS JSON protocol (awsJson1_0, LAMBDA.md §11): POST / with X-Amz-Target
// AmazonSQS.<Operation> and a JSON body decoded against the model (sqs_shapes.h) before the
// service sees it; answers in JSON, errors with __type and the x-amzn-query-error header that
// botocore reads the error code from. Loop thread only.
#pragma once

#include <string>

#include "runtime/base/http_server.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {

bool isSqsJsonRequest(const HttpRequest& request);

// The operation X-Amz-Target names and its body, decoded and typed against the model.
SqsResult<SqsInput> decodeSqsJson(const HttpRequest& request);

// `endpoint`: the scheme and authority queue URLs are built on.
void serveSqsJson(SqsService& service, HttpRequest&& request, HttpRespond respond, const std::string& endpoint,
                  const std::string& request_id);

HttpResponse sqsJsonError(const SqsError& error, const std::string& request_id);

}  // namespace stratus::sqs
