#include "scheduler/scheduler.h"

#include <algorithm>

#include "layers/opt_builder.h"
#include "runtime/base/answer_on_drop.h"
#include "runtime/base/fault_boundary.h"
#include "runtime/base/log.h"
#include "sandbox/invocation_log.h"
#include "scheduler/placement.h"

namespace stratus::scheduler {

namespace {
Error notFound(const InvokeCall& call) {
  return Error::notFound("Function not found: " + call.invoked_function_arn);
}
Error hostFull() {
  return Error{ErrorCode::kTooManyRequests, "Rate Exceeded.", "ConcurrentInvocationLimitExceeded"};
}
}  // namespace

Scheduler::Scheduler(Loop& loop, FunctionRegistry& registry, layers::CodeStore& code,
                     sandbox::SandboxFactory& factory, ConcurrencyLimiter& limiter,
                     SchedulerOptions options, const Clock& clock, AliasRouter router)
    : loop_(loop),
      registry_(registry),
      code_(code),
      factory_(factory),
      limiter_(limiter),
      options_(std::move(options)),
      clock_(clock),
      router_(std::move(router)),
      reaper_(loop) {
  reaper_.start(options_.reap_interval_ms, [this] { reapIdle(); }, options_.reap_interval_ms);
}

Scheduler::~Scheduler() {
  *alive_ = false;
  reaper_.stop();
}

sandbox::SandboxSpec Scheduler::specFor(const FunctionRecord& r, const Bundles& bundles,
                                        bool provisioned) const {
  sandbox::SandboxSpec spec;
  spec.function_name = r.name;
  spec.function_arn =
      "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + r.name;
  spec.version = r.version;
  spec.runtime = r.runtime;
  spec.handler = r.handler;
  spec.task_root = bundles.task;
  spec.opt_root = bundles.opt;
  if (r.environment) spec.environment = *r.environment;
  // LoggingConfig reaches the runtimes as Lambda passes it: JSON format and its application log
  // level (the runtime clients format and filter their console by these); a custom log group
  // as the reserved AWS_LAMBDA_LOG_GROUP_NAME.
  if (r.log_format == "JSON") {
    spec.environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON";
    spec.environment["AWS_LAMBDA_LOG_LEVEL"] = r.application_log_level.empty() ? "INFO" : r.application_log_level;
  }
  if (!r.log_group.empty()) spec.environment["AWS_LAMBDA_LOG_GROUP_NAME"] = r.log_group;
  spec.memory_mb = r.memory_mb;
  spec.timeout_s = r.timeout_s;
  spec.ephemeral_mb = r.ephemeral_storage_mb;
  spec.region = options_.region;
  spec.provisioned = provisioned;
  return spec;
}

void Scheduler::invoke(InvokeCall call, InvokeDone done) {
  const FunctionState* state = registry_.find(call.function_name);
  if (!state) return done(notFound(call));
  const std::string qualifier = call.qualifier.empty() ? "$LATEST" : call.qualifier;
  std::string version = qualifier;
  if (qualifier != "$LATEST" && !isVersionNumber(qualifier)) {
    auto alias = state->aliases.find(qualifier);
    if (alias == state->aliases.end()) return done(notFound(call));
    version = router_.pick(alias->second);
  }
  const FunctionRecord* record = state->version(version);
  if (!record) return done(notFound(call));
  auto lease = limiter_.acquire(state->name(), state->reserved_concurrency);
  if (!lease.ok()) {
    metrics_.throttled(record->name, record->version, call.invocation_type);
    return done(lease.error());
  }
  place(*record, qualifier, std::move(call), std::move(lease).value(), std::move(done));
}

void Scheduler::place(const FunctionRecord& record, const std::string& qualifier,
                      InvokeCall call, std::shared_ptr<ConcurrencyLease> lease, InvokeDone done) {
  static const std::vector<uint64_t> kNone;
  auto listed = function_slots_.find(record.name);
  const auto& ids = listed == function_slots_.end() ? kNone : listed->second;
  uint64_t provisioned_id = 0, warm_id = 0;
  int64_t warm_used = -1;
  auto group = provisioned_.find({record.name, qualifier});
  bool group_fits = group != provisioned_.end() && group->second.version == record.version;
  std::vector<uint64_t> dead;
  for (uint64_t id : ids) {
    const Slot& s = slots_.at(id);
    if (s.busy || !s.ready) continue;
    // A process sandbox whose runtime exited while idle, or one still settling after an error.
    sandbox::SandboxState st = s.sandbox->state();
    if (st == sandbox::SandboxState::kCondemned) dead.push_back(id);
    if (st != sandbox::SandboxState::kIdle || s.version != record.version) continue;
    if (!s.provisioned_for.empty()) {
      if (group_fits && s.provisioned_for == qualifier && !provisioned_id) provisioned_id = id;
    } else if (s.generation == record.generation && s.last_used_ms > warm_used) {
      warm_id = id;  // the most recently used: the others age towards reaping
      warm_used = s.last_used_ms;
    }
  }
  dropDead(dead);

  PlacementInput in;
  in.provisioned_idle = provisioned_id != 0;
  in.warm_idle = warm_id != 0;
  in.host_used_mb = hostUsedMb();
  in.host_budget_mb = options_.host_memory_budget_mb;
  const uint64_t memory_mb = static_cast<uint64_t>(std::max(record.memory_mb, 0));
  if (in.warm_idle) {
    uint64_t charged = slots_.at(warm_id).charged_mb;
    in.needed_mb = memory_mb > charged ? memory_mb - charged : 0;
  } else {
    in.needed_mb = memory_mb;
  }
  std::vector<IdleCandidate> idle;
  if (!in.provisioned_idle && in.host_used_mb + in.needed_mb > in.host_budget_mb) {
    // Only a call that does not fit needs the idle picture: the usual path stays O(own slots).
    idle = evictable(warm_id);
    for (const IdleCandidate& c : idle) in.evictable_mb += c.footprint_mb;
  }

  PlacementKind kind = scheduler::place(in);
  if (kind == PlacementKind::kEvictThenWarm || kind == PlacementKind::kEvictThenCold) {
    uint64_t over = in.host_used_mb + in.needed_mb - in.host_budget_mb;
    for (uint64_t id : chooseEvictions(std::move(idle), over)) dropSlot(id);
  }
  switch (kind) {
    case PlacementKind::kProvisioned:
      return run(provisioned_id, std::move(call), std::move(lease), std::move(done));
    case PlacementKind::kWarm:
    case PlacementKind::kEvictThenWarm:
      return run(warm_id, std::move(call), std::move(lease), std::move(done));
    case PlacementKind::kRefuse:
      logWarn("host memory budget of " + std::to_string(options_.host_memory_budget_mb) +
              " MB is full; throttling " + record.name);
      metrics_.throttled(record.name, record.version, call.invocation_type);
      return done(hostFull());
    case PlacementKind::kCold:
    case PlacementKind::kEvictThenCold:
      break;
  }
  FunctionRecord copy = record;
  uint64_t promised = memory_mb;
  pending_cold_mb_ += promised;
  withBundle(record, [this, alive = alive_, copy, promised, call = std::move(call),
                      lease = std::move(lease), done = std::move(done)](Result<Bundles> bundle) mutable {
    if (!*alive) return;
    pending_cold_mb_ -= promised;
    if (!bundle.ok()) return done(bundle.error());
    uint64_t id = addSlot(copy, *bundle, "");
    run(id, std::move(call), std::move(lease), std::move(done));
  });
}

void Scheduler::run(uint64_t slot_id, InvokeCall call, std::shared_ptr<ConcurrencyLease> lease,
                    InvokeDone done) {
  Slot& slot = slots_.at(slot_id);
  slot.busy = true;
  slot.last_used_ms = clock_.nowMs();
  recharge(slot);
  std::string version = slot.version;
  sandbox::InvokeRequest req{call.request_id, std::move(call.payload),
                             std::move(call.invoked_function_arn),
                             std::move(call.client_context_json)};
  std::string context = "request " + req.request_id + ", function " + slot.function;
  // Where the lines go, as configured when the invocation started.
  InvocationLog log_target;
  log_target.function_name = slot.function;
  log_target.version = version;
  log_target.log_group = "/aws/lambda/" + slot.function;
  log_target.start_ms = epochMs();
  const FunctionState* st = log_sink_ ? registry_.find(slot.function) : nullptr;
  if (st) {
    if (const FunctionRecord* r = st->version(version)) {
      log_target.log_group = r->logGroup();
      log_target.json_format = r->log_format == "JSON";
      log_target.system_log_level = r->system_log_level.empty() ? "INFO" : r->system_log_level;
    }
  }
  auto answer = [this, alive = alive_, slot_id, version, function = slot.function, tier = slot.sandbox->tier(),
                 type = std::move(call.invocation_type), log_target = std::move(log_target),
                 lease = std::move(lease), done = std::move(done)](sandbox::InvokeResult result) mutable {
    lease.reset();  // the unit is free as soon as the sandbox is
    if (!*alive) return;
    metrics_.finished(function, version, type, result.outcome, tier, result.duration_ms, result.init_duration_ms);
    const bool keep_log = log_sink_ && !result.log_text.empty();
    if (keep_log) {
      // A sandbox that never started an environment names no stream: one is made for it.
      log_target.log_stream =
          result.log_stream.empty() ? sandbox::logStreamName(log_target.start_ms, version) : result.log_stream;
      log_target.end_ms = epochMs();
      log_target.text = result.log_text;
    }
    bool lost = result.outcome == sandbox::InvokeOutcome::kLost;
    auto it = slots_.find(slot_id);
    if (it != slots_.end()) {
      Slot& s = it->second;
      s.busy = false;
      s.ready = true;
      s.last_used_ms = clock_.nowMs();
      recharge(s);
      // Busy (a process runtime settling after an error) still counts: placement waits for idle.
      // A sandbox that lost an invocation is not trusted with another.
      bool reusable = !lost && s.sandbox->state() != sandbox::SandboxState::kCondemned;
      if (lost) s.sandbox->condemn();
      if (s.provisioned_for.empty()) {
        if (!reusable || s.generation != currentGeneration(s.function, s.version)) dropSlot(slot_id);
      } else {
        auto g = provisioned_.find({s.function, s.provisioned_for});
        bool wanted = g != provisioned_.end() && g->second.version == s.version;
        if (!reusable || !wanted) {
          std::string function = s.function, qualifier = s.provisioned_for;
          dropSlot(slot_id);
          if (wanted) provision(function, qualifier);  // replace the lost environment
        }
      }
    }
    if (lost) return done(Error::service("An internal error occurred; the invocation was lost."));
    injectFault(fault_site::kInvokeDone);
    // The lines are stored once the caller has its answer (storing them is not on its path).
    // `done` may end this closure's owner: what is used after it lives on the stack.
    std::shared_ptr<bool> still = alive;
    InvocationLog kept = keep_log ? std::move(log_target) : InvocationLog{};
    done(InvokeOutput{std::move(result), version});
    if (keep_log && *still && log_sink_) log_sink_->record(std::move(kept));
  };
  // A sandbox that drops the callback without calling it (a task that threw on a worker, a
  // bug) fails the invocation instead of leaving its client and this slot waiting forever.
  slot.sandbox->invoke(std::move(req),
                       answerOnDrop<sandbox::InvokeResult>(
                           loop_, fault_site::kInvokeDone, std::move(context), std::move(answer),
                           [] {
                             sandbox::InvokeResult lost;
                             lost.outcome = sandbox::InvokeOutcome::kLost;
                             return lost;
                           }));
}

std::map<std::pair<std::string, std::string>, int> Scheduler::sandboxCensus() const {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& [id, slot] : slots_) {
    const char* state = "idle";
    switch (slot.sandbox->state()) {
      case sandbox::SandboxState::kStarting: state = "starting"; break;
      case sandbox::SandboxState::kIdle: state = "idle"; break;
      case sandbox::SandboxState::kBusy: state = "busy"; break;
      case sandbox::SandboxState::kCondemned: state = "condemned"; break;
    }
    ++out[{slot.sandbox->tier(), state}];
  }
  return out;
}

