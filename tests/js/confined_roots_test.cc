// ConfinedRoots: the checks every file access of the bootstrap goes through.
#include "runtime/js/confined_roots.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace stratus::js {
namespace {

class ConfinedRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/stratus-roots-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = std::filesystem::canonical(pattern).string();
    std::filesystem::create_directories(dir_ + "/task/sub");
    std::filesystem::create_directories(dir_ + "/opt/nodejs");
    std::filesystem::create_directories(dir_ + "/taskother");
    std::ofstream(dir_ + "/task/sub/a.js") << "1";
    std::ofstream(dir_ + "/secret") << "2";
    std::ofstream(dir_ + "/taskother/b.js") << "3";
    std::filesystem::create_symlink(dir_ + "/secret", dir_ + "/task/link");
    std::filesystem::create_symlink(dir_ + "/task/sub/a.js", dir_ + "/task/inside-link");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ConfinedRootsTest, LexicalChecks) {
  ConfinedRoots roots(dir_ + "/task", dir_ + "/opt");
  EXPECT_TRUE(roots.lexicallyInside(dir_ + "/task"));
  EXPECT_TRUE(roots.lexicallyInside(dir_ + "/task/sub/a.js"));
  EXPECT_TRUE(roots.lexicallyInside(dir_ + "/opt/nodejs/x"));
  EXPECT_FALSE(roots.lexicallyInside(dir_ + "/taskother/b.js"));  // a prefix is not a parent
  EXPECT_FALSE(roots.lexicallyInside(dir_ + "/task/../secret"));
  EXPECT_FALSE(roots.lexicallyInside(dir_ + "/task/./sub"));
  EXPECT_FALSE(roots.lexicallyInside(dir_ + "/task//sub"));
  EXPECT_FALSE(roots.lexicallyInside("relative/path"));
  std::string with_nul = dir_ + "/task/sub/a.js";
  with_nul.push_back('\0');
  with_nul += "x";
  EXPECT_FALSE(roots.lexicallyInside(with_nul));
}

TEST_F(ConfinedRootsTest, ConfineFollowsSymlinks) {
  ConfinedRoots roots(dir_ + "/task", "");
  std::string real;
  EXPECT_TRUE(roots.confine(dir_ + "/task/sub/a.js", &real));
  EXPECT_EQ(real, dir_ + "/task/sub/a.js");
  EXPECT_TRUE(roots.confine(dir_ + "/task/inside-link", &real));
  EXPECT_EQ(real, dir_ + "/task/sub/a.js");
  EXPECT_FALSE(roots.confine(dir_ + "/task/link", &real));
  EXPECT_FALSE(roots.confine(dir_ + "/task/../secret", &real));
  EXPECT_FALSE(roots.confine(dir_ + "/task/missing.js", &real));
  EXPECT_FALSE(roots.confine(dir_ + "/opt/nodejs", &real));  // no opt root configured
}

TEST_F(ConfinedRootsTest, MissingRootsConfineNothing) {
  ConfinedRoots roots(dir_ + "/does-not-exist", "");
  std::string real;
  EXPECT_EQ(roots.taskRoot(), "");
  EXPECT_FALSE(roots.lexicallyInside("/"));
  EXPECT_FALSE(roots.confine("/etc/hostname", &real));
}

}  // namespace
}  // namespace stratus::js
