// SqsService: message move tasks (StartMessageMoveTask and friends), the DLQ redrive back to
// the source queues. A task moves visible messages in slices on a loop timer (at most
// MaxNumberOfMessagesPerSecond), each slice's deletes and inserts committed together, until the
// dead-letter queue has none left visible or the task is cancelled. Tasks live in memory: a
// restart ends a running one, the messages already moved stay moved.
#include <algorithm>

#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"
#include "triggers/sqs/queue_store.h"
#include "triggers/sqs/sqs_inputs.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {

namespace {

constexpr int64_t kSliceMs = 100;        // one slice every 100 ms
constexpr size_t kUnlimitedSlice = 500;  // messages per slice without a rate limit

SqsError noSuchResource(const std::string& what) {
  return sqsError(SqsErrorKind::kResourceNotFound, "The resource that you specified for the " + what +
                                                       " parameter doesn't exist.");
}

}  // namespace

void SqsService::startMessageMoveTask(const nlohmann::json& in, SqsReply reply) {
  std::string source_arn = textOf(in, "SourceArn");
  if (source_arn.empty()) return reply(missingParameter("SourceArn"));
  Queue* source = queueByArn(source_arn);
  if (!source) return reply(noSuchResource("SourceArn"));
  bool is_dlq = std::any_of(queues_.begin(), queues_.end(), [&](const auto& q) {
    return q.second->config().redrive.max_receive_count > 0 && q.second->config().redrive.dead_letter_target_arn == source_arn;
  });
  if (!is_dlq) return reply(invalidParameter("Source queue must be configured as a Dead Letter Queue."));
  std::string destination_arn = textOf(in, "DestinationArn");
  if (!destination_arn.empty() && !queueByArn(destination_arn)) return reply(noSuchResource("DestinationArn"));
  int64_t rate = integerOf(in, "MaxNumberOfMessagesPerSecond").value_or(0);
  if (in.contains("MaxNumberOfMessagesPerSecond") && (rate < 1 || rate > 500)) {
    return reply(invalidParameter("Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You must enter a number that's between 1 and 500."));
  }
  for (const auto& t : move_tasks_) {
    if (t->source_arn == source_arn && t->status == "RUNNING") {
      return reply(sqsError(SqsErrorKind::kUnsupportedOperation,
                            "There is already a task running. Only one active task is allowed for a source queue arn at a given time."));
    }
  }
  auto task = std::make_unique<MoveTask>();
  task->handle = base64Encode(nlohmann::json{{"taskId", uuid4()}, {"sourceArn", source_arn}}.dump());
  task->source_arn = source_arn;
  task->destination_arn = destination_arn;
  task->max_per_second = rate;
  task->started_ms = clock_.nowMs();
  task->to_move = source->counts(task->started_ms).visible;
  task->timer = std::make_unique<Timer>(loop_);
  MoveTask* raw = task.get();
  move_tasks_.push_back(std::move(task));
  raw->timer->start(0, [this, raw] { moveSome(*raw); }, kSliceMs);
  reply(nlohmann::json{{"TaskHandle", raw->handle}});
}

void SqsService::moveSome(MoveTask& task) {
  auto finish = [&](const char* status, std::string reason = "") {
    task.status = status;
    task.failure_reason = std::move(reason);
    task.timer.reset();  // a Timer may be destroyed from inside its own callback
  };
  if (task.status == "CANCELLING") return finish("CANCELLED");
  Queue* source = queueByArn(task.source_arn);
  if (!source) return finish("FAILED", "AWS.SimpleQueueService.NonExistentQueue");
  size_t slice = task.max_per_second > 0 ? static_cast<size_t>(std::max<int64_t>(task.max_per_second * kSliceMs / 1000, 1))
                                         : kUnlimitedSlice;
  int64_t now = clock_.nowMs();
  std::vector<Message> taken = source->takeVisible(slice, now);
  if (taken.empty()) return finish("COMPLETED");
  std::vector<DbStatement> writes;
  std::vector<std::string> woken;
  int64_t moved_before = task.moved;
  for (Message& m : taken) {
    std::string target_arn = task.destination_arn.empty() ? m.dead_letter_source_arn : task.destination_arn;
    Queue* target = queueByArn(target_arn);
    writes.push_back(sqs::deleteMessage(source->id(), m.seq));
    if (!target) {  // its source queue is gone: it stays in the dead-letter queue (a new seq)
      writes.push_back(upsertMessage(source->id(), source->adopt(std::move(m), now)));
      continue;
    }
    // Back in a source queue it starts over: otherwise its redrive policy would send it
    // straight back on the next receive.
    m.dead_letter_source_arn.clear();
    m.receive_count = 0;
    m.first_receive_ms = 0;
    writes.push_back(upsertMessage(target->id(), target->adopt(std::move(m), now)));
    woken.push_back(target->name());
    task.moved += 1;
  }
  // A slice that could move nothing would find the same messages again, forever.
  if (task.moved == moved_before) finish("FAILED", "AWS.SimpleQueueService.NonExistentQueue");
  commit(std::move(writes), nullptr, [this, woken](SqsResult<nlohmann::json>) {
    for (const std::string& name : woken) {
      if (auto it = queues_.find(name); it != queues_.end()) wake(*it->second);
    }
  });
}

void SqsService::listMessageMoveTasks(const nlohmann::json& in, SqsReply reply) {
  std::string source_arn = textOf(in, "SourceArn");
  if (source_arn.empty()) return reply(missingParameter("SourceArn"));
  if (!queueByArn(source_arn)) return reply(noSuchResource("SourceArn"));
  int64_t max = integerOf(in, "MaxResults").value_or(1);
  if (max < 1 || max > 10) {
    return reply(invalidParameter("Value for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10."));
  }
  nlohmann::json results = nlohmann::json::array();
  for (auto it = move_tasks_.rbegin(); it != move_tasks_.rend() && static_cast<int64_t>(results.size()) < max; ++it) {
    const MoveTask& t = **it;
    if (t.source_arn != source_arn) continue;
    nlohmann::json e = {{"Status", t.status},
                        {"SourceArn", t.source_arn},
                        {"ApproximateNumberOfMessagesMoved", t.moved},
                        {"ApproximateNumberOfMessagesToMove", t.to_move},
                        {"StartedTimestamp", t.started_ms}};
    if (t.status == "RUNNING") e["TaskHandle"] = t.handle;
    if (!t.destination_arn.empty()) e["DestinationArn"] = t.destination_arn;
    if (t.max_per_second > 0) e["MaxNumberOfMessagesPerSecond"] = t.max_per_second;
    if (!t.failure_reason.empty()) e["FailureReason"] = t.failure_reason;
    results.push_back(std::move(e));
  }
  reply(nlohmann::json{{"Results", std::move(results)}});
}

void SqsService::cancelMessageMoveTask(const nlohmann::json& in, SqsReply reply) {
  std::string handle = textOf(in, "TaskHandle");
  if (handle.empty()) return reply(missingParameter("TaskHandle"));
  for (auto& t : move_tasks_) {
    if (t->handle == handle && t->status == "RUNNING") {
      t->status = "CANCELLING";  // the next slice ends it
      return reply(nlohmann::json{{"ApproximateNumberOfMessagesMoved", t->moved}});
    }
  }
  reply(sqsError(SqsErrorKind::kResourceNotFound, "Task does not exist."));
}

}  // namespace stratus::sqs
