#include "runtime/base/db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace stratus {
namespace {

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-db-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/t.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(DbTest, PersistsAcrossReopenInWalMode) {
  {
    auto db = Db::open(path_);
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)->execScript("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").ok());
    ASSERT_TRUE((*db)->run("INSERT INTO t VALUES (?1, ?2)", {std::string("a"), int64_t{7}}).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(path_));
  auto db = Db::open(path_);
  ASSERT_TRUE(db.ok());
  std::string mode;
  (*db)->query("PRAGMA journal_mode", {}, [&](const DbRow& r) { mode = r.text(0); });
  EXPECT_EQ(mode, "wal");
  int64_t v = 0;
  ASSERT_TRUE((*db)->query("SELECT v FROM t WHERE k = ?1", {std::string("a")},
                           [&](const DbRow& r) { v = r.integer(0); }).ok());
  EXPECT_EQ(v, 7);
}

TEST_F(DbTest, TransactionRollsBackOnError) {
  auto db = Db::open(path_);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->execScript("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  Status s = (*db)->transaction([&]() -> Status {
    EXPECT_TRUE((*db)->run("INSERT INTO t VALUES ('x')").ok());
    return Error::conflict("stop");
  });
  EXPECT_FALSE(s.ok());
  int64_t n = -1;
  (*db)->query("SELECT count(*) FROM t", {}, [&](const DbRow& r) { n = r.integer(0); });
  EXPECT_EQ(n, 0);
}

TEST_F(DbTest, ReportsErrorsInsteadOfThrowing) {
  auto db = Db::open(path_);
  ASSERT_TRUE(db.ok());
  Status s = (*db)->run("INSERT INTO missing VALUES (1)");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kService);
  EXPECT_FALSE(Db::open("/proc/nonexistent/dir/x.db").ok());
}

}  // namespace
}  // namespace stratus
