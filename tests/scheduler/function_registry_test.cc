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
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
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
  std::string dir_;
};

TEST_F(RegistryTest, CreateFindUpdateRemove) {
  auto db = Db::open(dir_ + "/s.db");
  ASSERT_TRUE(db.ok());
  auto reg = FunctionRegistry::open(**db);
  ASSERT_TRUE(reg.ok());
  ASSERT_TRUE((*reg)->create(record("a")).ok());
  Status dup = (*reg)->create(record("a"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kResourceConflict);
  EXPECT_EQ(dup.error().message, "Function already exist: a");

  FunctionState changed = *(*reg)->find("a");
  changed.latest.memory_mb = 512;
  changed.latest.environment = std::map<std::string, std::string>{{"K", "v"}};
  ASSERT_TRUE((*reg)->update(changed).ok());
  EXPECT_EQ((*reg)->find("a")->latest.memory_mb, 512);

  EXPECT_EQ((*reg)->update(record("missing")).error().code, ErrorCode::kResourceNotFound);
  ASSERT_TRUE((*reg)->remove("a").ok());
  EXPECT_EQ((*reg)->find("a"), nullptr);
  EXPECT_EQ((*reg)->remove("a").error().code, ErrorCode::kResourceNotFound);
}

TEST_F(RegistryTest, SurvivesReopenOfTheSameFile) {
  {
    auto db = Db::open(dir_ + "/s.db");
    auto reg = FunctionRegistry::open(**db);
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
    ASSERT_TRUE((*reg)->create(s).ok());
    ASSERT_TRUE((*reg)->create(record("gone")).ok());
    ASSERT_TRUE((*reg)->remove("gone").ok());
  }
  auto db = Db::open(dir_ + "/s.db");
  auto reg = FunctionRegistry::open(**db);
  ASSERT_TRUE(reg.ok());
  ASSERT_EQ((*reg)->size(), 1u);
  const FunctionState* s = (*reg)->find("keep");
  ASSERT_NE(s, nullptr);
  const FunctionRecord* r = &s->latest;
  EXPECT_EQ(s->version("1")->version, "1");
  EXPECT_EQ(s->version("2"), nullptr);
  EXPECT_EQ(s->last_version, 1);
  EXPECT_EQ(s->aliases.at("live").additional_weights.at("2"), 0.25);
  EXPECT_EQ(s->aliases.at("live").description, "desc");
  EXPECT_EQ(s->reserved_concurrency, 5);
  EXPECT_EQ(s->provisioned.at("live").requested, 2);
  EXPECT_EQ((*reg)->reservedConcurrencyTotal(), 5);
  EXPECT_EQ(r->code.size, 42u);
  EXPECT_EQ(r->revision_id, "rev-keep");
  ASSERT_TRUE(r->environment.has_value());  // an empty Environment stays distinct from none
  EXPECT_TRUE(r->environment->empty());
  EXPECT_EQ(r->tags.at("team"), "x");
}

TEST_F(RegistryTest, ListPagesInNameOrder) {
  auto db = Db::open(dir_ + "/s.db");
  auto reg = FunctionRegistry::open(**db);
  for (const char* n : {"c", "a", "b", "d"}) ASSERT_TRUE((*reg)->create(record(n)).ok());
  auto first = (*reg)->list("", 3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0]->name(), "a");
  EXPECT_EQ(first[2]->name(), "c");
  auto rest = (*reg)->list("c", 3);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]->name(), "d");
}

}  // namespace
}  // namespace stratus::scheduler
