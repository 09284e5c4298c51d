#include "layers/opt_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "tests/layers/zip_test_util.h"

namespace stratus::layers {
namespace {

using testing::exists;
using testing::listDir;
using testing::pythonZip;
using testing::readFile;
using testing::TempDir;

class OptBuilderTest : public ::testing::Test {
 protected:
  std::string root() const { return dir_ / "store"; }
  std::string put(const std::string& body) {
    auto code = store_.put(pythonZip(body));
    EXPECT_TRUE(code.ok()) << code.error().message;
    return code.ok() ? code->sha256_hex : "";
  }
  ino_t inode(const std::string& path) {
    struct stat st{};
    ::lstat(path.c_str(), &st);
    return st.st_ino;
  }

  TempDir dir_;
  CodeStore store_{root()};
};

TEST_F(OptBuilderTest, NoLayersIsNoOptAndOneLayerIsItsBundle) {
  ASSERT_TRUE(store_.recover().ok());
  auto none = buildOptTree(store_, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  std::string a = put("add(zf, 'a.txt', 'A')\n");
  auto one = buildOptTree(store_, {a});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, root() + "/bundles/" + a);
}

TEST_F(OptBuilderTest, LaterLayersWinAndTreesMerge) {
  ASSERT_TRUE(store_.recover().ok());
  std::string a = put("add(zf, 'same.txt', 'from A')\nadd(zf, 'dir/a.txt', 'A')\n"
                      "add(zf, 'was-dir/x.txt', 'x')\nsymlink(zf, 'link', 'dir/a.txt')\n");
  std::string b = put("add(zf, 'same.txt', 'from B')\nadd(zf, 'dir/b.txt', 'B')\n"
                      "add(zf, 'was-dir', 'now a file')\nadd(zf, 'link', 'no longer a link')\n");
  auto ab = buildOptTree(store_, {a, b});
  ASSERT_TRUE(ab.ok()) << ab.error().message;
  EXPECT_EQ(readFile(*ab + "/same.txt"), "from B");
  EXPECT_EQ(readFile(*ab + "/dir/a.txt"), "A");
  EXPECT_EQ(readFile(*ab + "/dir/b.txt"), "B");
  EXPECT_EQ(readFile(*ab + "/was-dir"), "now a file");
  EXPECT_EQ(readFile(*ab + "/link"), "no longer a link");
  // Hard links into the bundles: no file data copied.
  EXPECT_EQ(inode(*ab + "/dir/a.txt"), inode(root() + "/bundles/" + a + "/dir/a.txt"));
  EXPECT_EQ(inode(*ab + "/same.txt"), inode(root() + "/bundles/" + b + "/same.txt"));

  auto ba = buildOptTree(store_, {b, a});
  ASSERT_TRUE(ba.ok());
  EXPECT_NE(*ba, *ab);  // one tree per order
  EXPECT_EQ(readFile(*ba + "/same.txt"), "from A");
  EXPECT_EQ(readFile(*ba + "/was-dir/x.txt"), "x");
  char target[64] = {};
  ASSERT_GT(::readlink((*ba + "/link").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "dir/a.txt");
}

TEST_F(OptBuilderTest, BuiltOnceAndConcurrentBuildsAgree) {
  ASSERT_TRUE(store_.recover().ok());
  std::string a = put("add(zf, 'a.txt', 'A')\n");
  std::string b = put("add(zf, 'b.txt', 'B')\n");
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      auto t = buildOptTree(store_, {a, b});
      got[i] = t.ok() ? *t : "error: " + t.error().message;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  ino_t first = inode(got[0]);
  auto again = buildOptTree(store_, {a, b});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(inode(*again), first);  // the cached tree, not a rebuild
  // No staging folders left behind.
  for (const auto& name : listDir(root() + "/bundles")) {
    EXPECT_EQ(name.find(".staging-"), std::string::npos) << name;
  }
}

TEST_F(OptBuilderTest, RebuiltAfterAMachineCrashFromTheZips) {
  ASSERT_TRUE(store_.recoverAsBootForTest("boot-1").ok());
  std::string a = put("add(zf, 'a.txt', 'A')\n");
  std::string b = put("add(zf, 'b.txt', 'B')\n");
  auto before = buildOptTree(store_, {a, b});
  ASSERT_TRUE(before.ok());
  // Another boot: bundles and /opt trees are discarded, and come back on use.
  ASSERT_TRUE(store_.recoverAsBootForTest("boot-2").ok());
  EXPECT_FALSE(exists(*before));
  auto after = buildOptTree(store_, {a, b});
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(*after, *before);
  EXPECT_EQ(readFile(*after + "/b.txt"), "B");
}

TEST_F(OptBuilderTest, MissingLayerIsNotFound) {
  ASSERT_TRUE(store_.recover().ok());
  std::string a = put("add(zf, 'a.txt', 'A')\n");
  auto t = buildOptTree(store_, {a, std::string(64, 'f')});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kResourceNotFound);
}

}  // namespace
}  // namespace stratus::layers
