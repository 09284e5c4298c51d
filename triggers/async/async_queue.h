// Asynchronous invocation that loses nothing (LAMBDA.md §9, issue 11). An Event invoke is a row
// of DATA/async.db before it is answered 202; a dispatcher runs the due rows through the
// scheduler, as sync invokes run, at most the function's reserved concurrency at once; the
// retry policy (scheduler/retry_policy.h) decides what follows an attempt; the outcome goes to
// the event invoke config's destinations (an SQS queue of this server, or another function as
// a new event of this queue) and, on failure, to the function's dead-letter queue. A row is
// deleted only once it ran successfully with nowhere to report, or every destination has its
// record: kill -9 at any point and the event runs (again: at least once) after the restart.
//
// Memory: the queued events' payloads are held in memory as well as on disk (1 MB at most
// each), so a backlog costs its size in RAM.
//
// Loop thread only; every callback runs on the loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "scheduler/function_registry.h"
#include "scheduler/retry_policy.h"
#include "scheduler/scheduler.h"
#include "triggers/async/event_invoke_configs.h"
#include "triggers/async/invocation_record.h"
#include "triggers/function_name.h"

namespace stratus::sqs {
class SqsService;
}

namespace stratus::async {

using triggers::AccountScope;
using triggers::qualifiedArn;

struct AsyncOptions {
  double delay_scale = 1.0;  // every retry delay and the event age limit (retry_policy.h)
  size_t max_in_flight = 64;  // events running at once, all functions together
  int max_delivery_tries = 5;  // a destination that keeps failing: then the record is logged
};

// Counters since the server started, and the queue now (GET /_stratus/status).
struct AsyncMetrics {
  uint64_t accepted = 0, succeeded = 0, failed = 0, retried = 0, throttled = 0;
  uint64_t dropped_too_old = 0, delivered = 0, delivery_retries = 0, delivery_given_up = 0;
};

// Where an outcome goes.
struct Delivery {
  enum class Kind { kQueue, kFunction } kind = Kind::kQueue;
  std::string arn;
  std::string body;
  nlohmann::json attributes = nlohmann::json::object();  // queue messages only
};

// What the API answers when the server runs without the queue (ApiContext::async unset).
inline Error asyncUnavailable() { return Error::service("Asynchronous invocation is not available."); }

class AsyncQueue {
 public:
  static Result<std::unique_ptr<AsyncQueue>> open(Loop& loop, DbWriter& writer,
                                                  scheduler::Scheduler& scheduler,
                                                  scheduler::FunctionRegistry& registry,
                                                  sqs::SqsService* queues, AccountScope scope,
                                                  AsyncOptions options,
                                                  const Clock& clock = SystemClock::instance());
  ~AsyncQueue();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  // Queues `call`; `durable` runs once the event is committed (ok: answer 202) or could not be.
  void enqueue(scheduler::InvokeCall call, std::function<void(Status)> durable);

  EventInvokeConfigs& configs() { return *configs_; }
  // The destination ARN `arn` as a config of `function` may name it, or why not.
  Status checkDestination(const std::string& function, const std::string& arn) const;

  const AsyncMetrics& metrics() const { return metrics_; }
  size_t queued() const { return events_.size() - in_flight_; }
  size_t inFlight() const { return in_flight_; }
  nlohmann::json status() const;

 private:
  struct Event {
    int64_t id = 0;
    scheduler::InvokeCall call;
    int64_t enqueued_ms = 0;
    int attempts = 0, throttles = 0;
    int64_t not_before_ms = 0;
    std::vector<Delivery> deliveries;  // the outcome, still to be delivered
    int delivery_tries = 0;
    // The last attempt, for the record (not persisted: after a restart the event runs again).
    std::optional<AttemptResponse> response;
    int last_status = 200;
    std::string last_error;
  };

  AsyncQueue(Loop& loop, DbWriter& writer, scheduler::Scheduler& scheduler,
             scheduler::FunctionRegistry& registry, sqs::SqsService* queues, AccountScope scope,
             AsyncOptions options, const Clock& clock);
  Status load(DbWriter& writer);

  // Starts every due event that may run now, then arms the timer for the next one. Reentrant:
  // an attempt may end inside scheduler.invoke (a throttle), and its pump() then only asks the
  // running one to go round again, so no iterator of ready_ is invalidated under it.
  void pump();
  void pumpOnce();
  // How many more of `function`'s events may start now (its reserved concurrency less those
  // running; a large number without a reservation).
  int64_t room(const std::string& function) const;
  void start(Event& e);
  void attempted(int64_t id, Result<scheduler::InvokeOutput> out);
  // The event is over (`condition`): its deliveries are made, or it is deleted.
  void conclude(Event& e, const std::string& condition);
  void deliver(Event& e);
  void delivered(int64_t id, std::vector<Delivery> failed);
  void schedule(Event& e, int64_t at_ms);
  void erase(int64_t id, std::vector<DbStatement> also = {});
  scheduler::RetrySettings settingsFor(const Event& e) const;
  std::string qualifiedArnOf(const Event& e) const;
  std::string deadLetterTarget(const Event& e) const;
  DbStatement insertRow(const Event& e) const;
  DbStatement progressRow(const Event& e) const;
  void written(Status s, const std::string& what);

  Loop& loop_;
  scheduler::Scheduler& scheduler_;
  scheduler::FunctionRegistry& registry_;
  sqs::SqsService* queues_;
  AccountScope scope_;
  AsyncOptions options_;
  const Clock& clock_;
  std::unique_ptr<DbWriter::Chain> chain_;
  std::unique_ptr<EventInvokeConfigs> configs_;
  std::map<int64_t, Event> events_;
  std::set<std::pair<int64_t, int64_t>> ready_;  // (not before, id) of events not running
  // Due events whose function is at its reserved concurrency, in due order: kept out of ready_
  // so a long backlog behind one busy function costs nothing per pump.
  std::map<std::string, std::deque<int64_t>> blocked_;
  std::map<std::string, int> running_;            // by function
  size_t in_flight_ = 0;
  int64_t next_id_ = 1;
  bool pumping_ = false, pump_again_ = false;
  int64_t timer_due_ms_ = 0;  // when the timer fires, 0: not armed
  Timer timer_;
  AsyncMetrics metrics_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace stratus::async
