#include "triggers/async/async_queue.h"

#include <algorithm>
#include <limits>

#include "runtime/base/fault_boundary.h"
#include "runtime/base/ids.h"
#include "runtime/base/log.h"
#include "triggers/sqs/sqs_local_client.h"

namespace stratus::async {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS async_events ("
    " id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, function TEXT NOT NULL,"
    " qualifier TEXT NOT NULL, invoked_arn TEXT NOT NULL, payload BLOB NOT NULL,"
    " client_context TEXT NOT NULL, enqueued_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,"
    " throttles INTEGER NOT NULL, not_before_ms INTEGER NOT NULL,"
    " deliveries TEXT NOT NULL DEFAULT '[]', delivery_tries INTEGER NOT NULL DEFAULT 0)";

nlohmann::json deliveriesJson(const std::vector<Delivery>& ds) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : ds) {
    out.push_back({{"kind", d.kind == Delivery::Kind::kQueue ? "queue" : "function"},
                   {"arn", d.arn}, {"body", d.body}, {"attributes", d.attributes}});
  }
  return out;
}

std::vector<Delivery> deliveriesFrom(const std::string& text) {
  std::vector<Delivery> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& d : j) {
    if (!d.is_object()) continue;
    Delivery x;
    x.kind = d.value("kind", "queue") == "function" ? Delivery::Kind::kFunction : Delivery::Kind::kQueue;
    x.arn = d.value("arn", "");
    x.body = d.value("body", "");
    if (auto a = d.find("attributes"); a != d.end() && a->is_object()) x.attributes = *a;
    out.push_back(std::move(x));
  }
  return out;
}

// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], of this server's region and account.
bool parseFunctionArn(const std::string& arn, const AccountScope& scope, std::string& name,
                      std::string& qualifier) {
  std::string prefix = "arn:aws:lambda:" + scope.region + ":" + scope.account_id + ":function:";
  if (arn.rfind(prefix, 0) != 0) return false;
  std::string rest = arn.substr(prefix.size());
  auto colon = rest.find(':');
  name = rest.substr(0, colon);
  qualifier = colon == std::string::npos ? "" : rest.substr(colon + 1);
  return !name.empty();
}

bool isQueueArn(const std::string& arn) { return arn.rfind("arn:aws:sqs:", 0) == 0; }

scheduler::AttemptResult classify(const Result<scheduler::InvokeOutput>& out) {
  if (!out.ok()) {
    return out.error().code == ErrorCode::kTooManyRequests ? scheduler::AttemptResult::kThrottled
                                                           : scheduler::AttemptResult::kSystemError;
  }
  switch (out->result.outcome) {
    case sandbox::InvokeOutcome::kOk: return scheduler::AttemptResult::kSuccess;
    case sandbox::InvokeOutcome::kLost: return scheduler::AttemptResult::kSystemError;
    default: return scheduler::AttemptResult::kFunctionError;
  }
}

}  // namespace

AsyncQueue::AsyncQueue(Loop& loop, DbWriter& writer, scheduler::Scheduler& scheduler,
                       scheduler::FunctionRegistry& registry, sqs::SqsService* queues,
                       AccountScope scope, AsyncOptions options, const Clock& clock)
    : loop_(loop),
      scheduler_(scheduler),
      registry_(registry),
      queues_(queues),
      scope_(std::move(scope)),
      options_(options),
      clock_(clock),
      chain_(writer.chain()),
      timer_(loop) {}

AsyncQueue::~AsyncQueue() {
  *alive_ = false;
  timer_.stop();
}

Result<std::unique_ptr<AsyncQueue>> AsyncQueue::open(Loop& loop, DbWriter& writer,
                                                     scheduler::Scheduler& scheduler,
                                                     scheduler::FunctionRegistry& registry,
                                                     sqs::SqsService* queues, AccountScope scope,
                                                     AsyncOptions options, const Clock& clock) {
  std::unique_ptr<AsyncQueue> q(
      new AsyncQueue(loop, writer, scheduler, registry, queues, std::move(scope), options, clock));
  auto configs = EventInvokeConfigs::open(writer);
  if (!configs.ok()) return configs.error();
  q->configs_ = std::move(configs).value();
  Status loaded = q->load(writer);
  if (!loaded.ok()) return loaded.error();
  if (!q->events_.empty()) logInfo("async: resuming " + std::to_string(q->events_.size()) + " queued events");
  // The backlog starts on the loop's first turn, once everything else is up.
  AsyncQueue* self = q.get();
  std::weak_ptr<bool> alive = q->alive_;
  loop.post([self, alive] {
    if (alive.lock()) self->pump();
  });
  return q;
}

