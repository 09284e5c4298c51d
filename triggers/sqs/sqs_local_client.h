// How the server's own parts (async destinations and dead-letter queues, event source
// mappings) use the embedded queues: by ARN, without HTTP, through the very operations the
// wire protocols call, so validation, durability (a send is answered once committed), long
// polling and wake-ups are the ones every client gets. Loop thread only; every callback runs
// once, on the loop, maybe later (long polls, commits). A caller that may go away before its
// callback runs guards it itself (a weak_ptr or a liveness flag).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "triggers/sqs/sqs_error.h"

namespace stratus::sqs {

class SqsService;

struct LocalSend {
  std::string body;
  // As the JSON protocol spells them: {"name": {"DataType": "String", "StringValue": "v"}}
  // (BinaryValue base64).
  nlohmann::json message_attributes = nlohmann::json::object();
  std::string group_id;       // FIFO queues: required
  std::string dedup_id;       // FIFO queues without content-based deduplication: required
  std::optional<int> delay_s;  // none: the queue's DelaySeconds
};

struct LocalMessage {
  std::string message_id, receipt_handle, body, md5_of_body, md5_of_message_attributes;
  std::map<std::string, std::string> attributes;  // system attributes (all of them)
  nlohmann::json message_attributes = nlohmann::json::object();  // all of them, as sent
};

// What a consumer needs to know about a queue.
struct LocalQueueInfo {
  std::string arn, url;
  bool fifo = false;
  int visibility_timeout_s = 30;
  std::string dead_letter_target_arn;  // "" without a redrive policy
  int max_receive_count = 0;
};

class SqsLocalClient {
 public:
  explicit SqsLocalClient(SqsService& service) : service_(service) {}

  // The queue named by `arn` (arn:aws:sqs:REGION:ACCOUNT:NAME), or QueueDoesNotExist.
  SqsResult<LocalQueueInfo> describe(const std::string& arn);

  void send(const std::string& arn, const LocalSend& message, std::function<void(SqsResult<std::string>)> done);
  // Up to `max` (1-10) messages; waits up to `wait_s` (0-20) for the first one. A visibility
  // of none is the queue's own.
  void receive(const std::string& arn, int max, int wait_s, std::optional<int> visibility_s,
               std::function<void(SqsResult<std::vector<LocalMessage>>)> done);
  // Deletes by receipt handle (any number; sent 10 at a time). `done` gets the handles that
  // could not be deleted (a stale handle of a message received again, say).
  void deleteMessages(const std::string& arn, std::vector<std::string> handles,
                      std::function<void(SqsResult<std::vector<std::string>>)> done);
  void changeVisibility(const std::string& arn, const std::string& handle, int timeout_s,
                        std::function<void(SqsStatus)> done);

 private:
  SqsService& service_;
};

}  // namespace stratus::sqs
