#include "sandbox/isolate_host_supervisor.h"

#include <csignal>
#include <fstream>
#include <utility>

#include "runtime/base/clock.h"
#include "runtime/base/log.h"
#include "sandbox/cgroup.h"
#include "sandbox/isolate_host_cgroup.h"

namespace stratus::sandbox {

namespace {
uint64_t nowMs() { return static_cast<uint64_t>(monotonicMs()); }

// A process's proportional set size (shared pages split between the processes mapping them,
// as the kernel's cgroup accounting counts them once), in MB rounded up; 0 if unreadable.
uint64_t pssMb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key;
  uint64_t kb = 0;
  while (in >> key) {
    if (key == "Pss:") {
      in >> kb;
      return (kb + 1023) / 1024;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}
}  // namespace

IsolateHostSupervisor::IsolateHostSupervisor(Loop& loop, IsolateSupervisorOptions options)
    : loop_(loop), options_(std::move(options)) {
  if (options_.hosts_per_size < 1) options_.hosts_per_size = 1;
}

IsolateHostSupervisor::~IsolateHostSupervisor() {
  *alive_ = false;
  killAll();
}

std::vector<std::unique_ptr<IsolateHostSupervisor::Slot>>& IsolateHostSupervisor::slotsFor(int memory_mb) {
  auto& slots = slots_[memory_mb];
  while (static_cast<int>(slots.size()) < options_.hosts_per_size) {
    slots.push_back(std::make_unique<Slot>(loop_, memory_mb, options_.backoff));
  }
  return slots;
}

void IsolateHostSupervisor::start() {
  if (options_.prewarm == 0) return;
  for (auto& slot : slotsFor(options_.prewarm_memory_mb)) {
    slot->eager = true;
    if (!slot->host) startSlot(*slot);
  }
}

bool IsolateHostSupervisor::startSlot(Slot& slot) {
  IsolateHostOptions host_options;
  host_options.binary = options_.binary;
  host_options.memory_mb = slot.memory_mb;
  host_options.prewarm = slot.memory_mb == options_.prewarm_memory_mb ? options_.prewarm : 0;
  host_options.max_workers = options_.max_workers;
  host_options.env = options_.host_env;
  std::string error;
  std::weak_ptr<bool> alive = alive_;
  Slot* slot_ptr = &slot;
  auto host = IsolateHost::spawn(
      loop_, host_options,
      [this, alive, slot_ptr](IsolateHost& h, bool was_ready) {
        if (auto a = alive.lock(); a && *a) onHostExit(slot_ptr, h, was_ready);
      },
      &error);
  if (!host) {
    slot.backoff.failed(nowMs(), error);
    logError("isolate host for " + std::to_string(slot.memory_mb) + " MB: " + error);
    scheduleRetry(slot);
    return false;
  }
  if (options_.cgroups != nullptr) {
    auto group = cgroupForHost(*options_.cgroups, host->pid());
    if (group.ok()) {
      host->keep(std::shared_ptr<SandboxCgroup>(std::move(group).value()));
    } else {
      logWarn("isolate host " + std::to_string(host->pid()) + " runs without a cgroup: " +
              group.error().message);
    }
  }
  logDebug("isolate host " + std::to_string(host->pid()) + " started for " +
           std::to_string(slot.memory_mb) + " MB");
  slot.host = std::move(host);
  measureSoon();
  return true;
}

uint64_t IsolateHostSupervisor::heldMb() const {
  uint64_t mb = 0;
  for (const auto& [size, slots] : slots_) {
    for (const auto& slot : slots) {
      const IsolateHost* h = slot->host.get();
      if (h == nullptr || !h->alive()) continue;
      uint64_t measured = h->measuredMb() > 0 ? h->measuredMb() : kIsolateHostEstimateMb;
      uint64_t sandboxes = h->sandboxFootprintMb();
      mb += measured > sandboxes ? measured - sandboxes : 0;
    }
  }
  return mb;
}

// Starts the periodic measurement with the first host. Reading smaps_rollup walks every
// mapping of a V8 process (milliseconds for a big one), so it runs on the thread pool.
void IsolateHostSupervisor::measureSoon() {
  if (measure_timer_) return;
  measure_timer_ = std::make_unique<Timer>(loop_);
  std::weak_ptr<bool> alive = alive_;
  measure_timer_->start(
      0,
      [this, alive] {
        if (auto a = alive.lock(); !a || !*a || measuring_) return;
        std::vector<std::shared_ptr<IsolateHost>> hosts;
        for (auto& [size, slots] : slots_) {
          for (auto& slot : slots) {
            if (slot->host && slot->host->alive()) hosts.push_back(slot->host);
          }
        }
        if (hosts.empty()) return;
        auto pids = std::make_shared<std::vector<std::pair<pid_t, uint64_t>>>();
        for (auto& h : hosts) pids->emplace_back(h->pid(), 0);
        measuring_ = true;
        loop_.runInPool(
            [pids] {
              for (auto& [pid, mb] : *pids) mb = pssMb(pid);
            },
            [this, alive, pids, hosts = std::move(hosts)] {
              if (auto a = alive.lock(); !a || !*a) return;
              measuring_ = false;
              for (size_t i = 0; i < hosts.size(); ++i) {
                // A host that died meanwhile is skipped by heldMb(); 0 means unreadable.
                if ((*pids)[i].second > 0) hosts[i]->setMeasuredMb((*pids)[i].second);
              }
            });
      },
      kIsolateHostMeasureMs);
}

void IsolateHostSupervisor::onHostExit(Slot* slot, IsolateHost& host, bool was_ready) {
  if (slot->host.get() != &host) return;
  std::string how = host.exitText();
  slot->host.reset();
  if (was_ready) {
    slot->backoff.succeeded();
    logWarn("isolate host " + std::to_string(host.pid()) + " (" + std::to_string(slot->memory_mb) +
            " MB) ended: " + how + "; its sandboxes are condemned");
    if (slot->eager) startSlot(*slot);  // keeps the prewarm pool; others start on demand
    return;
  }
  slot->backoff.failed(nowMs(), "the host exited before it was ready (" + how + ")");
  logError("isolate host " + std::to_string(host.pid()) + " (" + std::to_string(slot->memory_mb) +
           " MB) could not start: " + how);
  scheduleRetry(*slot);
}

void IsolateHostSupervisor::scheduleRetry(Slot& slot) {
  if (slot.backoff.gaveUp()) {
    if (!slot.reported) {
      slot.reported = true;
      logError("isolate hosts for " + std::to_string(slot.memory_mb) + " MB: giving up after " +
               std::to_string(slot.backoff.failures()) + " failed starts in a row: " +
               slot.backoff.lastError());
    }
    return;
  }
  if (!slot.eager) return;  // the next invocation that needs it tries again
  uint64_t now = nowMs();
  uint64_t at = slot.backoff.nextStartMs();
  slot.retry.start(at > now ? at - now : 0, [this, s = &slot] {
    if (!s->host && s->backoff.mayStart(nowMs())) startSlot(*s);
  });
}

std::shared_ptr<IsolateHost> IsolateHostSupervisor::hostFor(int memory_mb, std::string* error) {
  auto& slots = slotsFor(memory_mb);
  uint64_t now = nowMs();
  IsolateHost* best = nullptr;
  for (auto& slot : slots) {
    if (slot->host && !slot->host->alive()) slot->host.reset();
    if (!slot->host && slot->backoff.mayStart(now)) startSlot(*slot);
    if (slot->host && (best == nullptr || slot->host->sandboxCount() < best->sandboxCount())) {
      best = slot->host.get();
    }
  }
  if (best != nullptr) return best->shared_from_this();
  const Slot& first = *slots.front();
  std::string size = std::to_string(memory_mb) + " MB";
  if (first.backoff.gaveUp()) {
    *error = "the isolate host for " + size + " cannot start (gave up after " +
             std::to_string(first.backoff.failures()) + " attempts): " + first.backoff.lastError();
  } else {
    *error = "the isolate host for " + size + " is restarting after a failed start: " +
             first.backoff.lastError();
  }
  return nullptr;
}

std::vector<pid_t> IsolateHostSupervisor::hostPids() const {
  std::vector<pid_t> pids;
  for (const auto& [mb, slots] : slots_) {
    for (const auto& slot : slots) {
      if (slot->host && slot->host->alive()) pids.push_back(slot->host->pid());
    }
  }
  return pids;
}

void IsolateHostSupervisor::killAll() {
  for (auto& [mb, slots] : slots_) {
    for (auto& slot : slots) {
      slot->retry.stop();
      if (slot->host) slot->host->kill(SIGKILL);
    }
  }
}

}  // namespace stratus::sandbox
