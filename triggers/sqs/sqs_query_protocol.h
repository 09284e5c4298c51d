// The SQS query protocol (LAMBDA.md §11), which older SDKs and the AWS CLI v2 up to 2.13
// speak: Action=<Operation>&Version=2012-11-05&... form-encoded (POST body or GET query),
// lists and maps flattened (Attribute.1.Name, SendMessageBatchRequestEntry.1.Id). The
// parameters are turned into the JSON protocol's input document, guided by the same model
// shapes, and decoded like a JSON body; answers are XML in the 2012-11-05 namespace. A
// request POSTed to a queue's URL path names that queue without a QueueUrl parameter.
// Loop thread only.
#pragma once

#include <string>

#include "runtime/base/http_server.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {

bool isSqsQueryRequest(const HttpRequest& request);
// "/" or a queue URL's path ("/000000000000/name"): where query requests are sent.
bool isSqsQueryPath(const std::string& path);

// The operation a query request names and its input document, decoded and typed; or the
// error the service answers before running anything.
SqsResult<SqsInput> decodeSqsQuery(const HttpRequest& request, const std::string& endpoint);
// The XML answer to `operation` with `output` (the JSON protocol's output members).
std::string renderSqsQueryResult(const std::string& operation, const nlohmann::json& output,
                                 const std::string& request_id);

void serveSqsQuery(SqsService& service, HttpRequest&& request, HttpRespond respond, const std::string& endpoint,
                   const std::string& request_id);

}  // namespace stratus::sqs
