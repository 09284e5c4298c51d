#include "runtime/base/db_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace stratus {
namespace {

class DbWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-dbw-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/w.db";
    auto w = DbWriter::open(loop_, path_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    writer_ = std::move(w).value();
    ASSERT_TRUE(writer_->runBlocking([](Db& db) {
      return db.execScript(
          "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER);"
          "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
          "CREATE TABLE child (id INTEGER, p INTEGER REFERENCES parent(id) "
          "  DEFERRABLE INITIALLY DEFERRED)");
    }).ok());
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  static DbStatement insert(const std::string& k, int64_t v) {
    return {"INSERT OR REPLACE INTO t (k, v) VALUES (?1, ?2)", {k, v}};
  }
  // Runs the loop until `done` holds or 5 s pass.
  void runUntil(const std::function<bool()>& done) {
    if (done()) return;
    Timer poll(loop_);
    poll.start(1, [&] { if (done()) loop_.stop(); }, 1);
    Timer guard(loop_);
    guard.start(5000, [&] { loop_.stop(); });
    loop_.run();
  }
  // The table as another connection sees it on disk.
  std::map<std::string, int64_t> onDisk() {
    std::map<std::string, int64_t> rows;
    auto db = Db::open(path_);
    EXPECT_TRUE(db.ok());
    (*db)->query("SELECT k, v FROM t", {}, [&](const DbRow& r) { rows[r.text(0)] = r.integer(1); });
    return rows;
  }

  std::string dir_, path_;
  Loop loop_;
  std::unique_ptr<DbWriter> writer_;
};

TEST_F(DbWriterTest, CompletionsRunOnTheLoopInOrderOnceDurable) {
  auto chain = writer_->chain();
  std::vector<int> order;
  std::vector<std::map<std::string, int64_t>> seen;
  for (int i = 0; i < 50; ++i) {
    chain->write({insert("k" + std::to_string(i), i)}, [&, i](Status s) {
      EXPECT_TRUE(s.ok()) << s.error().message;
      EXPECT_TRUE(loop_.onLoopThread());
      order.push_back(i);
      if (i == 0) seen.push_back(onDisk());  // durable before its completion runs
    });
  }
  EXPECT_TRUE(order.empty());  // never synchronously
  runUntil([&] { return order.size() == 50; });
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].at("k0"), 0);
  EXPECT_EQ(onDisk().size(), 50u);
}

TEST_F(DbWriterTest, WritesQueuedTogetherShareACommit) {
  auto chain = writer_->chain();
  const uint64_t before = writer_->commitCount();
  int done = 0;
  for (int i = 0; i < 400; ++i) {
    chain->write({insert("k" + std::to_string(i), i), insert("j" + std::to_string(i), i)},
                 [&](Status s) { done += s.ok(); });
  }
  runUntil([&] { return done == 400; });
  EXPECT_EQ(done, 400);
  // The writer wakes on the first write and may commit it alone; the rest are grouped (at
  // most kMaxGroup per transaction).
  EXPECT_LE(writer_->commitCount() - before, 10u);
  EXPECT_EQ(onDisk().size(), 800u);
}

TEST_F(DbWriterTest, TheLoopDoesNotWaitForACommit) {
  // Another connection holds the write lock: the writer's BEGIN IMMEDIATE waits (busy timeout)
  // on its own thread while the loop keeps turning.
  auto other = Db::open(path_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->execScript("BEGIN IMMEDIATE").ok());
  auto chain = writer_->chain();
  bool written = false;
  auto t0 = std::chrono::steady_clock::now();
  chain->write({insert("a", 1)}, [&](Status s) {
    EXPECT_TRUE(s.ok()) << s.error().message;
    written = true;
  });
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  int ticks = 0;
  Timer tick(loop_);
  tick.start(10, [&] { ++ticks; }, 10);
  runUntil([&] { return ticks >= 10; });  // 100 ms of loop turns while the write is stuck
  EXPECT_GE(ticks, 10);
  EXPECT_FALSE(written);
  ASSERT_TRUE((*other)->execScript("COMMIT").ok());
  runUntil([&] { return written; });
  EXPECT_TRUE(written);
}

