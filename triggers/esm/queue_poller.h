// The poller behind one enabled mapping (LAMBDA.md §10, and
// ARCHITECTURE.md's SQS batch flow): workers long-poll the queue, gather up to BatchSize
// messages within the batching window, drop (and delete) what no filter keeps, invoke the
// function synchronously through the scheduler with {"Records":[...]}, and delete what
// succeeded. Failed messages stay hidden until the queue's visibility timeout and then follow
// its redrive policy. One worker is one batch in flight: a worker that filled a whole
// batch starts another, up to MaximumConcurrency; an idle or throttled extra worker ends (a
// throttled batch goes back to the queue at once, and no worker is added for a second), so
// the count follows the backlog and the function's own concurrency. Long polls wait in the
// queue (no busy loop); errors back off on a timer.
//
// A poller is never restarted: stop() ends delivery at once (messages a long poll brings
// back afterwards are made visible again for whoever polls next) and the mapping service
// makes a new poller on enable or update. Callbacks hold the poller (shared_ptr), so it
// lives until its last receive or invocation is answered. Loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/loop.h"
#include "scheduler/scheduler.h"
#include "triggers/esm/event_filter.h"
#include "triggers/esm/mapping.h"
#include "triggers/esm/queue_client.h"
#include "triggers/request_limits.h"

namespace stratus::esm {

// What a poller did, for the service's counters and the tests' view of concurrency.
struct PollerStats {
  uint64_t batches = 0;       // invocations made
  uint64_t messages = 0;      // records delivered
  uint64_t filtered_out = 0;  // deleted without an invocation
  int in_flight = 0;          // invocations running now
  int max_in_flight = 0;      // the most at once
};

class QueuePoller : public std::enable_shared_from_this<QueuePoller> {
 public:
  static constexpr int kDefaultMaximumConcurrency = 1000;
  static constexpr int64_t kBackoffMs = 1000;
  static constexpr int kLongPollS = 20;
  static constexpr size_t kMaxBatchBytes = triggers::kSyncPayloadMax;  // a synchronous invoke's payload limit

  QueuePoller(Loop& loop, QueueClient& queue, scheduler::Scheduler& scheduler, Mapping mapping,
              bool fifo);

  void start();
  // No receive or invocation starts after this; `idle` runs once no invocation is in flight.
  void stop(std::function<void()> idle);
  const PollerStats& stats() const { return stats_; }

 private:
  struct Worker;
  void spawn();
  void receive(const std::shared_ptr<Worker>& w);
  void received(const std::shared_ptr<Worker>& w, int waited_s,
                sqs::SqsResult<std::vector<sqs::LocalMessage>> got);
  void flush(const std::shared_ptr<Worker>& w);
  void invoked(const std::shared_ptr<Worker>& w, std::vector<sqs::LocalMessage> batch,
               Result<scheduler::InvokeOutput> out);
  void backoff(const std::shared_ptr<Worker>& w);
  // Ends `w` (its batch goes back to the queue first if it holds one).
  void retire(const std::shared_ptr<Worker>& w);
  void release(std::vector<sqs::LocalMessage> messages);
  void remove(std::vector<std::string> handles);
  void checkIdle();

  Loop& loop_;
  QueueClient& queue_;
  scheduler::Scheduler& scheduler_;
  const Mapping mapping_;
  const bool fifo_;
  std::vector<EventFilter> filters_;
  int cap_;
  bool stopped_ = false;
  int workers_ = 0;
  int64_t no_spawn_until_ms_ = 0;  // after a throttle
  std::function<void()> idle_;
  PollerStats stats_;
};

}  // namespace stratus::esm
