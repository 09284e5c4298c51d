#include "layers/archive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>

#include "tests/layers/zip_test_util.h"

namespace stratus::layers {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::exists;
using testing::listDir;
using testing::modeOf;
using testing::pythonZip;
using testing::readFile;
using testing::TempDir;

constexpr char kCouldNotUnzip[] =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

class ArchiveTest : public ::testing::Test {
 protected:
  std::string dest() const { return dir_ / "out"; }

  Result<ExtractStats> extract(const std::string& zip, const ArchiveLimits& limits = {}) {
    return extractZip(zip, dest(), limits);
  }

  // Rejected with InvalidParameterValueException, and nothing left behind: no destination, no
  // temp sibling.
  void expectRejected(const std::string& zip, const std::string& message_part,
                      const ArchiveLimits& limits = {}) {
    auto result = extract(zip, limits);
    ASSERT_FALSE(result.ok()) << "extracted, but should not have";
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidParameterValue);
    EXPECT_THAT(result.error().message, HasSubstr(message_part));
    EXPECT_FALSE(exists(dest()));
    EXPECT_THAT(listDir(dir_.path()), ::testing::IsEmpty());
  }

  void expectUnsafe(const std::string& zip, const std::string& detail) {
    expectRejected(zip, detail);
    auto result = extract(zip);
    if (!result.ok()) {
      EXPECT_THAT(result.error().message, StartsWith(kCouldNotUnzip));
    }
  }

  TempDir dir_;
};

TEST_F(ArchiveTest, ExtractsNestedFilesAndDirectoriesWithModes) {
  const std::string zip = pythonZip(
      "add(zf, 'top.txt', 'top')\n"
      "add(zf, 'a/b/c/deep.txt', 'deep')\n"
      "add(zf, 'bin/run.sh', '#!/bin/sh\\n', 0o100755)\n"
      "add(zf, 'bin/owner_only_x', 'x', 0o100700)\n"
      "add(zf, 'empty/', '', 0o040700)\n"
      "add(zf, 'a/../flat.txt', 'flat')\n"
      "add(zf, './dot.txt', 'dot')\n");
  auto result = extract(zip);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->entries, 7u);
  EXPECT_EQ(result->unzipped_bytes, 3u + 4 + 10 + 1 + 4 + 3);

  EXPECT_EQ(readFile(dest() + "/top.txt"), "top");
  EXPECT_EQ(readFile(dest() + "/a/b/c/deep.txt"), "deep");
  EXPECT_EQ(readFile(dest() + "/flat.txt"), "flat");
  EXPECT_EQ(readFile(dest() + "/dot.txt"), "dot");
  EXPECT_EQ(modeOf(dest()) & 07777, 0755u);
  EXPECT_EQ(modeOf(dest() + "/a/b/c") & 07777, 0755u);
  EXPECT_TRUE(S_ISDIR(modeOf(dest() + "/empty")));
  EXPECT_EQ(modeOf(dest() + "/empty") & 07777, 0755u);
  EXPECT_EQ(modeOf(dest() + "/top.txt") & 07777, 0644u);
  EXPECT_EQ(modeOf(dest() + "/bin/run.sh") & 07777, 0755u);
  EXPECT_EQ(modeOf(dest() + "/bin/owner_only_x") & 07777, 0755u);
  // Only the destination is left in the parent: the temp sibling was renamed into place.
  EXPECT_THAT(listDir(dir_.path()), ::testing::ElementsAre("out"));

  auto stats = statZip(zip);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, result->entries);
  EXPECT_EQ(stats->unzipped_bytes, result->unzipped_bytes);
}

