// The stratus command's pure parts: what `stratus deploy` reads from a folder
// (.stratusignore's gitignore rules, the runtime and handler a layout implies) and
// `stratus logs --since`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "triggers/cli/coldstart_command.h"
#include "triggers/cli/deploy_defaults.h"
#include "triggers/cli/folder_zip.h"
#include "triggers/cli/logs_command.h"

namespace stratus::triggers::cli {
namespace {

namespace fs = std::filesystem;

TEST(IgnoreRules, GitignoreBasics) {
  IgnoreRules r = IgnoreRules::parse("# comment\n\n*.log\nbuild/\n/secret.txt\ndocs/**/draft.md\n!keep.log\n");
  EXPECT_TRUE(r.ignored("a.log", false));
  EXPECT_TRUE(r.ignored("deep/down/b.log", false)) << "a pattern without a slash matches at any depth";
  EXPECT_FALSE(r.ignored("keep.log", false)) << "a later ! re-includes";
  EXPECT_TRUE(r.ignored("build", true));
  EXPECT_FALSE(r.ignored("build", false)) << "a trailing slash matches directories only";
  EXPECT_TRUE(r.ignored("src/build", true));
  EXPECT_TRUE(r.ignored("secret.txt", false));
  EXPECT_FALSE(r.ignored("sub/secret.txt", false)) << "a leading slash anchors to the folder";
  EXPECT_TRUE(r.ignored("docs/draft.md", false));
  EXPECT_TRUE(r.ignored("docs/a/b/draft.md", false));
  EXPECT_FALSE(r.ignored("index.js", false));
  EXPECT_FALSE(IgnoreRules::parse("").ignored("anything", false));
}

class FolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("stratus-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(FolderTest, NodeFromPackageJsonMainAndEngines) {
  write("package.json", R"({"main": "src/app.js", "engines": {"node": ">=18 <23"}})");
  write("src/app.js", "exports.main = async () => 1;\n");
  DeployDefaults d = inferDefaults(dir_.string());
  EXPECT_EQ(d.runtime, "nodejs18.x");
  EXPECT_EQ(d.handler, "src/app.main") << "the name the file really exports";
}

TEST_F(FolderTest, NodeEntryFilesAndTheHandlerName) {
  write("index.mjs", "export async function handler(event) { return event; }\n");
  DeployDefaults d = inferDefaults(dir_.string());
  EXPECT_EQ(d.runtime, "nodejs20.x");
  EXPECT_EQ(d.handler, "index.handler");
}

TEST_F(FolderTest, PythonAndBootstrap) {
  write("app.py", "import json\n\ndef handler(event, context):\n    return event\n");
  EXPECT_EQ(inferDefaults(dir_.string()).handler, "app.handler");
  EXPECT_EQ(inferDefaults(dir_.string()).runtime, "python3.12");
  write("bootstrap", "#!/bin/sh\n");
  EXPECT_EQ(inferDefaults(dir_.string()).runtime, "provided.al2023") << "a bootstrap wins";
}

TEST_F(FolderTest, NothingKnownLeavesTheFlagsToTheUser) {
  write("README.md", "hello");
  EXPECT_EQ(inferDefaults(dir_.string()).runtime, "");
}

TEST_F(FolderTest, ZipCountsWhatIsKeptAndRefusesAnEmptyResult) {
  write("index.js", "exports.handler = async () => 1;");
  write("big.log", std::string(1000, 'x'));
  write(".stratusignore", "*.log\n");
  auto z = zipFolder(dir_.string());
  ASSERT_TRUE(z.ok()) << z.error().message;
  EXPECT_EQ(z->files, 1u);
  EXPECT_EQ(z->bytes.substr(0, 2), "PK");
  write(".stratusignore", "*\n");
  EXPECT_FALSE(zipFolder(dir_.string()).ok());
  EXPECT_FALSE(zipFolder((dir_ / "missing").string()).ok());
}

TEST(NameFromFolder, KeepsLambdasCharacters) {
  EXPECT_EQ(nameFromFolder("/tmp/my app.v2"), "my-app-v2");
  EXPECT_EQ(nameFromFolder(std::string(100, 'a')).size(), 64u);
}

TEST(ParseSince, DurationsAndEpochMilliseconds) {
  constexpr int64_t kNow = 1'700'000'000'000;
  EXPECT_EQ(parseSince("30s", kNow), kNow - 30'000);
  EXPECT_EQ(parseSince("10m", kNow), kNow - 600'000);
  EXPECT_EQ(parseSince("2h", kNow), kNow - 7'200'000);
  EXPECT_EQ(parseSince("1d", kNow), kNow - 86'400'000);
  EXPECT_EQ(parseSince("1699999999000", kNow), 1'699'999'999'000);
  for (const char* bad : {"", "m", "5q", "-5m", "1.5h", "99999999999m", "12345678901234567890"}) {
    EXPECT_FALSE(parseSince(bad, kNow).has_value()) << bad;
  }
}

TEST(Percentile, InterpolatesBetweenClosestRanks) {
  EXPECT_EQ(percentile({}, 50), 0);
  EXPECT_EQ(percentile({7}, 99), 7);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 0), 1);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 100), 4);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({10, 20, 30, 40, 50}, 90), 46);
}

TEST(ColdstartSvg, OnePanelPerGroup) {
  ColdSamples a{"f @ 128 MB", {10, 12, 30}, {8, 9, 25}, {1, 1, 1}, 0};
  ColdSamples b{"f @ 512 MB", {5, 6}, {4, 4}, {1, 1}, 0};
  std::string svg = coldstartSvg({a, b});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("f @ 128 MB (n=3"), std::string::npos);
  EXPECT_NE(svg.find("f @ 512 MB (n=2"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace stratus::triggers::cli
