#include "scheduler/placement.h"

#include <algorithm>

namespace stratus::scheduler {

PlacementKind place(const PlacementInput& in) {
  if (in.provisioned_idle) return PlacementKind::kProvisioned;  // already charged in full
  bool fits = in.host_used_mb + in.needed_mb <= in.host_budget_mb;
  if (in.warm_idle) {
    if (fits) return PlacementKind::kWarm;
  } else if (fits) {
    return PlacementKind::kCold;
  }
  uint64_t over = in.host_used_mb + in.needed_mb - in.host_budget_mb;
  if (in.evictable_mb < over) return PlacementKind::kRefuse;
  return in.warm_idle ? PlacementKind::kEvictThenWarm : PlacementKind::kEvictThenCold;
}

std::vector<uint64_t> chooseEvictions(std::vector<IdleCandidate> idle, uint64_t needed_mb) {
  std::sort(idle.begin(), idle.end(), [](const IdleCandidate& a, const IdleCandidate& b) {
    return a.last_used_ms < b.last_used_ms;
  });
  std::vector<uint64_t> out;
  uint64_t freed = 0;
  for (const auto& c : idle) {
    if (freed >= needed_mb) break;
    out.push_back(c.id);
    freed += c.footprint_mb;
  }
  if (freed < needed_mb) out.clear();
  return out;
}

std::vector<uint64_t> chooseReaped(const std::vector<IdleCandidate>& idle, int64_t cutoff_ms) {
  std::vector<uint64_t> out;
  for (const auto& c : idle) {
    if (c.last_used_ms <= cutoff_ms) out.push_back(c.id);
  }
  return out;
}

}  // namespace stratus::scheduler
