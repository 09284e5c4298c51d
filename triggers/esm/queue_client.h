// What a poller needs from a queue, wherever the queue is: this server's own (through
// sqs_local_client.h, no HTTP) or another SQS-compatible endpoint (remote_queue_client.h).
// Loop thread only; every callback runs once, on the loop, maybe later.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "triggers/sqs/sqs_local_client.h"

namespace stratus::esm {

class QueueClient {
 public:
  virtual ~QueueClient() = default;
  // The queue's facts a mapping is checked against (FIFO, visibility timeout), or why not.
  virtual void describe(const std::string& arn, std::function<void(sqs::SqsResult<sqs::LocalQueueInfo>)> done) = 0;
  // Up to `max` (1-10) messages with all their attributes, waiting up to `wait_s` (0-20).
  virtual void receive(const std::string& arn, int max, int wait_s,
                       std::function<void(sqs::SqsResult<std::vector<sqs::LocalMessage>>)> done) = 0;
  // `done` gets the handles that could not be deleted.
  virtual void deleteMessages(const std::string& arn, std::vector<std::string> handles,
                              std::function<void(sqs::SqsResult<std::vector<std::string>>)> done) = 0;
  virtual void changeVisibility(const std::string& arn, const std::string& handle, int timeout_s,
                                std::function<void(sqs::SqsStatus)> done) = 0;
};

// This server's queues.
class LocalQueueClient : public QueueClient {
 public:
  explicit LocalQueueClient(sqs::SqsService& service) : local_(service) {}
  void describe(const std::string& arn, std::function<void(sqs::SqsResult<sqs::LocalQueueInfo>)> done) override {
    done(local_.describe(arn));
  }
  void receive(const std::string& arn, int max, int wait_s,
               std::function<void(sqs::SqsResult<std::vector<sqs::LocalMessage>>)> done) override {
    local_.receive(arn, max, wait_s, std::nullopt, std::move(done));
  }
  void deleteMessages(const std::string& arn, std::vector<std::string> handles,
                      std::function<void(sqs::SqsResult<std::vector<std::string>>)> done) override {
    local_.deleteMessages(arn, std::move(handles), std::move(done));
  }
  void changeVisibility(const std::string& arn, const std::string& handle, int timeout_s,
                        std::function<void(sqs::SqsStatus)> done) override {
    local_.changeVisibility(arn, handle, timeout_s, std::move(done));
  }

 private:
  sqs::SqsLocalClient local_;
};

}  // namespace stratus::esm