void Scheduler::withBundle(const FunctionRecord& record,
                           std::function<void(Result<Bundles>)> then) {
  std::vector<std::string> layer_hexes;
  std::string opt_key;
  for (const LayerRef& layer : record.layers) {
    layer_hexes.push_back(layer.code.sha256_hex);
    opt_key += layer.code.sha256_hex + ",";
  }
  auto cached = bundles_.find(record.code.sha256_hex);
  auto cached_opt = opts_.find(opt_key);
  if (cached != bundles_.end() && (layer_hexes.empty() || cached_opt != opts_.end())) {
    return then(Bundles{cached->second, layer_hexes.empty() ? "" : cached_opt->second});
  }
  // First start of this code (or this list of layers) since the server started: make sure
  // its bundle is on disk (re-extracting after a crash if needed) and its /opt built, off the
  // loop.
  auto hex = record.code.sha256_hex;
  auto found = std::make_shared<Result<layers::StoredCode>>(Error::service("not run"));
  auto opt = std::make_shared<Result<std::string>>(std::string());
  layers::CodeStore* store = &code_;
  loop_.runInPool(
      [store, hex, found, opt, layer_hexes] {
        *found = store->get(hex);
        if (found->ok()) *opt = layers::buildOptTree(*store, layer_hexes);
      },
      [this, alive = alive_, hex, found, opt, opt_key, then = std::move(then)] {
        if (!*alive) return;
        if (!found->ok()) return then(found->error());
        if (!opt->ok()) return then(opt->error());
        bundles_[hex] = (*found)->bundle_dir;
        if (!opt_key.empty()) opts_[opt_key] = **opt;
        then(Bundles{(*found)->bundle_dir, **opt});
      });
}

