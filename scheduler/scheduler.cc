#include "scheduler/scheduler.h"

namespace stratus::scheduler {

Scheduler::Scheduler(Loop& loop, FunctionRegistry& registry, layers::CodeStore& code,
                     sandbox::SandboxFactory& factory, SchedulerOptions options,
                     const Clock& clock)
    : loop_(loop),
      registry_(registry),
      code_(code),
      factory_(factory),
      options_(std::move(options)),
      clock_(clock),
      reaper_(loop) {
  reaper_.start(options_.reap_interval_ms, [this] { reapIdle(); }, options_.reap_interval_ms);
}

Scheduler::~Scheduler() { reaper_.stop(); }

sandbox::SandboxSpec Scheduler::specFor(const FunctionRecord& r,
                                        const std::string& bundle_dir) const {
  sandbox::SandboxSpec spec;
  spec.function_name = r.name;
  spec.function_arn =
      "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + r.name;
  spec.version = r.version;
  spec.runtime = r.runtime;
  spec.handler = r.handler;
  spec.task_root = bundle_dir;
  if (r.environment) spec.environment = *r.environment;
  spec.memory_mb = r.memory_mb;
  spec.timeout_s = r.timeout_s;
  spec.region = options_.region;
  return spec;
}

void Scheduler::invoke(InvokeCall call, InvokeDone done) {
  const FunctionRecord* record = registry_.find(call.function_name);
  if (!record) {
    done(Error::notFound("Function not found: " + call.invoked_function_arn));
    return;
  }
  Pool& pool = pools_[record->name];
  // Warm first: the most recently used idle sandbox of the current generation.
  while (!pool.idle.empty()) {
    IdleSandbox warm = std::move(pool.idle.back());
    pool.idle.pop_back();
    if (warm.generation == record->generation &&
        warm.sandbox->state() == sandbox::SandboxState::kIdle) {
      run(std::move(warm.sandbox), record->generation, std::move(call), std::move(done));
      return;
    }
  }
  startCold(*record, std::move(call), std::move(done));
}

void Scheduler::startCold(const FunctionRecord& record, InvokeCall call, InvokeDone done) {
  int64_t generation = record.generation;
  auto cached = bundles_.find(record.code.sha256_hex);
  if (cached != bundles_.end()) {
    auto sb = std::shared_ptr<sandbox::Sandbox>(factory_.create(specFor(record, cached->second)));
    run(std::move(sb), generation, std::move(call), std::move(done));
    return;
  }
  // First start of this code since the server started: make sure its bundle is on disk
  // (re-extracting after a crash if needed), off the loop.
  auto hex = record.code.sha256_hex;
  auto found = std::make_shared<Result<layers::StoredCode>>(Error::service("not run"));
  loop_.runInPool([this, hex, found] { *found = code_.get(hex); },
                  [this, hex, found, call = std::move(call), done = std::move(done)]() mutable {
                    if (!found->ok()) {
                      done(found->error());
                      return;
                    }
                    bundles_[hex] = (*found)->bundle_dir;
                    const FunctionRecord* now = registry_.find(call.function_name);
                    if (!now) {
                      done(Error::notFound("Function not found: " + call.invoked_function_arn));
                      return;
                    }
                    startCold(*now, std::move(call), std::move(done));
                  });
}

void Scheduler::run(std::shared_ptr<sandbox::Sandbox> sb, int64_t generation, InvokeCall call,
                    InvokeDone done) {
  std::string name = call.function_name;
  pools_[name].busy++;
  sandbox::InvokeRequest req{call.request_id, std::move(call.payload),
                             std::move(call.invoked_function_arn),
                             std::move(call.client_context_json)};
  sb->invoke(std::move(req), [this, sb, generation, name,
                              done = std::move(done)](sandbox::InvokeResult result) mutable {
    Pool& pool = pools_[name];
    pool.busy--;
    const FunctionRecord* now = registry_.find(name);
    if (now && now->generation == generation &&
        sb->state() == sandbox::SandboxState::kIdle) {
      pool.idle.push_back({std::move(sb), generation, clock_.nowMs()});
    }
    done(std::move(result));
  });
}

void Scheduler::retire(const std::string& function_name) {
  auto it = pools_.find(function_name);
  if (it == pools_.end()) return;
  it->second.idle.clear();
  if (it->second.busy == 0 && !registry_.find(function_name)) pools_.erase(it);
}

void Scheduler::reapIdle() {
  int64_t cutoff = clock_.nowMs() - options_.idle_timeout_ms;
  for (auto& [name, pool] : pools_) {
    // The front holds the least recently used.
    while (!pool.idle.empty() && pool.idle.front().idle_since_ms <= cutoff) pool.idle.pop_front();
  }
}

size_t Scheduler::idleCount(const std::string& function_name) const {
  auto it = pools_.find(function_name);
  return it == pools_.end() ? 0 : it->second.idle.size();
}

size_t Scheduler::busyCount(const std::string& function_name) const {
  auto it = pools_.find(function_name);
  return it == pools_.end() ? 0 : it->second.busy;
}

}  // namespace stratus::scheduler
