// Where an invocation runs, decided by pure functions over a snapshot of the pools (the way
// OpenWhisk's ContainerPool.schedule does it): an idle provisioned sandbox, else a warm one,
// else a cold start; a warm or cold start that would take the host past its memory budget
// first evicts least-recently-used idle sandboxes, else is refused. Tested alone, without
// sandboxes or time.
//
// What counts against the budget (the scheduler's charge): a sandbox that is running, starting
// or provisioned at its MemorySize (it may grow to that: the cgroup or the isolate's limits
// stop it there), an idle one at its measured footprint (idle sandboxes are frozen or hold no
// running code, so they cannot grow), and what the sandbox factory holds outside sandboxes
// (prewarm pools, caches). A warm invoke then costs its sandbox's growth from footprint to
// MemorySize, a cold start its whole MemorySize.
#pragma once

#include <cstdint>
#include <vector>

namespace stratus::scheduler {

struct PlacementInput {
  bool provisioned_idle = false;  // an idle, initialised provisioned sandbox fits the call
  bool warm_idle = false;         // an idle on-demand sandbox of the current generation
  uint64_t host_used_mb = 0;      // the charge of everything live (see above)
  uint64_t host_budget_mb = 0;
  uint64_t needed_mb = 0;         // what the call adds: a warm sandbox's growth, or a cold
                                  // start's MemorySize
  uint64_t evictable_mb = 0;      // footprint of the idle on-demand sandboxes it may evict
};

enum class PlacementKind { kProvisioned, kWarm, kEvictThenWarm, kCold, kEvictThenCold, kRefuse };

PlacementKind place(const PlacementInput& in);

struct IdleCandidate {
  uint64_t id;
  uint64_t footprint_mb;
  int64_t last_used_ms;
};

// The ids to evict, least recently used first, until at least `needed_mb` is freed; empty if
// even all of them would not free enough.
std::vector<uint64_t> chooseEvictions(std::vector<IdleCandidate> idle, uint64_t needed_mb);

// Idle sandboxes unused since before `cutoff_ms`.
std::vector<uint64_t> chooseReaped(const std::vector<IdleCandidate>& idle, int64_t cutoff_ms);

}  // namespace stratus::scheduler
