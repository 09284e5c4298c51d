#include "triggers/esm/queue_poller.h"

#include <algorithm>

#include "runtime/base/clock.h"
#include "runtime/base/ids.h"
#include "runtime/base/log.h"
#include "triggers/esm/batch_response.h"
#include "triggers/esm/sqs_records.h"

namespace stratus::esm {

struct QueuePoller::Worker {
  explicit Worker(Loop& loop) : timer(loop) {}
  std::vector<sqs::LocalMessage> batch;
  size_t bytes = 0;         // the batch's records, about as large as they will be in the event
  int64_t deadline_ms = 0;  // the batching window's end, from the first message gathered
  Timer timer;              // back-off
};

namespace {

// A record's size in the event, near enough: its body and attributes, escaped at worst twice
// over for JSON, plus the fixed fields (ids, handle, digests, ARN).
size_t recordBytes(const sqs::LocalMessage& m) {
  return 2 * m.body.size() + m.receipt_handle.size() + 2 * m.message_attributes.dump().size() + 1024;
}

}  // namespace

QueuePoller::QueuePoller(Loop& loop, QueueClient& queue, scheduler::Scheduler& scheduler, Mapping mapping,
                         bool fifo)
    : loop_(loop), queue_(queue), scheduler_(scheduler), mapping_(std::move(mapping)), fifo_(fifo) {
  for (const auto& p : mapping_.filter_patterns) {
    if (auto f = EventFilter::parse(p)) filters_.push_back(std::move(*f));  // validated on the way in
  }
  cap_ = mapping_.maximum_concurrency.value_or(kDefaultMaximumConcurrency);
}

void QueuePoller::start() { spawn(); }

void QueuePoller::stop(std::function<void()> idle) {
  stopped_ = true;
  idle_ = std::move(idle);
  checkIdle();
}

void QueuePoller::checkIdle() {
  if (stopped_ && stats_.in_flight == 0 && idle_) {
    auto idle = std::move(idle_);
    idle_ = nullptr;
    idle();
  }
}

void QueuePoller::spawn() {
  if (stopped_ || workers_ >= cap_) return;
  if (workers_ > 0 && epochMs() < no_spawn_until_ms_) return;
  ++workers_;
  receive(std::make_shared<Worker>(loop_));
}

void QueuePoller::receive(const std::shared_ptr<Worker>& w) {
  if (stopped_) return retire(w);
  int want = std::min(10, mapping_.batch_size - static_cast<int>(w->batch.size()));
  int wait_s = kLongPollS;
  if (!w->batch.empty()) {
    int64_t left = w->deadline_ms - epochMs();
    wait_s = static_cast<int>(std::clamp<int64_t>(left / 1000, 0, kLongPollS));
  }
  auto self = shared_from_this();
  queue_.receive(mapping_.event_source_arn, want, wait_s,
               [self, w, wait_s](sqs::SqsResult<std::vector<sqs::LocalMessage>> got) {
                 self->received(w, wait_s, std::move(got));
               });
}

void QueuePoller::received(const std::shared_ptr<Worker>& w, int waited_s,
                           sqs::SqsResult<std::vector<sqs::LocalMessage>> got) {
  if (!got.ok()) {
    logWarn("event source mapping " + mapping_.uuid + ": receive failed: " + got.error().message);
    if (!w->batch.empty()) return flush(w);
    return backoff(w);
  }
  std::vector<sqs::LocalMessage>& messages = got.value();
  if (stopped_) {
    release(std::move(messages));
    return retire(w);
  }
  if (w->batch.empty() && !messages.empty()) w->deadline_ms = epochMs() + int64_t{mapping_.batching_window_s} * 1000;
  bool too_big = false;
  for (auto& m : messages) {
    // An invocation carries at most 6 MB: what would not fit goes back for the next batch.
    size_t size = recordBytes(m);
    if (!w->batch.empty() && w->bytes + size > kMaxBatchBytes) {
      too_big = true;
      release({std::move(m)});
      continue;
    }
    w->bytes += size;
    w->batch.push_back(std::move(m));
  }
  if (w->batch.empty()) {
    // Nothing came during a long poll: an extra worker is no longer needed.
    if (workers_ > 1) return retire(w);
    return receive(w);
  }
  bool gathered = static_cast<int>(w->batch.size()) >= mapping_.batch_size || too_big;
  // A batch filled before its window ended: a backlog, so one more batch in flight (up to the
  // cap); the new worker polls on its own.
  if (gathered) spawn();
  bool window_over = mapping_.batching_window_s == 0 || epochMs() >= w->deadline_ms ||
                     (messages.empty() && waited_s == 0);
  if (gathered || window_over) return flush(w);
  receive(w);
}

void QueuePoller::flush(const std::shared_ptr<Worker>& w) {
  std::vector<sqs::LocalMessage> batch = std::move(w->batch);
  w->batch.clear();
  w->bytes = 0;
  nlohmann::json records = nlohmann::json::array();
  std::vector<sqs::LocalMessage> kept;
  std::vector<std::string> dropped;
  for (auto& m : batch) {
    nlohmann::json record = sqsRecord(m, mapping_.event_source_arn);
    if (!filters_.empty() && !anyMatches(filters_, filterView(record))) {
      dropped.push_back(m.receipt_handle);  // Lambda deletes what no filter keeps
      continue;
    }
    records.push_back(std::move(record));
    kept.push_back(std::move(m));
  }
  stats_.filtered_out += dropped.size();
  remove(std::move(dropped));
  if (kept.empty()) return receive(w);

  scheduler::InvokeCall call;
  call.function_name = mapping_.function_name;
  call.qualifier = mapping_.qualifier;
  call.request_id = uuid4();
  call.invoked_function_arn = mapping_.function_arn;
  call.payload = nlohmann::json{{"Records", std::move(records)}}.dump();
  ++stats_.batches;
  stats_.messages += kept.size();
  ++stats_.in_flight;
  stats_.max_in_flight = std::max(stats_.max_in_flight, stats_.in_flight);
  auto self = shared_from_this();
  auto held = std::make_shared<std::vector<sqs::LocalMessage>>(std::move(kept));
  scheduler_.invoke(std::move(call), [self, w, held](Result<scheduler::InvokeOutput> out) {
    self->invoked(w, std::move(*held), std::move(out));
  });
}

void QueuePoller::invoked(const std::shared_ptr<Worker>& w, std::vector<sqs::LocalMessage> batch,
                          Result<scheduler::InvokeOutput> out) {
  --stats_.in_flight;
  if (!out.ok()) {
    checkIdle();
    if (out.error().code == ErrorCode::kTooManyRequests) {
      // Throttled: the batch goes back to the queue now (its receive still counts towards
      // maxReceiveCount, as in Lambda), and no worker is added for a while, so the count
      // settles at what the function's concurrency admits.
      release(std::move(batch));
      no_spawn_until_ms_ = epochMs() + kBackoffMs;
    } else {
      // The function is gone or failed to place: nothing is deleted; the messages come back
      // after the queue's visibility timeout.
      logWarn("event source mapping " + mapping_.uuid + ": invoke failed: " + out.error().message);
    }
    if (workers_ > 1) return retire(w);
    return backoff(w);
  }
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (const auto& m : batch) ids.push_back(m.message_id);
  bool succeeded = !sandbox::isFunctionError(out->result.outcome);
  BatchVerdict verdict = judgeBatch(succeeded, out->result.payload, mapping_.report_batch_item_failures, ids, fifo_);
  std::vector<bool> failed(batch.size(), false);
  for (size_t i : verdict.failed) failed[i] = true;
  std::vector<std::string> done;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!failed[i]) done.push_back(batch[i].receipt_handle);
  }
  remove(std::move(done));
  checkIdle();
  receive(w);
}

