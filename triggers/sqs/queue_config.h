// A queue's settable attributes (CreateQueue, SetQueueAttributes) with SQS's defaults and
// bounds (LAMBDA.md §11), parsed from and rendered to the string map both protocols carry.
// Pure; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "triggers/sqs/sqs_error.h"

namespace stratus::sqs {

struct RedrivePolicy {
  std::string dead_letter_target_arn;
  int64_t max_receive_count = 0;  // 0: no redrive
};

struct QueueConfig {
  int64_t delay_s = 0;                  // DelaySeconds 0-900
  int64_t maximum_message_size = 1048576;  // 1024-1048576 (raised from 262144 in 2025)
  int64_t retention_s = 345600;         // MessageRetentionPeriod 60-1209600
  int64_t receive_wait_s = 0;           // ReceiveMessageWaitTimeSeconds 0-20
  int64_t visibility_s = 30;            // VisibilityTimeout 0-43200
  bool fifo = false;
  bool content_based_dedup = false;
  std::string dedup_scope = "queue";            // or "messageGroup"
  std::string fifo_throughput_limit = "perQueue";  // or "perMessageGroupId"
  RedrivePolicy redrive;
  std::string redrive_allow_policy;  // kept as given (JSON text)
  std::string policy;                // kept as given
  std::string kms_master_key_id;
  int64_t kms_reuse_s = 300;         // KmsDataKeyReusePeriodSeconds 60-86400
  bool sqs_managed_sse = true;
};

// Applies `attributes` (names as the API spells them) over `base`, validating each. `fifo`:
// the queue is (or is being created as) a FIFO queue. `creating`: FifoQueue may be given.
SqsResult<QueueConfig> applyAttributes(QueueConfig base, const std::map<std::string, std::string>& attributes,
                                       bool fifo, bool creating);

// The settable attributes as GetQueueAttributes answers them (only those with meaning for
// the queue's type; RedrivePolicy and friends only when set).
std::map<std::string, std::string> renderAttributes(const QueueConfig& config);

// True when `name` is an attribute GetQueueAttributes may be asked for.
bool isKnownAttributeName(const std::string& name);

}  // namespace stratus::sqs