TEST_F(DbWriterTest, ALoneWriteIsNotDelayedButAFloodWaitsForItsGroupToFill) {
  writer_.reset();
  auto w = DbWriter::open(loop_, path_, std::chrono::milliseconds(300));
  ASSERT_TRUE(w.ok());
  writer_ = std::move(w).value();
  auto chain = writer_->chain();
  using Clock = std::chrono::steady_clock;
  // One client, one write at a time: never delayed.
  auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) {
    bool done = false;
    chain->write({insert("lone" + std::to_string(i), i)}, [&](Status) { done = true; });
    runUntil([&] { return done; });
  }
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(300));
  // A commit stalls (another connection holds the lock) while writes pile up behind it.
  auto other = Db::open(path_);
  ASSERT_TRUE((*other)->execScript("BEGIN IMMEDIATE").ok());
  const uint64_t before = writer_->commitCount();
  Clock::time_point first, rest;
  int done = 0;
  chain->write({insert("first", 0)}, [&](Status) { first = Clock::now(); ++done; });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the writer took it
  for (int i = 0; i < 100; ++i) {
    chain->write({insert("k" + std::to_string(i), i)}, [&](Status) {
      rest = Clock::now();
      ++done;
    });
  }
  ASSERT_TRUE((*other)->execScript("COMMIT").ok());
  runUntil([&] { return done == 101; });
  ASSERT_EQ(done, 101);
  EXPECT_EQ(writer_->commitCount() - before, 2u);  // the stalled one, then all the rest at once
  EXPECT_GE(rest - first, std::chrono::milliseconds(200));
}

TEST_F(DbWriterTest, AFailedWriteFailsItsGroupAndTheChainUntilResume) {
  auto chain = writer_->chain();
  std::vector<std::string> results;
  auto record = [&](std::string name) {
    return [&results, name](Status s) { results.push_back(name + (s.ok() ? ":ok" : ":failed")); };
  };
  chain->write({insert("first", 1)}, record("first"));
  runUntil([&] { return results.size() == 1; });
  // Queued in one turn: the bad one fails, so does everything after it on this chain.
  chain->write({insert("a", 1)}, record("a"));
  chain->write({insert("b", 2), {"INSERT INTO missing VALUES (1)", {}}}, record("bad"));
  chain->write({insert("c", 3)}, record("c"));
  runUntil([&] { return results.size() == 4; });
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[2], "bad:failed");
  EXPECT_EQ(results[3], "c:failed");
  // Still refused until the client resumes, even in a fresh group.
  chain->write({insert("d", 4)}, record("d"));
  runUntil([&] { return results.size() == 5; });
  EXPECT_EQ(results.back(), "d:failed");
  chain->resume();
  chain->write({insert("e", 5)}, record("e"));
  runUntil([&] { return results.size() == 6; });
  EXPECT_EQ(results.back(), "e:ok");
  auto disk = onDisk();
  EXPECT_TRUE(disk.count("first"));
  EXPECT_TRUE(disk.count("e"));
  EXPECT_FALSE(disk.count("b"));
  EXPECT_FALSE(disk.count("c"));
  EXPECT_FALSE(disk.count("d"));
  // "a" either committed alone before the bad group or failed with it: never half of a group.
  EXPECT_EQ(disk.count("a") == 1, results[1] == "a:ok");
}

TEST_F(DbWriterTest, AFailedCommitRollsBackTheGroup) {
  // A deferred foreign key is checked at COMMIT: the statement succeeds, the commit fails.
  auto chain = writer_->chain();
  Status result = okStatus();
  bool done = false;
  chain->write({{"INSERT INTO child VALUES (1, 42)", {}}}, [&](Status s) {
    result = s;
    done = true;
  });
  runUntil([&] { return done; });
  ASSERT_TRUE(done);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kService);
  EXPECT_NE(result.error().message.find("FOREIGN KEY"), std::string::npos)
      << result.error().message;
  chain->resume();
  done = false;
  chain->write({insert("after", 1)}, [&](Status s) { done = s.ok(); });
  runUntil([&] { return done; });
  EXPECT_TRUE(done);
  int64_t children = -1;
  auto db = Db::open(path_);
  (*db)->query("SELECT count(*) FROM child", {}, [&](const DbRow& r) { children = r.integer(0); });
  EXPECT_EQ(children, 0);
}

