#include "triggers/sqs/queue_config.h"

#include <nlohmann/json.hpp>

namespace stratus::sqs {

namespace {

// A whole decimal number in [lo, hi], as SQS reads attribute values (no sign, no spaces).
bool parseBounded(const std::string& text, int64_t lo, int64_t hi, int64_t& out) {
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  int64_t v = std::stoll(text);
  if (v < lo || v > hi) return false;
  out = v;
  return true;
}

SqsError invalidValue(const std::string& name) {
  return sqsError(SqsErrorKind::kInvalidAttributeValue, "Invalid value for the parameter " + name + ".");
}

SqsResult<RedrivePolicy> parseRedrive(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false, true);
  auto bad = [&](const std::string& reason) {
    return invalidParameter("Value " + text + " for parameter RedrivePolicy is invalid. Reason: " + reason);
  };
  if (j.is_discarded() || !j.is_object()) return bad("Redrive policy is not a valid JSON map.");
  RedrivePolicy r;
  auto arn = j.find("deadLetterTargetArn");
  auto count = j.find("maxReceiveCount");
  if (arn == j.end() || !arn->is_string()) return bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  if (count == j.end()) return bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  r.dead_letter_target_arn = arn->get<std::string>();
  int64_t n = 0;
  if (count->is_number_integer()) {
    n = count->get<int64_t>();
  } else if (count->is_string()) {
    if (!parseBounded(count->get<std::string>(), 1, 1000, n)) n = 0;
  }
  if (n < 1 || n > 1000) return bad("Invalid value for maxReceiveCount: " + count->dump() + ", valid values are from 1 to 1000 both inclusive.");
  r.max_receive_count = n;
  return r;
}

bool parseBool(const std::string& text, bool& out) {
  if (text == "true" || text == "TRUE" || text == "True") return out = true, true;
  if (text == "false" || text == "FALSE" || text == "False") return out = false, true;
  return false;
}

}  // namespace

SqsResult<QueueConfig> applyAttributes(QueueConfig c, const std::map<std::string, std::string>& attributes,
                                       bool fifo, bool creating) {
  c.fifo = fifo;
  for (const auto& [name, value] : attributes) {
    bool ok = true;
    if (name == "DelaySeconds") {
      ok = parseBounded(value, 0, 900, c.delay_s);
    } else if (name == "MaximumMessageSize") {
      ok = parseBounded(value, 1024, 1048576, c.maximum_message_size);
    } else if (name == "MessageRetentionPeriod") {
      ok = parseBounded(value, 60, 1209600, c.retention_s);
    } else if (name == "ReceiveMessageWaitTimeSeconds") {
      ok = parseBounded(value, 0, 20, c.receive_wait_s);
    } else if (name == "VisibilityTimeout") {
      ok = parseBounded(value, 0, 43200, c.visibility_s);
    } else if (name == "KmsDataKeyReusePeriodSeconds") {
      ok = parseBounded(value, 60, 86400, c.kms_reuse_s);
    } else if (name == "KmsMasterKeyId") {
      c.kms_master_key_id = value;
    } else if (name == "SqsManagedSseEnabled") {
      ok = parseBool(value, c.sqs_managed_sse);
    } else if (name == "Policy") {
      c.policy = value;
    } else if (name == "RedriveAllowPolicy") {
      auto j = nlohmann::json::parse(value, nullptr, false, true);
      if (j.is_discarded() || !j.is_object()) {
        return invalidParameter("Value " + value + " for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
      }
      c.redrive_allow_policy = value;
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {
        c.redrive = {};
      } else {
        auto r = parseRedrive(value);
        if (!r.ok()) return r.error();
        c.redrive = r.value();
      }
    } else if (name == "FifoQueue") {
      // A standard queue knows no FifoQueue attribute at all; a FIFO queue's type is fixed.
      if (!fifo) return sqsError(SqsErrorKind::kInvalidAttributeName, "Unknown Attribute FifoQueue.");
      bool want = false;
      if (!parseBool(value, want)) return invalidValue(name);
      if (!want) {
        return invalidParameter(creating ? "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
                                         : "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
      }
    } else if (name == "ContentBasedDeduplication" || name == "DeduplicationScope" ||
               name == "FifoThroughputLimit") {
      if (!fifo) return sqsError(SqsErrorKind::kInvalidAttributeName, "Unknown Attribute " + name + ".");
      if (name == "ContentBasedDeduplication") {
        ok = parseBool(value, c.content_based_dedup);
      } else if (name == "DeduplicationScope") {
        ok = value == "queue" || value == "messageGroup";
        if (ok) c.dedup_scope = value;
      } else {
        ok = value == "perQueue" || value == "perMessageGroupId";
        if (ok) c.fifo_throughput_limit = value;
      }
    } else {
      return sqsError(SqsErrorKind::kInvalidAttributeName, "Unknown Attribute " + name + ".");
    }
    if (!ok) return invalidValue(name);
  }
  return c;
}

std::map<std::string, std::string> renderAttributes(const QueueConfig& c) {
  std::map<std::string, std::string> a;
  a["DelaySeconds"] = std::to_string(c.delay_s);
  a["MaximumMessageSize"] = std::to_string(c.maximum_message_size);
  a["MessageRetentionPeriod"] = std::to_string(c.retention_s);
  a["ReceiveMessageWaitTimeSeconds"] = std::to_string(c.receive_wait_s);
  a["VisibilityTimeout"] = std::to_string(c.visibility_s);
  a["SqsManagedSseEnabled"] = c.sqs_managed_sse ? "true" : "false";
  if (!c.kms_master_key_id.empty()) {
    a["KmsMasterKeyId"] = c.kms_master_key_id;
    a["KmsDataKeyReusePeriodSeconds"] = std::to_string(c.kms_reuse_s);
  }
  if (!c.policy.empty()) a["Policy"] = c.policy;
  if (!c.redrive_allow_policy.empty()) a["RedriveAllowPolicy"] = c.redrive_allow_policy;
  if (c.redrive.max_receive_count > 0) {
    nlohmann::json r = {{"deadLetterTargetArn", c.redrive.dead_letter_target_arn},
                        {"maxReceiveCount", c.redrive.max_receive_count}};
    a["RedrivePolicy"] = r.dump();
  }
  if (c.fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = c.content_based_dedup ? "true" : "false";
    a["DeduplicationScope"] = c.dedup_scope;
    a["FifoThroughputLimit"] = c.fifo_throughput_limit;
  }
  return a;
}

bool isKnownAttributeName(const std::string& n) {
  static const char* const kNames[] = {
      "All", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
      "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "DelaySeconds",
      "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod", "Policy", "QueueArn",
      "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "VisibilityTimeout", "KmsMasterKeyId",
      "KmsDataKeyReusePeriodSeconds", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
      "FifoThroughputLimit", "RedriveAllowPolicy", "SqsManagedSseEnabled"};
  for (const char* k : kNames) {
    if (n == k) return true;
  }
  return false;
}

}  // namespace stratus::sqs
