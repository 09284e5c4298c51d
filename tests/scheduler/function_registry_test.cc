#include "scheduler/function_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace stratus::scheduler {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-reg-XXXXXX";
    dir_ = mkdtemp(tmpl);
    openWriter();
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  void openWriter() {
    writer_.reset();
    auto w = DbWriter::open(loop_, dir_ + "/s.db");
    ASSERT_TRUE(w.ok()) << w.error().message;
    writer_ = std::move(w).value();
  }
  std::unique_ptr<FunctionRegistry> openRegistry() {
    auto reg = FunctionRegistry::open(*writer_);
    EXPECT_TRUE(reg.ok()) << reg.error().message;
    return reg.ok() ? std::move(reg).value() : nullptr;
  }
  // What a fresh server would load from the file now.
  std::map<std::string, nlohmann::json> onDisk() {
    Loop other_loop;
    auto w = DbWriter::open(other_loop, dir_ + "/s.db");
    EXPECT_TRUE(w.ok());
    auto reg = FunctionRegistry::open(**w);
    EXPECT_TRUE(reg.ok());
    std::map<std::string, nlohmann::json> out;
    for (const FunctionState* s : (*reg)->list("", (*reg)->size())) out[s->name()] = *s;
    return out;
  }
  std::map<std::string, nlohmann::json> inMemory(const FunctionRegistry& reg) {
    std::map<std::string, nlohmann::json> out;
    for (const FunctionState* s : reg.list("", reg.size())) out[s->name()] = *s;
    return out;
  }
  void runUntil(const std::function<bool()>& done) {
    if (done()) return;
    Timer poll(loop_);
    poll.start(1, [&] { if (done()) loop_.stop(); }, 1);
    Timer guard(loop_);
    guard.start(5000, [&] { loop_.stop(); });
    loop_.run();
  }
  // Waits for every change made so far.
  void settle(FunctionRegistry& reg) {
    bool done = false;
    reg.whenDurable([&](Status) { done = true; });
    runUntil([&] { return done; });
    ASSERT_TRUE(done);
  }
  FunctionState record(const std::string& name) {
    FunctionState s;
    FunctionRecord& r = s.latest;
    r.name = name;
    r.runtime = "nodejs20.x";
    r.handler = "index.handler";
    r.code = {"ab", "q80=", 42};
    r.revision_id = "rev-" + name;
    return s;
  }
  // Every row written from now on named `name` fails to commit.
  void failWritesOf(const std::string& name) {
    ASSERT_TRUE(writer_->runBlocking([name](Db& db) {
      std::string fail = " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
      return db.execScript(
          "CREATE TRIGGER fail_insert_" + name + " BEFORE INSERT ON functions WHEN NEW.name = '" +
          name + "'" + fail + "CREATE TRIGGER fail_delete_" + name +
          " BEFORE DELETE ON functions WHEN OLD.name = '" + name + "'" + fail);
    }).ok());
  }

  std::string dir_;
  Loop loop_;
  std::unique_ptr<DbWriter> writer_;
};

TEST_F(RegistryTest, CreateFindUpdateRemove) {
  auto reg = openRegistry();
  ASSERT_TRUE(reg);
  ASSERT_TRUE(reg->create(record("a"), nullptr).ok());
  Status dup = reg->create(record("a"), nullptr);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kResourceConflict);
  EXPECT_EQ(dup.error().message, "Function already exist: a");

  FunctionState changed = *reg->find("a");
  changed.latest.memory_mb = 512;
  changed.latest.environment = std::map<std::string, std::string>{{"K", "v"}};
  ASSERT_TRUE(reg->update(changed, nullptr).ok());
  EXPECT_EQ(reg->find("a")->latest.memory_mb, 512);

  EXPECT_EQ(reg->update(record("missing"), nullptr).error().code, ErrorCode::kResourceNotFound);
  ASSERT_TRUE(reg->remove("a", nullptr).ok());
  EXPECT_EQ(reg->find("a"), nullptr);
  EXPECT_EQ(reg->remove("a", nullptr).error().code, ErrorCode::kResourceNotFound);
}