uint64_t Scheduler::addSlot(const FunctionRecord& record, const Bundles& bundles,
                            const std::string& provisioned_for) {
  uint64_t id = next_slot_id_++;
  Slot slot;
  slot.sandbox = std::shared_ptr<sandbox::Sandbox>(
      factory_.create(specFor(record, bundles, !provisioned_for.empty())));
  slot.function = record.name;
  slot.version = record.version;
  slot.provisioned_for = provisioned_for;
  slot.generation = record.generation;
  slot.last_used_ms = clock_.nowMs();
  slot.memory_mb = static_cast<uint64_t>(std::max(record.memory_mb, 0));
  recharge(slots_.emplace(id, std::move(slot)).first->second);
  function_slots_[record.name].push_back(id);
  return id;
}

void Scheduler::dropSlot(uint64_t id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  if (!it->second.busy) it->second.sandbox->condemn();
  charged_mb_ -= it->second.charged_mb;
  auto fs = function_slots_.find(it->second.function);
  if (fs != function_slots_.end()) {
    auto& v = fs->second;
    v.erase(std::remove(v.begin(), v.end(), id), v.end());
    if (v.empty()) function_slots_.erase(fs);
  }
  slots_.erase(it);
}

int64_t Scheduler::currentGeneration(const std::string& function,
                                     const std::string& version) const {
  const FunctionState* state = registry_.find(function);
  const FunctionRecord* r = state ? state->version(version) : nullptr;
  return r ? r->generation : -1;
}

