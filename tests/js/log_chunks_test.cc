// LogChunks: a call's log output costs memory in proportion to its bytes, never per line, and
// keeps its last MiB.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/js/log_line.h"

namespace stratus::js {
namespace {

std::string joined(const std::vector<std::string>& out) {
  std::string s;
  for (const auto& e : out) s += e + "\n";
  return s;
}

TEST(LogChunks, ManyLinesShareAFewEntries) {
  std::vector<std::string> out;
  LogChunks log;
  std::string expected;
  for (int i = 0; i < 10000; ++i) {
    std::string line = "line " + std::to_string(i);
    log.addLine(out, "req", line);
    expected += line + "\n";
  }
  EXPECT_EQ(joined(out), expected);  // the bytes are what a line-per-entry log would write
  EXPECT_LE(out.size(), expected.size() / LogChunks::kChunkBytes + 1);
  EXPECT_EQ(log.droppedBytes(), 0u);
}

TEST(LogChunks, RawTextSplitsAtNewlinesAsBefore) {
  std::vector<std::string> out;
  LogChunks log;
  log.addRaw(out, "req", "raw one\nraw two\n");
  log.addRaw(out, "req", "partial");
  log.addRaw(out, "req", "\n");
  log.addRaw(out, "req", "");
  EXPECT_EQ(joined(out), "raw one\nraw two\npartial\n\n");
}

TEST(LogChunks, SixteenMegabytesOfNewlinesKeepTheLastMebibyteInAFewEntries) {
  std::vector<std::string> out;
  LogChunks log;
  std::string newlines(16u << 20, '\n');
  log.addRaw(out, "req-1", newlines);
  size_t held = 0;
  for (const auto& e : out) held += e.capacity() + sizeof(std::string);
  EXPECT_LE(held, 3u * LogChunks::kKeptBytes);  // was 16 million strings (~570 MB)
  EXPECT_LE(out.size(), 2 * LogChunks::kKeptBytes / LogChunks::kChunkBytes + 2);
  ASSERT_FALSE(out.empty());
  EXPECT_NE(out.front().find("\treq-1\tWARN\t[stratus] "), std::string::npos) << out.front();
  EXPECT_NE(out.front().find(" bytes of earlier log output were dropped"), std::string::npos);
  size_t kept = 0;
  for (size_t i = 1; i < out.size(); ++i) kept += out[i].size() + 1;
  EXPECT_EQ(kept + log.droppedBytes(), newlines.size());
  EXPECT_LE(kept, LogChunks::kKeptBytes + LogChunks::kChunkBytes);
  EXPECT_GE(kept, LogChunks::kKeptBytes - LogChunks::kChunkBytes);
}

TEST(LogChunks, AHugeLineIsSplitAndItsTailKept) {
  std::vector<std::string> out;
  LogChunks log;
  std::string line(3 * LogChunks::kMaxLineBytes + 5, 'x');
  line.back() = 'y';
  log.addLine(out, "req", line);
  ASSERT_FALSE(out.empty());
  for (const auto& e : out) EXPECT_LE(e.size(), LogChunks::kMaxLineBytes + 200);
  EXPECT_EQ(out.back().back(), 'y');
  log.addLine(out, "req", "after");
  EXPECT_EQ(out.back().substr(out.back().size() - 5), "after");
}

}  // namespace
}  // namespace stratus::js
