#include "triggers/esm/mapping_service.h"

#include <algorithm>

#include "runtime/base/log.h"
#include "triggers/esm/mapping_store.h"
#include "triggers/esm/sqs_records.h"

namespace stratus::esm {

Result<std::unique_ptr<MappingService>> MappingService::open(Loop& loop, DbWriter& writer, sqs::SqsService& sqs,
                                                             scheduler::Scheduler& scheduler,
                                                             MappingServiceOptions options) {
  auto loaded = loadMappings(writer);
  if (!loaded.ok()) return loaded.error();
  std::unique_ptr<MappingService> s(new MappingService(loop, writer, sqs, scheduler, std::move(options)));
  for (Mapping& m : loaded.value()) {
    s->order_.push_back(m.uuid);
    s->mappings_[m.uuid] = std::move(m);
  }
  return s;
}

MappingService::MappingService(Loop& loop, DbWriter& writer, sqs::SqsService& sqs, scheduler::Scheduler& scheduler,
                               MappingServiceOptions options)
    : loop_(loop), chain_(writer.chain()), local_(sqs), scheduler_(scheduler), options_(std::move(options)) {
  if (options_.remotes.empty()) return;
  http_ = std::make_unique<CurlLoopClient>(loop_);
  for (const RemoteEndpoint& e : options_.remotes) {
    remotes_[e.region + ":" + e.account_id] = std::make_unique<RemoteQueueClient>(*http_, e);
  }
}

MappingService::~MappingService() {
  for (auto& [uuid, p] : pollers_) p->stop(nullptr);
}

void MappingService::startPollers() {
  for (auto& [uuid, m] : mappings_) {
    if (m.enabled) startPoller(uuid);
  }
}

const Mapping* MappingService::find(const std::string& uuid) const {
  auto it = mappings_.find(uuid);
  return it == mappings_.end() ? nullptr : &it->second;
}

std::vector<const Mapping*> MappingService::list() const {
  std::vector<const Mapping*> out;
  for (const auto& uuid : order_) {
    if (const Mapping* m = find(uuid)) out.push_back(m);
  }
  return out;
}

nlohmann::json MappingService::shape(const Mapping& m) const {
  return mappingShape(m, options_.region, options_.account_id);
}

QueueClient& MappingService::queueFor(const std::string& arn) {
  if (auto q = splitQueueArn(arn)) {
    auto remote = remotes_.find(q->region + ":" + q->account);
    if (remote != remotes_.end()) return *remote->second;
  }
  return local_;
}

void MappingService::startPoller(const std::string& uuid) {
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return;
  uint64_t gen = generation_[uuid];
  QueueClient& queue = queueFor(it->second.event_source_arn);
  queue.describe(it->second.event_source_arn, [this, uuid, gen, &queue](sqs::SqsResult<sqs::LocalQueueInfo> info) {
    auto it = mappings_.find(uuid);
    if (it == mappings_.end() || generation_[uuid] != gen) return;
    Mapping& m = it->second;
    m.state = MappingState::kEnabled;
    if (!info.ok()) {
      // The queue is gone (or cannot be reached): the mapping stays, as Lambda's does, and
      // polls nothing until it is updated.
      m.state_transition_reason = "PROBLEM: " + info.error().message;
      return;
    }
    auto poller = std::make_shared<QueuePoller>(loop_, queue, scheduler_, m, info.value().fifo);
    pollers_[uuid] = poller;
    poller->start();
  });
}

void MappingService::stopPoller(const std::string& uuid, std::function<void()> idle) {
  auto it = pollers_.find(uuid);
  if (it == pollers_.end()) {
    if (idle) idle();
    return;
  }
  std::shared_ptr<QueuePoller> poller = std::move(it->second);
  pollers_.erase(it);
  poller->stop(std::move(idle));
}

Error MappingService::noSuchMapping() { return Error::notFound("The resource you requested does not exist."); }

void MappingService::settle(Mapping& m) {
  if (m.enabled) {
    startPoller(m.uuid);
  } else {
    m.state = MappingState::kDisabled;
  }
}

void MappingService::create(Mapping m, Done done) {
  std::string uuid = m.uuid;
  m.state = MappingState::kCreating;
  order_.push_back(uuid);
  mappings_[uuid] = m;
  uint64_t gen = ++generation_[uuid];
  chain_->write({upsertMapping(m)}, [this, uuid, gen, done = std::move(done)](Status durable) {
    auto it = mappings_.find(uuid);
    if (!durable.ok()) {
      chain_->resume();
      if (it != mappings_.end()) mappings_.erase(it);
      order_.erase(std::remove(order_.begin(), order_.end(), uuid), order_.end());
      return done(durable.error());
    }
    if (it == mappings_.end()) return done(noSuchMapping());
    done(shape(it->second));
    if (generation_[uuid] == gen) settle(it->second);
  });
}

void MappingService::commitChange(const std::string& uuid, Mapping before, DbStatement write, Done done,
                                  std::function<void()> then) {
  chain_->write({std::move(write)}, [this, uuid, before = std::move(before), done = std::move(done),
                                     then = std::move(then)](Status durable) {
    auto it = mappings_.find(uuid);
    if (it == mappings_.end()) return done(noSuchMapping());
    if (!durable.ok()) {
      chain_->resume();
      it->second = before;
      return done(durable.error());
    }
    done(shape(it->second));
    then();
  });
}

void MappingService::update(Mapping m, Done done) {
  auto it = mappings_.find(m.uuid);
  if (it == mappings_.end()) return done(noSuchMapping());
  Mapping before = it->second;
  std::string uuid = m.uuid;
  m.state = m.enabled == before.enabled ? MappingState::kUpdating
            : m.enabled                 ? MappingState::kEnabling
                                        : MappingState::kDisabling;
  it->second = m;
  uint64_t gen = ++generation_[uuid];
  commitChange(uuid, std::move(before), upsertMapping(m), std::move(done), [this, uuid, gen] {
    // Any change makes a new poller: the old one stops delivering now and drains.
    stopPoller(uuid, [this, uuid, gen] {
      auto now = mappings_.find(uuid);
      if (now != mappings_.end() && generation_[uuid] == gen) settle(now->second);
    });
  });
}

void MappingService::remove(const std::string& uuid, Done done) {
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return done(noSuchMapping());
  Mapping before = it->second;
  it->second.state = MappingState::kDeleting;
  uint64_t gen = ++generation_[uuid];
  commitChange(uuid, std::move(before), deleteMapping(uuid), std::move(done), [this, uuid, gen] {
    // Shown as Deleting until its last invocation is answered, then gone.
    stopPoller(uuid, [this, uuid, gen] {
      if (generation_[uuid] != gen) return;
      mappings_.erase(uuid);
      generation_.erase(uuid);
      order_.erase(std::remove(order_.begin(), order_.end(), uuid), order_.end());
    });
  });
}

}  // namespace stratus::esm
