// The `{"Records":[...]}` event Lambda hands a function for SQS messages (LAMBDA.md §10):
// exactly Lambda's record fields, from a received message. Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "triggers/sqs/sqs_local_client.h"

namespace stratus::esm {

// One record; `region` comes from the queue's ARN (awsRegion).
nlohmann::json sqsRecord(const sqs::LocalMessage& m, const std::string& queue_arn);

// The region field of an ARN (arn:aws:SERVICE:REGION:...), "" if there is none.
std::string arnRegion(const std::string& arn);

// arn:aws:sqs:REGION:ACCOUNT:NAME in parts; nullopt for anything else.
struct QueueArn {
  std::string region, account, name;
};
std::optional<QueueArn> splitQueueArn(const std::string& arn);

}  // namespace stratus::esm
