#include "layers/code_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "runtime/base/crypto.h"
#include "tests/layers/zip_test_util.h"

namespace stratus::layers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::exists;
using testing::listDir;
using testing::pythonZip;
using testing::readFile;
using testing::TempDir;

class CodeStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zip_ = new std::string(pythonZip(
        "add(zf, 'index.js', 'exports.handler = async () => 1;')\n"
        "add(zf, 'node_modules/dep/index.js', 'module.exports = 2;')\n"
        "symlink(zf, 'node_modules/.bin/dep', '../dep/index.js')\n"
        "for i in range(50): add(zf, 'many/f%d.txt' % i, 'x' * i)\n"));
  }
  static void TearDownTestSuite() { delete zip_; }

  std::string root() const { return dir_ / "store"; }

  static std::string* zip_;
  TempDir dir_;
};

std::string* CodeStoreTest::zip_ = nullptr;

TEST_F(CodeStoreTest, PutStoresZipAndBundleContentAddressed) {
  CodeStore store(root());
  auto code = store.put(*zip_);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(code->sha256_hex, sha256Hex(*zip_));
  EXPECT_EQ(code->sha256_base64, base64Encode(sha256Raw(*zip_)));
  EXPECT_EQ(code->size, zip_->size());
  EXPECT_EQ(code->unzipped_bytes, 32u + 19 + 15 + 49 * 50 / 2);
  EXPECT_EQ(code->zip_path, root() + "/zips/" + code->sha256_hex + ".zip");
  EXPECT_EQ(code->bundle_dir, root() + "/bundles/" + code->sha256_hex);
  EXPECT_EQ(readFile(code->zip_path), *zip_);
  EXPECT_EQ(readFile(code->bundle_dir + "/node_modules/.bin/dep"), "module.exports = 2;");
  // Nothing else in the store: no staging dirs, no temp files.
  EXPECT_THAT(listDir(root() + "/zips"), ElementsAre(code->sha256_hex + ".zip"));
  EXPECT_THAT(listDir(root() + "/bundles"), ElementsAre(code->sha256_hex));
}

