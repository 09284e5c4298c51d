// One SQS message as the queue keeps it, and its user attributes. Plain values; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace stratus::sqs {

// A user message attribute: DataType "String", "Number" or "Binary", optionally with a custom
// suffix ("Number.int"). String and Number carry `string_value`, Binary raw `binary_value`.
struct AttributeValue {
  std::string data_type;
  std::string string_value;
  std::string binary_value;
  bool isBinary() const { return data_type.rfind("Binary", 0) == 0; }
};

using MessageAttributes = std::map<std::string, AttributeValue>;  // by name, byte order

struct Message {
  uint64_t seq = 0;  // the queue's send order; FIFO's SequenceNumber derives from it
  std::string id;    // MessageId, a UUID
  std::string body;
  MessageAttributes attributes;
  std::string md5_body;
  std::string md5_attributes;  // "" without attributes
  std::string trace_header;    // system attribute AWSTraceHeader
  std::string group_id;        // FIFO MessageGroupId (standard queues echo it too)
  std::string dedup_id;        // FIFO MessageDeduplicationId
  std::string dead_letter_source_arn;  // set when redrive moved it here
  int64_t sent_ms = 0;                 // SentTimestamp
  int64_t visible_at_ms = 0;           // not receivable before (delay, visibility timeout)
  int64_t first_receive_ms = 0;        // ApproximateFirstReceiveTimestamp; 0: never received
  int64_t receive_count = 0;           // ApproximateReceiveCount
  std::string receipt_nonce;           // this receive's part of the receipt handle; "" never
};

}  // namespace stratus::sqs
