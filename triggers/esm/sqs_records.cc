#include "triggers/esm/sqs_records.h"

namespace stratus::esm {

namespace {

// The system attributes Lambda passes on (FIFO's and the trace header when present).
constexpr const char* kRecordAttributes[] = {
    "ApproximateReceiveCount", "SentTimestamp",  "SenderId",      "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",          "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader"};

// {"DataType","StringValue"|"BinaryValue"} as SQS answers it → Lambda's lower-camel form,
// with the (never filled) list members Lambda always shows.
nlohmann::json recordAttribute(const nlohmann::json& a) {
  nlohmann::json out{{"stringListValues", nlohmann::json::array()},
                     {"binaryListValues", nlohmann::json::array()},
                     {"dataType", a.value("DataType", "String")}};
  if (a.contains("BinaryValue")) {
    out["binaryValue"] = a.value("BinaryValue", "");
  } else {
    out["stringValue"] = a.value("StringValue", "");
  }
  return out;
}

}  // namespace

std::string arnRegion(const std::string& arn) {
  size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    at = arn.find(':', at);
    if (at == std::string::npos) return "";
    ++at;
  }
  size_t end = arn.find(':', at);
  return end == std::string::npos ? "" : arn.substr(at, end - at);
}

std::optional<QueueArn> splitQueueArn(const std::string& arn) {
  constexpr const char* kPrefix = "arn:aws:sqs:";
  if (arn.rfind(kPrefix, 0) != 0) return std::nullopt;
  size_t region_end = arn.find(':', 12);
  if (region_end == std::string::npos) return std::nullopt;
  size_t account_end = arn.find(':', region_end + 1);
  if (account_end == std::string::npos) return std::nullopt;
  QueueArn q{arn.substr(12, region_end - 12), arn.substr(region_end + 1, account_end - region_end - 1),
             arn.substr(account_end + 1)};
  if (q.name.empty() || q.name.find(':') != std::string::npos) return std::nullopt;
  return q;
}

nlohmann::json sqsRecord(const sqs::LocalMessage& m, const std::string& queue_arn) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const char* name : kRecordAttributes) {
    auto it = m.attributes.find(name);
    if (it != m.attributes.end()) attributes[name] = it->second;
  }
  nlohmann::json message_attributes = nlohmann::json::object();
  for (const auto& [name, a] : m.message_attributes.items()) message_attributes[name] = recordAttribute(a);
  nlohmann::json r{{"messageId", m.message_id},
                   {"receiptHandle", m.receipt_handle},
                   {"body", m.body},
                   {"attributes", attributes},
                   {"messageAttributes", message_attributes},
                   {"md5OfBody", m.md5_of_body},
                   {"eventSource", "aws:sqs"},
                   {"eventSourceARN", queue_arn},
                   {"awsRegion", arnRegion(queue_arn)}};
  r["md5OfMessageAttributes"] = m.md5_of_message_attributes.empty() ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(m.md5_of_message_attributes);
  return r;
}

}  // namespace stratus::esm