TEST_F(ArchiveTest, ExtractsZipMadeByInfoZipWithSymlinks) {
  TempDir src;
  ASSERT_EQ(std::system(("cd " + src.path() +
                         " && mkdir -p lib && printf hi > lib/real.js && chmod 755 lib/real.js"
                         " && ln -s real.js lib/alias.js && ln -s lib libdir"
                         " && zip -qry out.zip lib libdir")
                            .c_str()),
            0);
  auto result = extract(readFile(src / "out.zip"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(readFile(dest() + "/lib/real.js"), "hi");
  EXPECT_EQ(modeOf(dest() + "/lib/real.js") & 07777, 0755u);
  ASSERT_TRUE(S_ISLNK(modeOf(dest() + "/lib/alias.js")));
  ASSERT_TRUE(S_ISLNK(modeOf(dest() + "/libdir")));
  EXPECT_EQ(readFile(dest() + "/libdir/alias.js"), "hi");
}

TEST_F(ArchiveTest, EmptyZipIsValid) {
  auto result = extract(pythonZip("pass"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->entries, 0u);
  EXPECT_EQ(result->unzipped_bytes, 0u);
  EXPECT_TRUE(S_ISDIR(modeOf(dest())));
  EXPECT_THAT(listDir(dest()), ::testing::IsEmpty());
}

TEST_F(ArchiveTest, RejectsBytesThatAreNotAZip) {
  const std::string real = pythonZip("add(zf, 'a.txt', 'a' * 1000)");
  for (const std::string& bytes :
       {std::string("hello, not a zip"), std::string(), std::string(5000, '\0'),
        real.substr(0, real.size() / 2), std::string("PK\x03\x04garbage", 11)}) {
    auto result = extract(bytes);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidParameterValue);
    EXPECT_EQ(result.error().message, kCouldNotUnzip);
    EXPECT_THAT(listDir(dir_.path()), ::testing::IsEmpty());
  }
}

TEST_F(ArchiveTest, RejectsParentTraversal) {
  expectUnsafe(pythonZip("add(zf, 'ok.txt', 'x')\nadd(zf, '../evil', 'x')"),
               "\"../evil\" points outside");
  expectUnsafe(pythonZip("add(zf, 'a/../../evil', 'x')"), "points outside");
  expectUnsafe(pythonZip("add(zf, 'a/b/../../../evil', 'x')"), "points outside");
  EXPECT_FALSE(exists(dir_ / "evil"));
}

TEST_F(ArchiveTest, RejectsAbsolutePaths) {
  expectUnsafe(pythonZip("add(zf, '/tmp/stratus-abs-evil', 'x')"), "absolute path");
  EXPECT_FALSE(exists("/tmp/stratus-abs-evil"));
}

TEST_F(ArchiveTest, RejectsBackslashTricksButKeepsPlainBackslashNames) {
  expectUnsafe(pythonZip("add(zf, '..\\\\evil', 'x')"), "backslash");
  expectUnsafe(pythonZip("add(zf, 'a\\\\..\\\\..\\\\evil', 'x')"), "backslash");
  expectUnsafe(pythonZip("add(zf, '\\\\abs', 'x')"), "absolute path");
  // Old Windows tools write "dir\file": Lambda's unzip keeps the backslash as a character.
  auto result = extract(pythonZip("add(zf, 'dir\\\\file.js', 'x')"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(readFile(dest() + "/dir\\file.js"), "x");
}

TEST_F(ArchiveTest, RejectsNulInName) {
  expectUnsafe(pythonZip("add(zf, 'a@b.txt', 'x')",
                         "data = data.replace(b'a@b.txt', b'a\\x00b.txt')"),
               "NUL");
}

TEST_F(ArchiveTest, RejectsSymlinksLeavingTheTree) {
  expectUnsafe(pythonZip("symlink(zf, 'etc', '/etc')"), "absolute path");
  expectUnsafe(pythonZip("symlink(zf, 'up', '..')"), "points outside");
  expectUnsafe(pythonZip("symlink(zf, 'a/b/up', '../../../etc/passwd')"), "points outside");
  // "d/up" -> ".." is the root, fine alone; going through it and up again is not.
  expectUnsafe(pythonZip("symlink(zf, 'd/up', '..')\nsymlink(zf, 'esc', 'd/up/..')"),
               "after a directory name");
}

TEST_F(ArchiveTest, CreatesInTreeSymlinks) {
  auto result = extract(pythonZip(
      "add(zf, 'lib/real.js', 'real')\n"
      "symlink(zf, 'lib/alias.js', 'real.js')\n"
      "symlink(zf, 'd/up', '..')\n"
      "symlink(zf, 'd/e/lib', '../../lib')\n"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  char target[PATH_MAX] = {};
  ASSERT_GT(::readlink((dest() + "/lib/alias.js").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "real.js");
  EXPECT_EQ(readFile(dest() + "/d/e/lib/alias.js"), "real");
  EXPECT_EQ(readFile(dest() + "/d/up/lib/real.js"), "real");
}

TEST_F(ArchiveTest, NeverWritesThroughASymlink) {
  // The symlink is legal (it stays in the tree); writing through it is not.
  expectUnsafe(pythonZip(
                   "add(zf, 'sub/keep.txt', 'keep')\n"
                   "symlink(zf, 'link', 'sub')\n"
                   "add(zf, 'link/evil.txt', 'evil')\n"),
               "\"link/evil.txt\" would be written through a symlink");
  // A file with a symlink's name must not follow the symlink either.
  expectUnsafe(pythonZip(
                   "add(zf, 'target.txt', 'original')\n"
                   "symlink(zf, 'f', 'target.txt')\n"
                   "add(zf, 'f', 'overwritten')\n"),
               "would be written through a symlink");
  // Nor may a directory entry descend through a regular file.
  expectUnsafe(pythonZip("add(zf, 'x', 'file')\nadd(zf, 'x/y', 'nested')"),
               "would be written through a symlink or a file");
}

TEST_F(ArchiveTest, RejectsDevicesFifosAndSockets) {
  expectUnsafe(pythonZip("add(zf, 'pipe', '', 0o010644)"), "device, FIFO or socket");
  expectUnsafe(pythonZip("add(zf, 'tty', '', 0o020644)"), "device, FIFO or socket");
  expectUnsafe(pythonZip("add(zf, 'disk', '', 0o060644)"), "device, FIFO or socket");
  expectUnsafe(pythonZip("add(zf, 'sock', '', 0o140644)"), "device, FIFO or socket");
}

TEST_F(ArchiveTest, LaterDuplicateOverwritesEarlierFile) {
  auto result = extract(pythonZip("add(zf, 'dup.txt', 'first')\nadd(zf, 'dup.txt', 'second')"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(readFile(dest() + "/dup.txt"), "second");
}

TEST_F(ArchiveTest, EnforcesEntryLimit) {
  ArchiveLimits limits;
  limits.max_entries = 10;
  const std::string body = "for i in range(N): add(zf, 'f%d' % i, 'x')";
  auto ten = extract(pythonZip("N = 10\n" + body), limits);
  ASSERT_TRUE(ten.ok()) << ten.error().message;
  std::filesystem::remove_all(dest());
  expectRejected(pythonZip("N = 11\n" + body), "11 entries; the limit is 10", limits);
}

TEST_F(ArchiveTest, MessageUsesConfiguredSizeLimit) {
  ArchiveLimits limits;
  limits.max_unzipped_bytes = 1000;
  expectRejected(pythonZip("add(zf, 'a', 'x' * 600)\nadd(zf, 'b', 'y' * 600)"),
                 "Unzipped size must be smaller than 1000 bytes", limits);
  auto fits = extract(pythonZip("add(zf, 'a', 'x' * 1000)"), limits);
  EXPECT_TRUE(fits.ok());
}

TEST_F(ArchiveTest, EnforcesCompressionRatioOnLargeEntries) {
  ArchiveLimits limits;
  limits.max_ratio = 10;
  expectRejected(pythonZip("add(zf, 'zeros', bytes(2 << 20))"),
                 "\"zeros\" has a compression ratio over 10 to 1", limits);
  // Small entries are exempt; incompressible large ones are fine.
  auto ok = extract(pythonZip("add(zf, 'small', bytes(1000))\nadd(zf, 'rand', os.urandom(2 << 20))"),
                    limits);
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST_F(ArchiveTest, RejectsCorruptData) {
  expectUnsafe(pythonZip("add(zf, 'f.txt', 'hello world', method=zipfile.ZIP_STORED)",
                         "data = data.replace(b'hello world', b'hello WORLD')"),
               "\"f.txt\" is corrupt");
}

TEST_F(ArchiveTest, RefusesExistingDestination) {
  std::filesystem::create_directory(dest());
  testing::writeFile(dest() + "/keep", "keep");
  auto result = extract(pythonZip("add(zf, 'a', 'a')"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kResourceConflict);
  EXPECT_EQ(readFile(dest() + "/keep"), "keep");
  EXPECT_THAT(listDir(dest()), ::testing::ElementsAre("keep"));
}

// 300 MiB of zeros: ~300 KiB compressed. Built once, shared by the two bomb tests.
const std::string& zeroBomb(bool lie) {
  static const std::string honest = pythonZip(
      "info = zipfile.ZipInfo('zeros.bin')\n"
      "info.compress_type = zipfile.ZIP_DEFLATED\n"
      "with zf.open(info, 'w') as f:\n"
      "    chunk = bytes(1 << 20)\n"
      "    for _ in range(300): f.write(chunk)\n");
  static const std::string lying = [] {
    // Declare 1000 bytes in both the local header and the central directory.
    std::string bytes = honest;
    auto put32 = [&](size_t at, uint32_t v) {
      for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    };
    const size_t local = bytes.find(std::string("PK\x03\x04", 4));
    const size_t central = bytes.rfind(std::string("PK\x01\x02", 4));
    EXPECT_EQ(local, 0u);
    EXPECT_NE(central, std::string::npos);
    put32(local + 22, 1000);
    put32(central + 24, 1000);
    return bytes;
  }();
  return lie ? lying : honest;
}

TEST_F(ArchiveTest, RejectsHonestlyDeclaredBombBeforeWriting) {
  const std::string& bomb = zeroBomb(false);
  const auto start = std::chrono::steady_clock::now();
  expectRejected(bomb, "Unzipped size must be smaller than 262144000 bytes");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(ArchiveTest, StopsBombWhoseDeclaredSizeLies) {
  const std::string& bomb = zeroBomb(true);
  auto stats = statZip(bomb);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->unzipped_bytes, 1000u);  // the lie passes every up-front check
  const auto start = std::chrono::steady_clock::now();
  expectUnsafe(bomb, "\"zeros.bin\" is larger than its declared size");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(ArchiveTest, StatZipFileReadsCentralDirectory) {
  const std::string zip = pythonZip("add(zf, 'a', 'abc')\nadd(zf, 'd/', '')\nsymlink(zf, 'l', 'a')");
  testing::writeFile(dir_ / "z.zip", zip);
  auto stats = statZipFile(dir_ / "z.zip");
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->entries, 3u);
  EXPECT_EQ(stats->unzipped_bytes, 4u);
  EXPECT_EQ(statZipFile(dir_ / "missing.zip").error().code, ErrorCode::kResourceNotFound);
}

}  // namespace
}  // namespace stratus::layers