TEST_F(RegistryTest, AChangeShowsAtOnceAndIsReportedDurableAfterItsCommit) {
  auto reg = openRegistry();
  ASSERT_TRUE(reg);
  std::vector<std::string> reported;
  ASSERT_TRUE(reg->create(record("a"), [&](Status s) {
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(onDisk().count("a"));  // on disk before anyone is told
    reported.push_back("created");
  }).ok());
  EXPECT_NE(reg->find("a"), nullptr);  // reads see it at once
  EXPECT_TRUE(reported.empty());
  EXPECT_EQ(reg->pendingWrites(), 1u);
  runUntil([&] { return reported.size() == 1; });
  ASSERT_EQ(reported.size(), 1u);
  // Later changes are reported in the order they were made.
  FunctionState s = *reg->find("a");
  s.latest.timeout_s = 9;
  ASSERT_TRUE(reg->update(s, [&](Status ok) { reported.push_back("updated"); }).ok());
  ASSERT_TRUE(reg->remove("a", [&](Status ok) { reported.push_back("removed"); }).ok());
  ASSERT_TRUE(reg->create(record("b"), [&](Status ok) { reported.push_back("b"); }).ok());
  runUntil([&] { return reported.size() == 4; });
  EXPECT_EQ(reported, (std::vector<std::string>{"created", "updated", "removed", "b"}));
  EXPECT_EQ(reg->pendingWrites(), 0u);
  EXPECT_EQ(onDisk(), inMemory(*reg));
  EXPECT_EQ(onDisk().count("a"), 0u);
}

TEST_F(RegistryTest, SurvivesReopenOfTheSameFile) {
  {
    auto reg = openRegistry();
    FunctionState s = record("keep");
    s.latest.environment = std::map<std::string, std::string>{};
    s.latest.tags = {{"team", "x"}};
    FunctionRecord v1 = s.latest;
    v1.version = "1";
    s.versions[1] = v1;
    s.last_version = 1;
    s.aliases["live"] = {"live", "1", "desc", {{"2", 0.25}}, "arev"};
    s.reserved_concurrency = 5;
    s.provisioned["live"] = {2, 1234};
    ASSERT_TRUE(reg->create(s, nullptr).ok());
    ASSERT_TRUE(reg->create(record("gone"), nullptr).ok());
    ASSERT_TRUE(reg->remove("gone", nullptr).ok());
  }
  openWriter();  // stopping the writer commits what was queued
  auto reg = openRegistry();
  ASSERT_TRUE(reg);
  ASSERT_EQ(reg->size(), 1u);
  const FunctionState* s = reg->find("keep");
  ASSERT_NE(s, nullptr);
  const FunctionRecord* r = &s->latest;
  EXPECT_EQ(s->version("1")->version, "1");
  EXPECT_EQ(s->version("2"), nullptr);
  EXPECT_EQ(s->last_version, 1);
  EXPECT_EQ(s->aliases.at("live").additional_weights.at("2"), 0.25);
  EXPECT_EQ(s->aliases.at("live").description, "desc");
  EXPECT_EQ(s->reserved_concurrency, 5);
  EXPECT_EQ(s->provisioned.at("live").requested, 2);
  EXPECT_EQ(reg->reservedConcurrencyTotal(), 5);
  EXPECT_EQ(r->code.size, 42u);
  EXPECT_EQ(r->revision_id, "rev-keep");
  ASSERT_TRUE(r->environment.has_value());  // an empty Environment stays distinct from none
  EXPECT_TRUE(r->environment->empty());
  EXPECT_EQ(r->tags.at("team"), "x");
}

