// The isolate supervisor's restart policy (sandbox/restart_backoff.h), with time passed in.
#include "sandbox/restart_backoff.h"

#include <gtest/gtest.h>

namespace stratus::sandbox {
namespace {

TEST(RestartBackoffTest, FirstRetryIsImmediateThenTheDelayDoublesToTheCap) {
  RestartBackoff b({100, 1000, 10});
  EXPECT_TRUE(b.mayStart(0));
  EXPECT_EQ(b.delayMs(), 0u);
  b.failed(1000, "spawn: ENOENT");
  EXPECT_EQ(b.delayMs(), 0u);
  EXPECT_TRUE(b.mayStart(1000));
  std::vector<uint64_t> delays;
  for (int i = 0; i < 6; ++i) {
    b.failed(1000, "x");
    delays.push_back(b.delayMs());
  }
  EXPECT_EQ(delays, (std::vector<uint64_t>{100, 200, 400, 800, 1000, 1000}));
  EXPECT_FALSE(b.mayStart(1999));
  EXPECT_TRUE(b.mayStart(2000));
  EXPECT_EQ(b.lastError(), "x");
}

TEST(RestartBackoffTest, GivesUpAfterTheConfiguredFailuresInARow) {
  RestartBackoff b({10, 100, 3});
  b.failed(0, "a");
  b.failed(0, "b");
  EXPECT_FALSE(b.gaveUp());
  b.failed(0, "exited before it was ready");
  EXPECT_TRUE(b.gaveUp());
  EXPECT_EQ(b.failures(), 3);
  EXPECT_FALSE(b.mayStart(1000000));  // never again, however long one waits
  EXPECT_EQ(b.lastError(), "exited before it was ready");
}

TEST(RestartBackoffTest, AHostThatCameUpResetsTheCount) {
  RestartBackoff b({10, 100, 3});
  b.failed(0, "a");
  b.failed(0, "b");
  b.succeeded();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_TRUE(b.mayStart(0));
  b.failed(5, "c");
  b.failed(5, "d");
  EXPECT_FALSE(b.gaveUp());
}

}  // namespace
}  // namespace stratus::sandbox
