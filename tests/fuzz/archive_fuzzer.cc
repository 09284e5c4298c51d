// layers/archive: the input is the bytes of an uploaded zip, extracted with small limits into
// <scratch>/in/a/b/dest, a fresh directory tree that is removed after each input (the scratch
// directory is on /dev/shm when there is one: extraction writes real files). Checks:
//  - nothing is written outside dest: after the input, <scratch> holds only in/a/b/dest (or
//    in/a/b alone when extraction failed), so an entry that climbs up to three levels shows;
//    every symlink in dest resolves (through any chain of links) inside dest
//  - on failure nothing is left at dest, not even the temporary sibling, and the error is the
//    uploader's (InvalidParameterValue: a bad zip is never a 500)
//  - on success the limits held, statZip (the central directory alone) and statZipFile report
//    the same entries and bytes, the tree holds no more bytes than that, and holds only
//    directories (0755), regular files (0644 or 0755) and symlinks.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "layers/archive.h"

namespace {

namespace fs = std::filesystem;
using namespace stratus;

std::string g_scratch;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "archive invariant broken: %s (scratch %s kept)\n", what.c_str(), g_scratch.c_str());
  std::abort();
}

const std::string& scratch() {
  if (g_scratch.empty()) {
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string templ = base + "/stratus-fuzz-archive-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) fail("mkdtemp");
    g_scratch = templ;
    // Removed at exit unless an invariant broke (abort skips atexit, so the evidence stays).
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(g_scratch, ignored);
    });
  }
  return g_scratch;
}

// The names directly inside `dir`, which must be exactly `only` (or nothing when `only` is "").
void expectOnly(const fs::path& dir, const std::string& only) {
  size_t count = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++count;
    if (e.path().filename() != only) fail("written outside dest: " + e.path().string());
  }
  if (count != (only.empty() ? 0u : 1u)) fail(dir.string() + " does not hold just '" + only + "'");
}

bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

void checkTree(const fs::path& dest, const layers::ExtractStats& stats) {
  const fs::path real_dest = fs::canonical(dest);
  uint64_t bytes = 0, entries = 0;
  for (auto it = fs::recursive_directory_iterator(dest); it != fs::recursive_directory_iterator(); ++it) {
    ++entries;
    struct stat st;
    if (lstat(it->path().c_str(), &st) != 0) fail("lstat " + it->path().string());
    mode_t perm = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode)) {
      if (perm != 0755) fail("directory mode " + std::to_string(perm) + ": " + it->path().string());
    } else if (S_ISREG(st.st_mode)) {
      if (perm != 0644 && perm != 0755) fail("file mode " + std::to_string(perm) + ": " + it->path().string());
      bytes += static_cast<uint64_t>(st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      fs::path target = fs::read_symlink(it->path());
      bytes += target.native().size();
      if (target.is_absolute()) fail("absolute symlink " + it->path().string());
      fs::path lexical = (it->path().parent_path() / target).lexically_normal();
      if (!inside(dest.lexically_normal(), lexical)) fail("symlink leaves dest lexically: " + it->path().string());
      std::error_code ec;
      fs::path resolved = fs::weakly_canonical(it->path(), ec);
      if (!ec && !inside(real_dest, resolved)) fail("symlink resolves outside dest: " + it->path().string());
    } else {
      fail("neither file, directory nor symlink: " + it->path().string());
    }
  }
  if (bytes > stats.unzipped_bytes) fail("the tree holds more bytes than were counted");
  // Directories implied by file names add to the tree; repeated names take from it.
  (void)entries;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view zip(reinterpret_cast<const char*>(data), size);
  const fs::path base = scratch();
  const fs::path root = base / "in";
  const fs::path parent = root / "a" / "b";
  const fs::path dest = parent / "dest";
  fs::create_directories(parent);

  layers::ArchiveLimits limits;
  limits.max_unzipped_bytes = 2 * 1024 * 1024 + 1;  // just over the ratio check's floor (1 MiB)
  limits.max_entries = 100;
  limits.max_ratio = 1000;
  auto result = layers::extractZip(zip, dest.string(), limits);

  expectOnly(base, "in");
  expectOnly(root, "a");
  expectOnly(root / "a", "b");
  if (!result.ok()) {
    if (result.error().code != ErrorCode::kInvalidParameterValue) {
      fail("a bad zip earned a non-400 error: " + result.error().message);
    }
    if (result.error().message.empty()) fail("an error without a message");
    expectOnly(parent, "");
    // statZip plans the same entries without the limits: what it refuses, extraction refused.
  } else {
    expectOnly(parent, "dest");
    const layers::ExtractStats& s = *result;
    if (s.entries > limits.max_entries || s.unzipped_bytes > limits.max_unzipped_bytes) fail("limits exceeded");
    auto stat = layers::statZip(zip);
    if (!stat.ok()) fail("extracted, but statZip refuses: " + stat.error().message);
    if (stat->entries != s.entries || stat->unzipped_bytes != s.unzipped_bytes) fail("statZip disagrees");
    fs::path file = base / "upload.zip";
    {
      int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) fail("writing upload.zip");
      ::close(fd);
    }
    auto on_disk = layers::statZipFile(file.string());
    fs::remove(file);
    if (!on_disk.ok()) fail("extracted, but statZipFile refuses: " + on_disk.error().message);
    if (on_disk->entries != s.entries || on_disk->unzipped_bytes != s.unzipped_bytes) fail("statZipFile disagrees");
    checkTree(dest, s);
  }
  fs::remove_all(root);
  return 0;
}