Status AsyncQueue::load(DbWriter& writer) {
  std::vector<Event> rows;
  Status s = writer.runBlocking([&rows](Db& db) -> Status {
    Status schema = db.execScript(kSchema);
    if (!schema.ok()) return schema;
    return db.query(
        "SELECT id, request_id, function, qualifier, invoked_arn, payload, client_context,"
        " enqueued_ms, attempts, throttles, not_before_ms, deliveries, delivery_tries"
        " FROM async_events ORDER BY id",
        {}, [&rows](const DbRow& row) {
          Event e;
          e.id = row.integer(0);
          e.call.request_id = row.text(1);
          e.call.function_name = row.text(2);
          e.call.qualifier = row.text(3);
          e.call.invoked_function_arn = row.text(4);
          e.call.payload = row.text(5);
          e.call.client_context_json = row.text(6);
          e.enqueued_ms = row.integer(7);
          e.attempts = static_cast<int>(row.integer(8));
          e.throttles = static_cast<int>(row.integer(9));
          e.not_before_ms = row.integer(10);
          e.deliveries = deliveriesFrom(row.text(11));
          e.delivery_tries = static_cast<int>(row.integer(12));
          rows.push_back(std::move(e));
        });
  });
  if (!s.ok()) return s;
  for (auto& e : rows) {
    next_id_ = std::max(next_id_, e.id + 1);
    ready_.insert({e.not_before_ms, e.id});
    events_.emplace(e.id, std::move(e));
  }
  return okStatus();
}

DbStatement AsyncQueue::insertRow(const Event& e) const {
  return {"INSERT INTO async_events (id, request_id, function, qualifier, invoked_arn, payload,"
          " client_context, enqueued_ms, attempts, throttles, not_before_ms)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9)",
          {e.id, e.call.request_id, e.call.function_name, e.call.qualifier,
           e.call.invoked_function_arn, e.call.payload, e.call.client_context_json, e.enqueued_ms,
           e.not_before_ms}};
}

DbStatement AsyncQueue::progressRow(const Event& e) const {
  return {"UPDATE async_events SET attempts = ?2, throttles = ?3, not_before_ms = ?4,"
          " deliveries = ?5, delivery_tries = ?6 WHERE id = ?1",
          {e.id, int64_t{e.attempts}, int64_t{e.throttles}, e.not_before_ms,
           deliveriesJson(e.deliveries).dump(), int64_t{e.delivery_tries}}};
}

void AsyncQueue::written(Status s, const std::string& what) {
  if (s.ok()) return;
  // The row keeps its older state on disk: after a restart the event runs again (at least
  // once). Later writes must not wait on this one.
  logError("async: " + what + " not committed: " + s.error().message);
  chain_->resume();
}

void AsyncQueue::enqueue(scheduler::InvokeCall call, std::function<void(Status)> durable) {
  auto e = std::make_shared<Event>();
  e->id = next_id_++;
  e->call = std::move(call);
  e->enqueued_ms = clock_.nowMs();
  e->not_before_ms = e->enqueued_ms;
  std::weak_ptr<bool> alive = alive_;
  chain_->write({insertRow(*e)}, [this, alive, e, durable = std::move(durable)](Status s) {
    if (!alive.lock()) return durable(s);
    if (!s.ok()) {
      chain_->resume();
      return durable(s);
    }
    ++metrics_.accepted;
    int64_t id = e->id, due = e->not_before_ms;
    events_.emplace(id, std::move(*e));
    ready_.insert({due, id});
    durable(s);
    pump();
  });
}

int64_t AsyncQueue::room(const std::string& function) const {
  constexpr int64_t kUnlimited = std::numeric_limits<int>::max();
  const scheduler::FunctionState* state = registry_.find(function);
  // No reservation (the account's limit throttles), 0 (start() fails them at once), or gone.
  if (!state || !state->reserved_concurrency || *state->reserved_concurrency <= 0) return kUnlimited;
  auto it = running_.find(function);
  return *state->reserved_concurrency - (it == running_.end() ? 0 : it->second);
}

