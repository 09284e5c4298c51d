// Where an invocation runs, decided by pure functions over a snapshot of the pools (the way
// OpenWhisk's ContainerPool.schedule does it): an idle provisioned sandbox, else a warm one,
// else a cold start, evicting least-recently-used idle sandboxes when the host memory budget
// would be exceeded, else refuse. Tested alone, without sandboxes or time.
#pragma once

#include <cstdint>
#include <vector>

namespace stratus::scheduler {

struct PlacementInput {
  bool provisioned_idle = false;  // an idle, initialised provisioned sandbox fits the call
  bool warm_idle = false;         // an idle on-demand sandbox of the current generation
  uint64_t host_used_mb = 0;      // footprint of every live sandbox
  uint64_t host_budget_mb = 0;
  uint64_t cold_cost_mb = 0;      // expected footprint of a new sandbox
  uint64_t evictable_mb = 0;      // footprint of all idle on-demand sandboxes
};

enum class PlacementKind { kProvisioned, kWarm, kCold, kEvictThenCold, kRefuse };

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
