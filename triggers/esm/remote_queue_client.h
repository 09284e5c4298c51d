// Queues on another SQS-compatible endpoint (another Stratus, ElasticMQ, real SQS), reached
// over SQS's JSON protocol with SigV4-signed requests through curl multi on the loop
// (curl_loop_client.h). A queue ARN arn:aws:sqs:REGION:ACCOUNT:NAME whose region and account
// a configured endpoint serves is addressed there as ENDPOINT/ACCOUNT/NAME. Loop thread only.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "triggers/esm/curl_loop_client.h"
#include "triggers/esm/queue_client.h"

namespace stratus::esm {

// One line of the remote-queue configuration (--sqs-remotes FILE, docs/esm.md).
struct RemoteEndpoint {
  std::string region, account_id;
  std::string url;  // scheme and authority, e.g. "http://10.0.0.5:9000" or "https://sqs.us-east-1.amazonaws.com"
  std::string access_key_id = "test", secret_access_key = "test", session_token;
};

// {"remotes": [{"region", "account", "endpoint", "access_key_id", "secret_access_key",
// "session_token"?}]}; startup only (reads the file).
Result<std::vector<RemoteEndpoint>> loadRemoteEndpoints(const std::string& path);

class RemoteQueueClient : public QueueClient {
 public:
  RemoteQueueClient(CurlLoopClient& http, RemoteEndpoint endpoint) : http_(http), endpoint_(std::move(endpoint)) {}

  void describe(const std::string& arn, std::function<void(sqs::SqsResult<sqs::LocalQueueInfo>)> done) override;
  void receive(const std::string& arn, int max, int wait_s,
               std::function<void(sqs::SqsResult<std::vector<sqs::LocalMessage>>)> done) override;
  void deleteMessages(const std::string& arn, std::vector<std::string> handles,
                      std::function<void(sqs::SqsResult<std::vector<std::string>>)> done) override;
  void changeVisibility(const std::string& arn, const std::string& handle, int timeout_s,
                        std::function<void(sqs::SqsStatus)> done) override;

 private:
  std::string queueUrl(const std::string& arn) const;
  // One JSON-protocol call ("ReceiveMessage"), signed; `done` gets the answer's members.
  void call(const std::string& operation, const nlohmann::json& input, long timeout_ms,
            std::function<void(sqs::SqsResult<nlohmann::json>)> done);

  CurlLoopClient& http_;
  RemoteEndpoint endpoint_;
};

}  // namespace stratus::esm