TEST_F(CodeStoreTest, PutIsIdempotent) {
  CodeStore store(root());
  auto first = store.put(*zip_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  struct stat before;
  ASSERT_EQ(::stat(first->bundle_dir.c_str(), &before), 0);
  auto second = store.put(*zip_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  struct stat after;
  ASSERT_EQ(::stat(second->bundle_dir.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not extracted again
  EXPECT_EQ(first->sha256_base64, second->sha256_base64);
  EXPECT_EQ(first->unzipped_bytes, second->unzipped_bytes);
  EXPECT_THAT(listDir(root() + "/bundles"), ElementsAre(first->sha256_hex));
}

TEST_F(CodeStoreTest, DifferentContentGetsItsOwnEntries) {
  CodeStore store(root());
  auto a = store.put(*zip_);
  auto b = store.put(pythonZip("add(zf, 'other.js', 'other')"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->sha256_hex, b->sha256_hex);
  EXPECT_EQ(readFile(b->bundle_dir + "/other.js"), "other");
  EXPECT_EQ(listDir(root() + "/bundles").size(), 2u);
}

TEST_F(CodeStoreTest, RejectedZipLeavesNothing) {
  CodeStore store(root());
  auto bad = store.put("not a zip");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParameterValue);
  auto evil = store.put(pythonZip("add(zf, '../evil', 'x')"));
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.error().code, ErrorCode::kInvalidParameterValue);
  EXPECT_THAT(listDir(root() + "/zips"), IsEmpty());
  EXPECT_THAT(listDir(root() + "/bundles"), IsEmpty());
  EXPECT_FALSE(exists(root() + "/evil"));
}

TEST_F(CodeStoreTest, StoreLimitsApply) {
  ArchiveLimits limits;
  limits.max_unzipped_bytes = 100;
  CodeStore store(root(), limits);
  auto code = store.put(*zip_);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().message, "Unzipped size must be smaller than 100 bytes");
}

TEST_F(CodeStoreTest, ConcurrentPutsOfSameContent) {
  CodeStore store(root());
  CodeStore other(root());  // a second instance on the same root races the same way
  std::vector<Result<StoredCode>> results(4, Error::service("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = (i % 2 == 0 ? store : other).put(*zip_); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->sha256_hex, sha256Hex(*zip_));
  }
  const std::string hex = sha256Hex(*zip_);
  EXPECT_THAT(listDir(root() + "/zips"), ElementsAre(hex + ".zip"));
  EXPECT_THAT(listDir(root() + "/bundles"), ElementsAre(hex));
  EXPECT_EQ(readFile(root() + "/zips/" + hex + ".zip"), *zip_);
  EXPECT_EQ(readFile(root() + "/bundles/" + hex + "/index.js"),
            "exports.handler = async () => 1;");
  EXPECT_EQ(listDir(root() + "/bundles/" + hex + "/many").size(), 50u);
}

TEST_F(CodeStoreTest, GetReextractsMissingBundle) {
  CodeStore store(root());
  auto put = store.put(*zip_);
  ASSERT_TRUE(put.ok()) << put.error().message;
  std::filesystem::remove_all(put->bundle_dir);

  CodeStore reopened(root());  // as after a restart
  auto got = reopened.get(put->sha256_hex);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->sha256_base64, put->sha256_base64);
  EXPECT_EQ(got->size, put->size);
  EXPECT_EQ(got->unzipped_bytes, put->unzipped_bytes);
  EXPECT_EQ(got->zip_path, put->zip_path);
  EXPECT_EQ(got->bundle_dir, put->bundle_dir);
  EXPECT_EQ(readFile(got->bundle_dir + "/index.js"), "exports.handler = async () => 1;");
  EXPECT_THAT(listDir(root() + "/bundles"), ElementsAre(put->sha256_hex));

  auto again = reopened.get(put->sha256_hex);  // bundle present: nothing to do
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unzipped_bytes, put->unzipped_bytes);
}

TEST_F(CodeStoreTest, RecoverKeepsBundlesOfThisBootAndDropsStagingLeftovers) {
  CodeStore store(root());
  ASSERT_TRUE(store.recoverAsBootForTest("boot-a").ok());
  auto put = store.put(*zip_);
  ASSERT_TRUE(put.ok()) << put.error().message;
  struct stat before;
  ASSERT_EQ(::stat(put->bundle_dir.c_str(), &before), 0);
  // What a server killed mid-extraction leaves behind.
  const std::string staging = root() + "/bundles/." + put->sha256_hex + ".staging-123-4-5";
  ASSERT_TRUE(std::filesystem::create_directories(staging + "/sub"));

  CodeStore restarted(root());  // SIGKILL and restart: same boot, the page cache survived
  ASSERT_TRUE(restarted.recoverAsBootForTest("boot-a").ok());
  struct stat after;
  ASSERT_EQ(::stat(put->bundle_dir.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // kept, not rebuilt
  EXPECT_FALSE(exists(staging));
  EXPECT_THAT(listDir(root() + "/bundles"), ElementsAre(".boot-id", put->sha256_hex));
}

TEST_F(CodeStoreTest, RecoverAfterAnotherBootDiscardsBundlesAndGetRebuildsThem) {
  CodeStore store(root());
  ASSERT_TRUE(store.recoverAsBootForTest("boot-a").ok());
  auto put = store.put(*zip_);
  ASSERT_TRUE(put.ok()) << put.error().message;
  // A machine crash can leave a published bundle with short files: simulate one.
  { std::ofstream(put->bundle_dir + "/index.js", std::ios::trunc); }

  CodeStore rebooted(root());
  ASSERT_TRUE(rebooted.recoverAsBootForTest("boot-b").ok());
  EXPECT_FALSE(exists(put->bundle_dir));
  EXPECT_THAT(listDir(root() + "/bundles"), ElementsAre(".boot-id"));
  EXPECT_EQ(readFile(root() + "/bundles/.boot-id"), "boot-b");
  EXPECT_THAT(listDir(root()), ElementsAre("bundles", "zips"));  // the discarded tree is gone
  auto got = rebooted.get(put->sha256_hex);  // the zip is durable: the bundle comes back whole
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(readFile(got->bundle_dir + "/index.js"), "exports.handler = async () => 1;");

  CodeStore unknown(root());  // no boot id to compare: nothing is trusted
  ASSERT_TRUE(unknown.recoverAsBootForTest("").ok());
  EXPECT_FALSE(exists(put->bundle_dir));
  EXPECT_TRUE(unknown.recover().ok());  // the real boot id
  EXPECT_TRUE(unknown.put(*zip_).ok());
}

TEST_F(CodeStoreTest, GetUnknownOrMalformedHashIsNotFound) {
  CodeStore store(root());
  ASSERT_TRUE(store.put(*zip_).ok());
  EXPECT_EQ(store.get(std::string(64, 'a')).error().code, ErrorCode::kResourceNotFound);
  EXPECT_EQ(store.get("../../etc/passwd").error().code, ErrorCode::kResourceNotFound);
  EXPECT_EQ(store.get(std::string(64, 'A')).error().code, ErrorCode::kResourceNotFound);
  EXPECT_EQ(store.readZip(std::string(64, 'b')).error().code, ErrorCode::kResourceNotFound);
  EXPECT_EQ(store.readZip("..").error().code, ErrorCode::kResourceNotFound);
}

TEST_F(CodeStoreTest, ReadZipRoundTrip) {
  CodeStore store(root());
  auto code = store.put(*zip_);
  ASSERT_TRUE(code.ok());
  auto bytes = store.readZip(code->sha256_hex);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(*bytes, *zip_);
}

}  // namespace
}  // namespace stratus::layers
