// The embedded SQS service: the queues (queue.h), their durable rows (queue_store.h) and the
// operations both wire protocols call with a decoded input (the JSON protocol's member names
// and types, sqs_json_protocol.h and sqs_query_protocol.h produce it). Long polls wait on loop
// timers and are answered as soon as a message they can take arrives. Every change is
// answered once it is committed. Loop thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/clock.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "triggers/sqs/queue.h"
#include "triggers/sqs/sqs_error.h"

namespace stratus::sqs {

struct SqsServiceOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

// One request as both wire protocols decode it: the operation and its input members.
struct SqsInput {
  std::string operation;
  nlohmann::json input;
};

// The answer to one operation: its output members, or an error.
using SqsReply = std::function<void(SqsResult<nlohmann::json>)>;

class SqsService {
 public:
  static Result<std::unique_ptr<SqsService>> open(Loop& loop, DbWriter& writer, const Clock& clock,
                                                  SqsServiceOptions options);
  ~SqsService();

  // Runs `operation` ("SendMessage") on `input` (decoded against the model). `endpoint` is
  // the scheme and authority queue URLs are built on ("http://127.0.0.1:9000"): the one the
  // client called. `reply` runs once, maybe later (long polls, commits).
  void call(const std::string& operation, const nlohmann::json& input, const std::string& endpoint,
            SqsReply reply);
  static bool knowsOperation(const std::string& operation);

  size_t queueCount() const { return queues_.size(); }
  // Every queue's message counts now, by name (GET /metrics).
  std::map<std::string, QueueCounts> depths();
  // The queue an ARN of this server's region and account names, or nullptr (the internal
  // client, sqs_local_client.h, goes by ARN).
  Queue* queueByArn(const std::string& arn);
  std::string queueArn(const std::string& name) const;

 private:
  // A long poll waiting for messages (sqs_messages.cc).
  struct Waiter {
    std::string queue;
    int max = 1;
    int64_t visibility_ms = 0;
    bool all_system = false;
    std::vector<std::string> system_names;    // MessageSystemAttributeNames + AttributeNames
    std::vector<std::string> attribute_names;  // MessageAttributeNames: "All", ".*", "p.*", names
    SqsReply reply;
    std::unique_ptr<Timer> deadline;
    void answerEmpty();
  };
  SqsService(Loop& loop, DbWriter& writer, const Clock& clock, SqsServiceOptions options);

  SqsResult<Queue*> queueFromUrl(const nlohmann::json& input);
  std::string queueUrl(const std::string& endpoint, const Queue& q) const;

  void createQueue(const nlohmann::json& in, const std::string& endpoint, SqsReply reply);
  void getQueueUrl(const nlohmann::json& in, const std::string& endpoint, SqsReply reply);
  void listQueues(const nlohmann::json& in, const std::string& endpoint, SqsReply reply);
  void deleteQueue(const nlohmann::json& in, SqsReply reply);
  void getQueueAttributes(const nlohmann::json& in, SqsReply reply);
  void setQueueAttributes(const nlohmann::json& in, SqsReply reply);
  void purgeQueue(const nlohmann::json& in, SqsReply reply);
  void sendMessage(const nlohmann::json& in, SqsReply reply);
  void sendMessageBatch(const nlohmann::json& in, SqsReply reply);
  void receiveMessage(const nlohmann::json& in, SqsReply reply);
  void deleteMessage(const nlohmann::json& in, SqsReply reply);
  void deleteMessageBatch(const nlohmann::json& in, SqsReply reply);
  void changeMessageVisibility(const nlohmann::json& in, SqsReply reply);
  void changeMessageVisibilityBatch(const nlohmann::json& in, SqsReply reply);
  // The queue's Policy as AddPermission and RemovePermission edit it (sqs_permissions.cc).
  void addPermission(const nlohmann::json& in, SqsReply reply);
  void removePermission(const nlohmann::json& in, SqsReply reply);
  void tagQueue(const nlohmann::json& in, SqsReply reply);
  void untagQueue(const nlohmann::json& in, SqsReply reply);
  void listQueueTags(const nlohmann::json& in, SqsReply reply);
  void listDeadLetterSourceQueues(const nlohmann::json& in, const std::string& endpoint, SqsReply reply);
  // Message move tasks (sqs_move_tasks.cc): a dead-letter queue's messages back to their
  // sources, or to another queue, at most N per second.
  void startMessageMoveTask(const nlohmann::json& in, SqsReply reply);
  void listMessageMoveTasks(const nlohmann::json& in, SqsReply reply);
  void cancelMessageMoveTask(const nlohmann::json& in, SqsReply reply);
  struct MoveTask {
    std::string handle, source_arn, destination_arn;  // "" destination: each message's source
    std::string status = "RUNNING";  // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
    std::string failure_reason;
    int64_t max_per_second = 0;      // 0: as fast as it goes
    int64_t moved = 0, to_move = 0, started_ms = 0;
    std::unique_ptr<Timer> timer;
  };
  void moveSome(MoveTask& task);

  // A validated send of one entry, applied in memory with its writes appended: the
  // entry's output members, or the error for it.
  SqsResult<nlohmann::json> prepareSend(Queue& q, const nlohmann::json& entry, std::vector<DbStatement>& writes);
  // Takes up to `max` messages for a receive, writing what changed; the messages' output.
  nlohmann::json takeMessages(Queue& q, const Waiter& w, std::vector<DbStatement>& writes);
  // Answers waiting long polls of `q` that can now take messages, and arms the queue's
  // visibility timer for the rest.
  void wake(Queue& q);
  // One entry of DeleteMessage(Batch) / ChangeMessageVisibility(Batch), writes appended.
  SqsStatus removeByHandle(Queue& q, const std::string& handle, std::vector<DbStatement>& writes);
  SqsStatus changeVisibilityByHandle(Queue& q, const std::string& handle, std::optional<int64_t> timeout_s,
                                     std::vector<DbStatement>& writes);
  void armVisibilityTimer(Queue& q);
  void sweep();  // retention and deduplication expiry, every second

  // Commits `writes` without anyone waiting: a receive's new visibility and count (lost in a
  // crash, the message is only visible again sooner, which at-least-once delivery allows).
  void writeBehind(std::vector<DbStatement> writes);
  // Commits `writes` and answers `reply` with `output` once they are durable.
  void commit(std::vector<DbStatement> writes, nlohmann::json output, SqsReply reply);

  Loop& loop_;
  DbWriter& writer_;
  std::unique_ptr<DbWriter::Chain> chain_;
  const Clock& clock_;
  SqsServiceOptions options_;
  std::map<std::string, std::unique_ptr<Queue>> queues_;  // by name
  std::map<std::string, std::vector<std::shared_ptr<Waiter>>> waiters_;  // by queue name
  std::map<std::string, std::unique_ptr<Timer>> visibility_timers_;       // by queue name
  std::map<std::string, int64_t> last_purge_ms_;
  std::vector<std::unique_ptr<MoveTask>> move_tasks_;  // oldest first; finished ones kept
  uint64_t sweeps_ = 0;
  Timer sweeper_;
};

}  // namespace stratus::sqs