void AsyncQueue::pump() {
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  // Reset even if a pass throws (the callback's fault boundary catches it), or the dispatcher
  // would never start anything again.
  struct Pumping {
    bool& flag;
    explicit Pumping(bool& f) : flag(f) { flag = true; }
    ~Pumping() { flag = false; }
  } pumping(pumping_);
  do {
    pump_again_ = false;
    pumpOnce();
  } while (pump_again_);
}

void AsyncQueue::pumpOnce() {
  int64_t now = clock_.nowMs();
  // First the due events that waited for their function's concurrency, oldest first.
  for (auto b = blocked_.begin(); b != blocked_.end();) {
    std::deque<int64_t>& waiting = b->second;
    while (!waiting.empty() && in_flight_ < options_.max_in_flight && room(b->first) > 0) {
      int64_t id = waiting.front();
      waiting.pop_front();
      if (auto e = events_.find(id); e != events_.end()) start(e->second);
    }
    b = waiting.empty() ? blocked_.erase(b) : std::next(b);
  }
  int64_t next_due = 0;
  for (auto it = ready_.begin(); it != ready_.end();) {
    auto [due, id] = *it;
    if (due > now) {
      next_due = due;
      break;
    }
    Event& e = events_.at(id);
    if (!e.deliveries.empty()) {  // only its outcome is left to send: no concurrency needed
      it = ready_.erase(it);
      deliver(e);
      continue;
    }
    if (in_flight_ >= options_.max_in_flight) break;  // a run that ends pumps again
    it = ready_.erase(it);
    if (room(e.call.function_name) <= 0) {
      blocked_[e.call.function_name].push_back(id);  // one of its runs ending lets it go
      continue;
    }
    start(e);
  }
  if (next_due && (timer_due_ms_ == 0 || next_due < timer_due_ms_)) {
    timer_due_ms_ = next_due;
    timer_.start(static_cast<uint64_t>(std::max<int64_t>(next_due - now, 1)), [this] {
      timer_due_ms_ = 0;
      pump();
    });
  }
}

scheduler::RetrySettings AsyncQueue::settingsFor(const Event& e) const {
  scheduler::RetrySettings s;
  s.scale = options_.delay_scale;
  if (const EventInvokeConfig* c = configs_->find(e.call.function_name, e.call.qualifier)) {
    if (c->max_retry_attempts) s.max_retry_attempts = *c->max_retry_attempts;
    if (c->max_event_age_s) s.max_event_age_s = *c->max_event_age_s;
  }
  return s;
}

std::string AsyncQueue::qualifiedArnOf(const Event& e) const {
  return qualifiedArn(scope_, e.call.function_name,
                      e.call.qualifier.empty() ? "$LATEST" : e.call.qualifier);
}

void AsyncQueue::start(Event& e) {
  const scheduler::FunctionState* state = registry_.find(e.call.function_name);
  if (!state) {
    logWarn("async: event " + e.call.request_id + " dropped: function " + e.call.function_name +
            " no longer exists");
    ++metrics_.failed;
    return erase(e.id);
  }
  if (scheduler::eventTooOld(settingsFor(e), e.enqueued_ms, clock_.nowMs())) {
    ++metrics_.dropped_too_old;
    return conclude(e, "EventAgeExceeded");
  }
  if (state->reserved_concurrency && *state->reserved_concurrency == 0) {
    e.response.reset();  // Lambda does not run it at all
    return conclude(e, "ZeroReservedConcurrency");
  }
  ++in_flight_;
  ++running_[e.call.function_name];
  int64_t id = e.id;
  std::weak_ptr<bool> alive = alive_;
  scheduler::InvokeCall attempt = e.call;
  attempt.invocation_type = "Event";  // the metrics' label
  scheduler_.invoke(std::move(attempt), [this, alive, id](Result<scheduler::InvokeOutput> out) {
    if (!alive.lock()) return;
    // A fault here must not lose the event: its row stays, and it runs again after a restart.
    guarded("async attempt", std::to_string(id), [&] { attempted(id, std::move(out)); });
  });
}