std::vector<uint64_t> Scheduler::slotsOf(const std::string& function,
                                         const std::function<bool(const Slot&)>& pred) const {
  std::vector<uint64_t> out;
  auto fs = function_slots_.find(function);
  if (fs == function_slots_.end()) return out;
  for (uint64_t id : fs->second) {
    if (pred(slots_.at(id))) out.push_back(id);
  }
  return out;
}

void Scheduler::retire(const std::string& function_name) {
  for (uint64_t id : slotsOf(function_name, [this](const Slot& s) {
         return !s.busy && s.generation != currentGeneration(s.function, s.version);
       })) {
    dropSlot(id);
  }
}

void Scheduler::recycle(const std::string& function_name) {
  for (uint64_t id : slotsOf(function_name, [](const Slot& s) { return !s.busy && s.provisioned_for.empty(); })) {
    dropSlot(id);
  }
}

void Scheduler::forget(const std::string& function_name, const std::string& version) {
  for (auto it = provisioned_.begin(); it != provisioned_.end();) {
    bool match = it->first.first == function_name && (version.empty() || it->second.version == version);
    it = match ? provisioned_.erase(it) : std::next(it);
  }
  for (uint64_t id : slotsOf(function_name, [&](const Slot& s) {
         return !s.busy && (version.empty() || s.version == version);
       })) {
    dropSlot(id);
  }
}

void Scheduler::provision(const std::string& function, const std::string& qualifier) {
  const FunctionState* state = registry_.find(function);
  auto cfg = state ? state->provisioned.find(qualifier) : decltype(state->provisioned.end()){};
  GroupKey key{function, qualifier};
  std::string version;
  if (state && cfg != state->provisioned.end()) {
    auto alias = state->aliases.find(qualifier);
    version = alias != state->aliases.end() ? alias->second.function_version : qualifier;
  }
  const FunctionRecord* record = state && !version.empty() ? state->version(version) : nullptr;

  // Sandboxes of this group that no longer fit (config gone, or the alias moved) go.
  auto& group = provisioned_[key];
  if (!record || group.version != version) {
    for (uint64_t id : slotsOf(function, [&](const Slot& s) {
           return s.provisioned_for == qualifier && !s.busy;
         })) {
      dropSlot(id);
    }
    group.failure.clear();
  }
  if (!record) {
    provisioned_.erase(key);
    return;
  }
  group.version = version;
  group.requested = cfg->second.requested;

  std::vector<uint64_t> mine =
      slotsOf(function, [&](const Slot& s) { return s.provisioned_for == qualifier; });
  for (size_t i = mine.size(); i > static_cast<size_t>(group.requested); --i) {
    if (!slots_.at(mine[i - 1]).busy) dropSlot(mine[i - 1]);
  }
  int missing = group.requested - static_cast<int>(mine.size());
  if (missing <= 0 || !group.failure.empty()) return;
  FunctionRecord copy = *record;
  withBundle(*record, [this, alive = alive_, copy, qualifier, missing](Result<Bundles> bundle) {
    if (!*alive) return;
    auto g = provisioned_.find({copy.name, qualifier});
    if (g == provisioned_.end() || g->second.version != copy.version) return;
    if (!bundle.ok()) {
      g->second.failure = "Runtime.Unknown";
      return;
    }
    for (int i = 0; i < missing; ++i) {
      uint64_t id = addSlot(copy, *bundle, qualifier);
      slots_.at(id).busy = true;  // starting
      slots_.at(id).sandbox->prestart([this, alive, id, key = GroupKey{copy.name, qualifier}](
                                          std::string error_type) {
        if (!*alive) return;
        auto it = slots_.find(id);
        if (it == slots_.end()) return;
        it->second.busy = false;
        if (!error_type.empty()) {
          auto g2 = provisioned_.find(key);
          if (g2 != provisioned_.end()) g2->second.failure = error_type;
          dropSlot(id);
          return;
        }
        it->second.ready = true;
        recharge(it->second);
      });
    }
  });
}

