#include "runtime/base/loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "runtime/base/clock.h"
#include "runtime/base/ids.h"
#include "runtime/base/worker_pool.h"

namespace stratus {
namespace {

TEST(Loop, PostFromManyThreadsRunsEverythingOnTheLoop) {
  Loop loop;
  std::atomic<int> ran{0};
  bool all_on_loop = true;
  std::vector<std::thread> threads;
  constexpr int kThreads = 4, kPosts = 1000;
  Timer guard(loop);  // bounded: stop after 5 s whatever happens
  guard.start(5000, [&] { loop.stop(); });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPosts; ++i) {
        loop.post([&] {
          all_on_loop = all_on_loop && loop.onLoopThread();
          if (++ran == kThreads * kPosts) loop.stop();
        });
      }
    });
  }
  loop.run();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ran.load(), kThreads * kPosts);
  EXPECT_TRUE(all_on_loop);
}

TEST(Loop, RunInPoolRunsWorkOffTheLoopThenDoneOnIt) {
  Loop loop;
  std::atomic<bool> work_off_loop{false};
  bool done_on_loop = false;
  Timer guard(loop);
  guard.start(5000, [&] { loop.stop(); });
  loop.runInPool([&] { work_off_loop = !loop.onLoopThread(); },
                 [&] {
                   done_on_loop = loop.onLoopThread();
                   loop.stop();
                 });
  loop.run();
  EXPECT_TRUE(work_off_loop);
  EXPECT_TRUE(done_on_loop);
}

TEST(Loop, TimerMayDestroyItselfInItsCallback) {
  Loop loop;
  auto timer = std::make_unique<Timer>(loop);
  int fired = 0;
  timer->start(1, [&] {
    ++fired;
    timer.reset();
    loop.stop();
  });
  loop.run();
  EXPECT_EQ(fired, 1);
}

TEST(WorkerPool, RunsTasksConcurrentlyAndJoins) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(8);
    for (int i = 0; i < 8; ++i) {
      pool.submit([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ++done;
      });
    }
    EXPECT_LE(pool.threadCount(), 8u);
  }  // the destructor finishes queued work
  EXPECT_EQ(done.load(), 8);
}

TEST(WorkerPool, BlockedTaskDoesNotStarveOthersWhileThreadsRemain) {
  WorkerPool pool(2);
  std::atomic<bool> release{false};
  std::atomic<bool> second_ran{false};
  pool.submit([&] {
    for (int i = 0; i < 500 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  pool.submit([&] { second_ran = true; });
  for (int i = 0; i < 200 && !second_ran; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(second_ran.load());
  release = true;
}

TEST(Clock, FormatsAwsTimestamps) {
  EXPECT_EQ(formatAwsTimestamp(1586545592563), "2020-04-10T19:06:32.563+0000");
  EXPECT_EQ(formatIso8601(1559934680562), "2019-06-07T19:11:20.562Z");
  EXPECT_EQ(formatDateSlashes(1559934680562), "2019/06/07");
  ManualClock clock(1000);
  clock.advance(500);
  EXPECT_EQ(clock.nowMs(), 1500);
}

TEST(Ids, Uuid4HasTheRightShape) {
  std::string id = uuid4();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  EXPECT_NE(uuid4(), uuid4());
  EXPECT_EQ(randomHex(32).size(), 32u);
}

}  // namespace
}  // namespace stratus