void AsyncQueue::attempted(int64_t id, Result<scheduler::InvokeOutput> out) {
  auto found = events_.find(id);
  if (found == events_.end()) return;
  Event& e = found->second;
  --in_flight_;
  if (--running_[e.call.function_name] <= 0) running_.erase(e.call.function_name);

  scheduler::AttemptResult result = classify(out);
  if (out.ok()) {
    sandbox::InvokeResult& r = out->result;
    e.response = AttemptResponse{200, out->executed_version, result != scheduler::AttemptResult::kSuccess,
                                 r.payload};
    e.last_status = 200;
    e.last_error = errorMessageOf(r.payload);
    if (e.last_error.empty() && !r.error_type.empty()) e.last_error = r.error_type;
  } else {
    if (out.error().code == ErrorCode::kResourceNotFound) {  // deleted while queued
      logWarn("async: event " + e.call.request_id + " dropped: " + out.error().message);
      ++metrics_.failed;
      erase(id);
      return pump();
    }
    e.last_status = out.error().code == ErrorCode::kTooManyRequests ? 429 : 500;
    e.last_error = out.error().message;
  }
  if (result == scheduler::AttemptResult::kSuccess || result == scheduler::AttemptResult::kFunctionError) {
    ++e.attempts;
  } else {
    ++e.throttles;
    ++metrics_.throttled;
  }
  int64_t now = clock_.nowMs();
  scheduler::RetryDecision d =
      scheduler::decideAfterAttempt(settingsFor(e), {e.enqueued_ms, e.attempts, e.throttles}, result, now);
  switch (d.verdict) {
    case scheduler::RetryVerdict::kRetry:
      ++metrics_.retried;
      logDebug("async: event " + e.call.request_id + " retried at +" + std::to_string(d.not_before_ms - now) +
               " ms after " + (out.ok() ? "a function error " + out->result.error_type : out.error().message));
      schedule(e, d.not_before_ms);
      break;
    case scheduler::RetryVerdict::kDone:
      ++metrics_.succeeded;
      conclude(e, "Success");
      break;
    case scheduler::RetryVerdict::kRetriesExhausted:
      ++metrics_.failed;
      conclude(e, "RetriesExhausted");
      break;
    case scheduler::RetryVerdict::kEventAgeExceeded:
      ++metrics_.failed;
      ++metrics_.dropped_too_old;
      conclude(e, "EventAgeExceeded");
      break;
  }
  pump();
}

void AsyncQueue::schedule(Event& e, int64_t at_ms) {
  e.not_before_ms = at_ms;
  chain_->write({progressRow(e)}, [this, alive = std::weak_ptr<bool>(alive_)](Status s) {
    if (alive.lock()) written(s, "retry");
  });
  ready_.insert({at_ms, e.id});
  pump();  // arms the timer (a delivery may fail in a callback of its own)
}

std::string AsyncQueue::deadLetterTarget(const Event& e) const {
  const scheduler::FunctionState* state = registry_.find(e.call.function_name);
  if (!state) return "";
  std::string version = e.response ? e.response->executed_version : e.call.qualifier;
  if (version.empty()) version = "$LATEST";
  if (auto alias = state->aliases.find(version); alias != state->aliases.end()) {
    version = alias->second.function_version;
  }
  const scheduler::FunctionRecord* record = state->version(version);
  return record ? record->dead_letter_target_arn : "";
}

void AsyncQueue::conclude(Event& e, const std::string& condition) {
  bool success = condition == "Success";
  const EventInvokeConfig* config = configs_->find(e.call.function_name, e.call.qualifier);
  std::optional<std::string> target;
  if (config) target = success ? config->on_success : config->on_failure;
  std::vector<Delivery> out;
  if (target && !target->empty()) {
    RecordInput in;
    in.request_id = e.call.request_id;
    in.function_arn = qualifiedArnOf(e);
    in.condition = condition;
    in.approximate_invoke_count = e.attempts;
    in.timestamp_ms = clock_.nowMs();
    in.request_payload = &e.call.payload;
    in.response = e.response;
    Delivery d;
    d.kind = isQueueArn(*target) ? Delivery::Kind::kQueue : Delivery::Kind::kFunction;
    d.arn = *target;
    d.body = invocationRecord(in);
    out.push_back(std::move(d));
  }
  if (!success) {
    std::string dlq = deadLetterTarget(e);
    if (!dlq.empty()) {
      Delivery d;
      d.arn = dlq;
      d.body = e.call.payload;
      d.attributes = deadLetterAttributes(e.call.request_id, e.last_status, e.last_error);
      out.push_back(std::move(d));
    }
    if (out.empty()) {
      // Reserved concurrency 0 is the operator's own off switch: a flood of those is not news.
      std::string what = "async: event " + e.call.request_id + " of " + qualifiedArnOf(e) + " failed (" +
                         condition + ") with no destination or dead-letter queue: discarded, as Lambda does";
      if (condition == "ZeroReservedConcurrency") logDebug(what); else logWarn(what);
    }
  }
  if (out.empty()) return erase(e.id);
  e.deliveries = std::move(out);
  deliver(e);
}