void Scheduler::provisionAll() {
  for (const FunctionState* state : registry_.list("", registry_.size())) {
    for (const auto& [qualifier, cfg] : state->provisioned) provision(state->name(), qualifier);
  }
}

ProvisionedStatus Scheduler::provisionedStatus(const std::string& function,
                                               const std::string& qualifier) const {
  ProvisionedStatus st;
  auto g = provisioned_.find({function, qualifier});
  if (g == provisioned_.end()) {
    st.status = "IN_PROGRESS";
    return st;
  }
  st.requested = g->second.requested;
  for (uint64_t id : slotsOf(function, [&](const Slot& s) {
         return s.provisioned_for == qualifier && s.ready;
       })) {
    st.allocated++;
    if (!slots_.at(id).busy) st.available++;
  }
  if (!g->second.failure.empty()) {
    st.status = "FAILED";
    st.reason = "FUNCTION_ERROR_INIT_FAILURE";
  } else {
    st.status = st.allocated >= st.requested ? "READY" : "IN_PROGRESS";
  }
  return st;
}

void Scheduler::dropDead(const std::vector<uint64_t>& ids) {
  for (uint64_t id : ids) {
    auto it = slots_.find(id);
    if (it == slots_.end()) continue;
    std::string function = it->second.function, qualifier = it->second.provisioned_for;
    dropSlot(id);
    if (!qualifier.empty()) provision(function, qualifier);  // replace the lost environment
  }
}

void Scheduler::reapIdle() {
  std::vector<uint64_t> dead;
  for (const auto& [id, s] : slots_) {
    if (!s.busy && s.sandbox->state() == sandbox::SandboxState::kCondemned) dead.push_back(id);
  }
  dropDead(dead);
  std::vector<IdleCandidate> idle;
  for (const auto& [id, s] : slots_) {
    if (!s.busy && s.ready && s.provisioned_for.empty()) idle.push_back({id, 0, s.last_used_ms});
  }
  for (uint64_t id : chooseReaped(idle, clock_.nowMs() - options_.idle_timeout_ms)) dropSlot(id);
}

size_t Scheduler::idleCount(const std::string& function_name) const {
  return slotsOf(function_name, [](const Slot& s) { return !s.busy; }).size();
}

size_t Scheduler::busyCount(const std::string& function_name) const {
  return slotsOf(function_name, [](const Slot& s) { return s.busy; }).size();
}

void Scheduler::recharge(Slot& slot) {
  uint64_t measured = slot.sandbox->footprintMb();
  bool may_grow = slot.busy || !slot.ready || !slot.provisioned_for.empty();
  uint64_t charge = may_grow ? std::max(measured, slot.memory_mb) : measured;
  charged_mb_ = charged_mb_ - slot.charged_mb + charge;
  slot.charged_mb = charge;
}

std::vector<IdleCandidate> Scheduler::evictable(uint64_t keep) const {
  std::vector<IdleCandidate> out;
  for (const auto& [id, s] : slots_) {
    if (id != keep && !s.busy && s.ready && s.provisioned_for.empty()) {
      out.push_back({id, s.charged_mb, s.last_used_ms});
    }
  }
  return out;
}

uint64_t Scheduler::hostUsedMb() const {
  return pending_cold_mb_ + charged_mb_ + factory_.heldMb();
}

}  // namespace stratus::scheduler
