// The event source mappings of this server: their durable rows, their states and one poller
// per enabled mapping. Every change is answered once it is committed (the row is written
// first, in memory at once, undone if the commit fails); the transitional state it answers
// with (Creating, Enabling, Disabling, Updating, Deleting) settles as soon as the poller has
// started, or stopped with no invocation in flight. Validation is the API's (esm_api.cc).
// Loop thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "scheduler/scheduler.h"
#include "triggers/esm/mapping.h"
#include "triggers/esm/queue_poller.h"
#include "triggers/esm/queue_client.h"
#include "triggers/esm/remote_queue_client.h"

namespace stratus::sqs {
class SqsService;
}

namespace stratus::esm {

struct MappingServiceOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Regions/accounts whose queues live on other endpoints; their ARNs are polled there (even
  // this server's own region and account, when listed).
  std::vector<RemoteEndpoint> remotes;
};

class MappingService {
 public:
  // Loads the stored mappings; their pollers start with startPollers().
  static Result<std::unique_ptr<MappingService>> open(Loop& loop, DbWriter& writer, sqs::SqsService& sqs,
                                                      scheduler::Scheduler& scheduler, MappingServiceOptions options);
  ~MappingService();

  void startPollers();

  const Mapping* find(const std::string& uuid) const;
  // In creation order.
  std::vector<const Mapping*> list() const;
  // The client for the queue an ARN names: this server's, or a configured remote endpoint's.
  QueueClient& queueFor(const std::string& arn);
  const MappingServiceOptions& options() const { return options_; }

  // `done` gets the answer's shape (in its transitional state) once the change is durable.
  using Done = std::function<void(Result<nlohmann::json>)>;
  void create(Mapping m, Done done);
  void update(Mapping m, Done done);  // the same uuid as a stored mapping
  void remove(const std::string& uuid, Done done);

 private:
  MappingService(Loop& loop, DbWriter& writer, sqs::SqsService& sqs, scheduler::Scheduler& scheduler,
                 MappingServiceOptions options);
  void startPoller(const std::string& uuid);
  // Stops the running poller of `uuid` (if any); `idle` runs once it has nothing in flight.
  void stopPoller(const std::string& uuid, std::function<void()> idle);
  nlohmann::json shape(const Mapping& m) const;
  static Error noSuchMapping();
  // An enabled mapping gets its poller; a disabled one is Disabled.
  void settle(Mapping& m);
  // Commits `write` for mapping `uuid`: on failure `before` is put back and the error
  // answered; once durable the mapping's shape is answered and `then` runs.
  void commitChange(const std::string& uuid, Mapping before, DbStatement write, Done done,
                    std::function<void()> then);

  Loop& loop_;
  std::unique_ptr<DbWriter::Chain> chain_;
  LocalQueueClient local_;
  std::unique_ptr<CurlLoopClient> http_;  // only with remotes
  std::map<std::string, std::unique_ptr<RemoteQueueClient>> remotes_;  // by "region:account"
  scheduler::Scheduler& scheduler_;
  MappingServiceOptions options_;
  std::map<std::string, Mapping> mappings_;  // by uuid
  std::vector<std::string> order_;           // uuids, oldest first
  std::map<std::string, std::shared_ptr<QueuePoller>> pollers_;
  // Bumped on every change of a mapping, so a poller that stops late settles only the state
  // it was stopped for.
  std::map<std::string, uint64_t> generation_;
};

}  // namespace stratus::esm
