// Placement, concurrency and alias routing alone: pure decisions, no sandboxes, no time.
#include "scheduler/placement.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scheduler/alias_router.h"
#include "scheduler/concurrency_limiter.h"

namespace stratus::scheduler {
namespace {

TEST(Placement, PrefersProvisionedThenWarmThenCold) {
  PlacementInput in;
  in.host_budget_mb = 100;
  in.needed_mb = 10;
  in.provisioned_idle = true;
  in.warm_idle = true;
  EXPECT_EQ(place(in), PlacementKind::kProvisioned);
  in.provisioned_idle = false;
  EXPECT_EQ(place(in), PlacementKind::kWarm);
  in.warm_idle = false;
  EXPECT_EQ(place(in), PlacementKind::kCold);
}

TEST(Placement, EvictsOnlyWhenTheBudgetWouldBeExceeded) {
  PlacementInput in;
  in.host_budget_mb = 100;
  in.needed_mb = 10;
  in.host_used_mb = 90;
  EXPECT_EQ(place(in), PlacementKind::kCold);  // exactly fits
  in.host_used_mb = 95;
  in.evictable_mb = 5;
  EXPECT_EQ(place(in), PlacementKind::kEvictThenCold);
  in.evictable_mb = 4;
  EXPECT_EQ(place(in), PlacementKind::kRefuse);
}

TEST(Placement, AWarmSandboxMustHaveRoomToGrow) {
  // An idle sandbox charged at its footprint grows to its MemorySize while it runs.
  PlacementInput in;
  in.warm_idle = true;
  in.host_budget_mb = 256;
  in.host_used_mb = 200;
  in.needed_mb = 56;  // fits exactly
  EXPECT_EQ(place(in), PlacementKind::kWarm);
  in.needed_mb = 100;
  in.evictable_mb = 44;
  EXPECT_EQ(place(in), PlacementKind::kEvictThenWarm);
  in.evictable_mb = 43;
  EXPECT_EQ(place(in), PlacementKind::kRefuse);
  in.provisioned_idle = true;  // provisioned ones are charged in full already
  EXPECT_EQ(place(in), PlacementKind::kProvisioned);
}

TEST(Placement, ChoosesLeastRecentlyUsedEvictions) {
  std::vector<IdleCandidate> idle{{1, 10, 300}, {2, 10, 100}, {3, 10, 200}};
  EXPECT_EQ(chooseEvictions(idle, 15), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(chooseEvictions(idle, 5), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(chooseEvictions(idle, 31).empty());
  EXPECT_EQ(chooseReaped(idle, 200), (std::vector<uint64_t>{2, 3}));
}

TEST(ConcurrencyLimiter, ReservedIsACapAndTheAccountPoolIsShared) {
  ConcurrencyLimiter limiter(10);
  limiter.setReservedTotal(3);  // unreserved pool: 7
  std::vector<std::shared_ptr<ConcurrencyLease>> held;
  for (int i = 0; i < 3; ++i) held.push_back(limiter.acquire("r", 3).value());
  auto capped = limiter.acquire("r", 3);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(capped.error().message, "Rate Exceeded.");
  for (int i = 0; i < 7; ++i) held.push_back(limiter.acquire("u" + std::to_string(i % 2), std::nullopt).value());
  auto full = limiter.acquire("u9", std::nullopt);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().reason, "ConcurrentInvocationLimitExceeded");
  EXPECT_EQ(limiter.inFlight("r"), 3);
  held.pop_back();  // a lease released frees its unit
  EXPECT_TRUE(limiter.acquire("u9", std::nullopt).ok());
  EXPECT_FALSE(limiter.acquire("zero", 0).ok());  // reserved 0 disables the function
}

TEST(AliasRouter, SplitsByWeightWithinBinomialTolerance) {
  AliasRecord alias{"live", "1", "", {{"2", 0.25}}, ""};
  AliasRouter router;  // real randomness
  int twos = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) twos += router.pick(alias) == "2";
  double sd = std::sqrt(n * 0.25 * 0.75);
  EXPECT_NEAR(twos, n * 0.25, 5 * sd);
  AliasRecord plain{"p", "3", "", {}, ""};
  EXPECT_EQ(router.pick(plain), "3");
}

}  // namespace
}  // namespace stratus::scheduler