void QueuePoller::backoff(const std::shared_ptr<Worker>& w) {
  auto self = shared_from_this();
  w->timer.start(kBackoffMs, [self, w] { self->receive(w); });
}

void QueuePoller::retire(const std::shared_ptr<Worker>& w) {
  if (!w->batch.empty()) release(std::move(w->batch));
  w->batch.clear();
  w->bytes = 0;
  --workers_;
  // The last worker of a running poller never retires for idleness (received() keeps it).
  if (!stopped_ && workers_ == 0) spawn();
}

void QueuePoller::release(std::vector<sqs::LocalMessage> messages) {
  for (const auto& m : messages) {
    queue_.changeVisibility(mapping_.event_source_arn, m.receipt_handle, 0, [](sqs::SqsStatus) {});
  }
}

void QueuePoller::remove(std::vector<std::string> handles) {
  if (handles.empty()) return;
  std::string uuid = mapping_.uuid;
  queue_.deleteMessages(mapping_.event_source_arn, std::move(handles),
                      [uuid](sqs::SqsResult<std::vector<std::string>> r) {
                        if (!r.ok()) {
                          logWarn("event source mapping " + uuid + ": delete failed: " + r.error().message);
                        } else if (!r.value().empty()) {
                          logWarn("event source mapping " + uuid + ": " + std::to_string(r.value().size()) +
                                  " messages were received again before they could be deleted");
                        }
                      });
}

}  // namespace stratus::esm