TEST_F(DbWriterTest, AnotherChainIsNotPoisoned) {
  auto failing = writer_->chain();
  auto other = writer_->chain();
  int failed = 0, ok = 0;
  failing->write({{"INSERT INTO missing VALUES (1)", {}}}, [&](Status s) { failed += !s.ok(); });
  runUntil([&] { return failed == 1; });
  other->write({insert("x", 1)}, [&](Status s) { ok += s.ok(); });
  failing->write({insert("y", 1)}, [&](Status s) { failed += !s.ok(); });
  runUntil([&] { return ok == 1 && failed == 2; });
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(failed, 2);
}

TEST_F(DbWriterTest, WriteFromMakesTheStatementsOnTheWriterThread) {
  auto chain = writer_->chain();
  std::atomic<bool> made_on_loop{true};
  Loop* loop = &loop_;
  std::vector<std::string> results;
  chain->writeFrom(
      [&made_on_loop, loop]() -> std::vector<DbStatement> {
        made_on_loop = loop->onLoopThread();
        return {insert("made", 1)};
      },
      [&](Status s) { results.push_back(s.ok() ? "ok" : s.error().message); });
  chain->writeFrom([]() -> std::vector<DbStatement> { throw std::runtime_error("encoding"); },
                   [&](Status s) { results.push_back(s.ok() ? "ok" : s.error().message); });
  runUntil([&] { return results.size() == 2; });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(made_on_loop);
  EXPECT_NE(results[1].find("encoding"), std::string::npos) << results[1];
  // "made" shared a group with the throwing write (queued in one turn) or committed alone.
  EXPECT_EQ(onDisk().count("made") == 1, results[0] == "ok");
}

TEST_F(DbWriterTest, AnEmptyWriteIsABarrier) {
  auto chain = writer_->chain();
  std::vector<int> order;
  chain->write({insert("a", 1)}, [&](Status) { order.push_back(1); });
  chain->write({}, [&](Status s) {
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(onDisk().count("a"));
    order.push_back(2);
  });
  runUntil([&] { return order.size() == 2; });
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST_F(DbWriterTest, ADestroyedChainGetsNoCompletionsButItsWritesCommit) {
  auto chain = writer_->chain();
  bool called = false;
  chain->write({insert("orphan", 1)}, [&](Status) { called = true; });
  chain.reset();
  bool barrier = false;
  auto other = writer_->chain();
  other->write({}, [&](Status) { barrier = true; });
  runUntil([&] { return barrier; });
  EXPECT_TRUE(barrier);
  EXPECT_FALSE(called);
  EXPECT_TRUE(onDisk().count("orphan"));
}

TEST_F(DbWriterTest, StoppingCommitsWhatIsQueued) {
  auto chain = writer_->chain();
  for (int i = 0; i < 20; ++i) chain->write({insert("k" + std::to_string(i), i)}, nullptr);
  writer_.reset();  // the loop never ran: nothing was reported, everything committed
  EXPECT_EQ(onDisk().size(), 20u);
  bool failed = false;
  chain->write({insert("late", 1)}, [&](Status s) { failed = !s.ok(); });
  runUntil([&] { return failed; });
  EXPECT_TRUE(failed);
}

TEST_F(DbWriterTest, RunBlockingSeesEarlierWritesAndReportsThrows) {
  auto chain = writer_->chain();
  chain->write({insert("a", 7)}, nullptr);
  int64_t v = 0;
  ASSERT_TRUE(writer_->runBlocking([&](Db& db) {
    return db.query("SELECT v FROM t WHERE k = 'a'", {}, [&](const DbRow& r) { v = r.integer(0); });
  }).ok());
  EXPECT_EQ(v, 7);
  Status thrown = writer_->runBlocking([](Db&) -> Status { throw std::runtime_error("boom"); });
  ASSERT_FALSE(thrown.ok());
  EXPECT_NE(thrown.error().message.find("boom"), std::string::npos);
}

TEST_F(DbWriterTest, ACompletionThatThrowsDoesNotStopTheOthers) {
  auto chain = writer_->chain();
  int after = 0;
  chain->write({insert("a", 1)}, [](Status) { throw std::runtime_error("handler bug"); });
  chain->write({insert("b", 2)}, [&](Status s) { after += s.ok(); });
  runUntil([&] { return after == 1; });
  EXPECT_EQ(after, 1);
}

}  // namespace
}  // namespace stratus
