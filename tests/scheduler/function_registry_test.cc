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
  FunctionRecord record(const std::string& name) {
    FunctionRecord r;
    r.name = name;
    r.runtime = "nodejs20.x";
    r.handler = "index.handler";
    r.code = {"ab", "q80=", 42};
    r.revision_id = "rev-" + name;
    return r;
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

  FunctionRecord changed = *(*reg)->find("a");
  changed.memory_mb = 512;
  changed.environment = std::map<std::string, std::string>{{"K", "v"}};
  ASSERT_TRUE((*reg)->update(changed).ok());
  EXPECT_EQ((*reg)->find("a")->memory_mb, 512);

  EXPECT_EQ((*reg)->update(record("missing")).error().code, ErrorCode::kResourceNotFound);
  ASSERT_TRUE((*reg)->remove("a").ok());
  EXPECT_EQ((*reg)->find("a"), nullptr);
  EXPECT_EQ((*reg)->remove("a").error().code, ErrorCode::kResourceNotFound);
}

TEST_F(RegistryTest, SurvivesReopenOfTheSameFile) {
  {
    auto db = Db::open(dir_ + "/s.db");
    auto reg = FunctionRegistry::open(**db);
    FunctionRecord r = record("keep");
    r.environment = std::map<std::string, std::string>{};
    r.tags = {{"team", "x"}};
    ASSERT_TRUE((*reg)->create(r).ok());
    ASSERT_TRUE((*reg)->create(record("gone")).ok());
    ASSERT_TRUE((*reg)->remove("gone").ok());
  }
  auto db = Db::open(dir_ + "/s.db");
  auto reg = FunctionRegistry::open(**db);
  ASSERT_TRUE(reg.ok());
  ASSERT_EQ((*reg)->size(), 1u);
  const FunctionRecord* r = (*reg)->find("keep");
  ASSERT_NE(r, nullptr);
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
  EXPECT_EQ(first[0]->name, "a");
  EXPECT_EQ(first[2]->name, "c");
  auto rest = (*reg)->list("c", 3);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]->name, "d");
}

}  // namespace
}  // namespace stratus::scheduler