void AsyncQueue::deliver(Event& e) {
  struct Pending {
    size_t left = 0;
    std::vector<Delivery> failed;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = e.deliveries.size();
  int64_t id = e.id;
  std::weak_ptr<bool> alive = alive_;
  auto one_done = [this, alive, id, pending](const Delivery& d, std::string problem) {
    if (!alive.lock()) return;
    if (!problem.empty()) {
      logWarn("async: delivery of " + d.arn + " failed: " + problem);
      pending->failed.push_back(d);
    }
    if (--pending->left == 0) delivered(id, std::move(pending->failed));
  };
  std::vector<Delivery> deliveries = e.deliveries;  // `e` may go in a callback that runs at once
  for (const Delivery& d : deliveries) {
    if (d.kind == Delivery::Kind::kQueue) {
      if (!queues_) {
        one_done(d, "no SQS service");
        continue;
      }
      sqs::LocalSend message;
      message.body = d.body;
      message.message_attributes = d.attributes;
      sqs::SqsLocalClient(*queues_).send(d.arn, message, [one_done, d](sqs::SqsResult<std::string> r) {
        one_done(d, r.ok() ? "" : r.error().message);
      });
      continue;
    }
    // Another function: a new event of this queue, itself durable.
    std::string name, qualifier;
    if (!parseFunctionArn(d.arn, scope_, name, qualifier) || !registry_.find(name)) {
      one_done(d, "Function not found: " + d.arn);
      continue;
    }
    scheduler::InvokeCall call;
    call.function_name = name;
    call.qualifier = qualifier;
    call.request_id = uuid4();
    call.payload = d.body;
    call.invoked_function_arn = d.arn;
    enqueue(std::move(call), [one_done, d](Status s) { one_done(d, s.ok() ? "" : s.error().message); });
  }
}

void AsyncQueue::delivered(int64_t id, std::vector<Delivery> failed) {
  auto found = events_.find(id);
  if (found == events_.end()) return;
  Event& e = found->second;
  if (failed.empty()) {
    ++metrics_.delivered;
    return erase(id);
  }
  if (++e.delivery_tries >= options_.max_delivery_tries) {
    ++metrics_.delivery_given_up;
    for (const Delivery& d : failed) {
      logError("async: giving up delivering event " + e.call.request_id + " to " + d.arn +
               " after " + std::to_string(e.delivery_tries) + " tries; its record: " + d.body);
    }
    return erase(id);
  }
  ++metrics_.delivery_retries;
  e.deliveries = std::move(failed);  // only those still owed
  int64_t delay = std::min<int64_t>(scheduler::kThrottleBaseDelayMs << (e.delivery_tries - 1),
                                    scheduler::kThrottleMaxDelayMs);
  schedule(e, clock_.nowMs() + scheduler::scaledMs(options_.delay_scale, delay));
}

void AsyncQueue::erase(int64_t id, std::vector<DbStatement> also) {
  also.push_back({"DELETE FROM async_events WHERE id = ?1", {id}});
  chain_->write(std::move(also), [this, alive = std::weak_ptr<bool>(alive_)](Status s) {
    if (alive.lock()) written(s, "delete");
  });
  events_.erase(id);
}

Status AsyncQueue::checkDestination(const std::string& function, const std::string& arn) const {
  std::string name, qualifier;
  if (parseFunctionArn(arn, scope_, name, qualifier)) {
    if (name == function) return Error::invalidParameter("You can't specify the function as a destination for itself.");
    return okStatus();
  }
  if (isQueueArn(arn)) return okStatus();
  return Error::invalidParameter("The destination ARN " + arn + " is invalid.");
}

nlohmann::json AsyncQueue::status() const {
  return {{"queued", queued()},
          {"in_flight", inFlight()},
          {"accepted", metrics_.accepted},
          {"succeeded", metrics_.succeeded},
          {"failed", metrics_.failed},
          {"retried", metrics_.retried},
          {"throttled", metrics_.throttled},
          {"dropped_too_old", metrics_.dropped_too_old},
          {"delivered", metrics_.delivered},
          {"delivery_retries", metrics_.delivery_retries},
          {"delivery_given_up", metrics_.delivery_given_up}};
}

}  // namespace stratus::async