TEST_F(RegistryTest, AFailedCommitUndoesItAndEveryLaterChangeThenWritesResume) {
  auto reg = openRegistry();
  ASSERT_TRUE(reg);
  FunctionState a = record("a");
  a.reserved_concurrency = 1;
  ASSERT_TRUE(reg->create(a, nullptr).ok());
  ASSERT_TRUE(reg->create(record("doomed"), nullptr).ok());
  settle(*reg);
  failWritesOf("bad");
  failWritesOf("doomed");
  std::vector<std::pair<std::string, bool>> undone;  // name, whether it existed before undo
  reg->setUndoListener([&](const std::string& name, const FunctionState* before) {
    undone.emplace_back(name, before != nullptr);
  });
  std::map<std::string, Status> results;
  auto result = [&](std::string key) {
    return [&results, key](Status s) { results.emplace(key, s); };
  };

  // One loop turn: a change, the failing one, and changes after it (some building on it).
  FunctionState a2 = *reg->find("a");
  a2.reserved_concurrency = 2;
  ASSERT_TRUE(reg->update(a2, result("a2")).ok());
  ASSERT_TRUE(reg->create(record("bad"), result("bad")).ok());
  FunctionState a3 = *reg->find("a");
  a3.reserved_concurrency = 3;
  ASSERT_TRUE(reg->update(a3, result("a3")).ok());
  ASSERT_TRUE(reg->create(record("c"), result("c")).ok());
  ASSERT_TRUE(reg->remove("doomed", result("doomed")).ok());
  EXPECT_EQ(reg->find("bad") != nullptr, true);
  EXPECT_EQ(reg->reservedConcurrencyTotal(), 3);
  runUntil([&] { return results.size() == 5; });
  ASSERT_EQ(results.size(), 5u);

  EXPECT_FALSE(results.at("bad").ok());
  EXPECT_EQ(results.at("bad").error().code, ErrorCode::kService);
  EXPECT_FALSE(results.at("a3").ok());
  EXPECT_FALSE(results.at("c").ok());
  EXPECT_FALSE(results.at("doomed").ok());
  // Memory is what the disk holds: "a2" may have committed alone, before the failing group.
  EXPECT_EQ(inMemory(*reg), onDisk());
  EXPECT_EQ(reg->find("bad"), nullptr);
  EXPECT_EQ(reg->find("c"), nullptr);
  EXPECT_NE(reg->find("doomed"), nullptr);
  EXPECT_EQ(reg->reservedConcurrencyTotal(), results.at("a2").ok() ? 2 : 1);
  EXPECT_EQ(reg->pendingWrites(), 0u);
  std::map<std::string, bool> heard(undone.begin(), undone.end());
  EXPECT_EQ(heard.at("bad"), true);
  EXPECT_EQ(heard.at("c"), true);
  EXPECT_EQ(heard.at("doomed"), false);  // it was removed in memory, then put back
  EXPECT_EQ(heard.at("a"), true);

  // Later changes are written again.
  bool later = false;
  ASSERT_TRUE(reg->create(record("later"), [&](Status s) { later = s.ok(); }).ok());
  runUntil([&] { return later; });
  EXPECT_TRUE(later);
  EXPECT_EQ(inMemory(*reg), onDisk());
}

TEST_F(RegistryTest, WhenDurableWaitsForEarlierChanges) {
  auto reg = openRegistry();
  ASSERT_TRUE(reg);
  std::vector<std::string> order;
  ASSERT_TRUE(reg->create(record("a"), [&](Status) { order.push_back("a"); }).ok());
  reg->whenDurable([&](Status s) {
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(onDisk().count("a"));
    order.push_back("fence");
  });
  runUntil([&] { return order.size() == 2; });
  EXPECT_EQ(order, (std::vector<std::string>{"a", "fence"}));
}

TEST_F(RegistryTest, ListPagesInNameOrder) {
  auto reg = openRegistry();
  for (const char* n : {"c", "a", "b", "d"}) ASSERT_TRUE(reg->create(record(n), nullptr).ok());
  auto first = reg->list("", 3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0]->name(), "a");
  EXPECT_EQ(first[2]->name(), "c");
  auto rest = reg->list("c", 3);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]->name(), "d");
}

}  // namespace
}  // namespace stratus::scheduler
