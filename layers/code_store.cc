#include "layers/code_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "layers/file_util.h"
#include "runtime/base/crypto.h"

namespace stratus::layers {
namespace {

bool isHexDigest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string hexToRaw(const std::string& hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    raw.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return raw;
}

bool isDirectory(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isRegularFile(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Error notFound(const std::string& hex) { return Error::notFound("No stored code with hash " + hex); }

Status ensureDirectory(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return Error::service("Cannot create " + path + ": " + error.message());
  return okStatus();
}

// Extracts into a staging name and publishes it with one no-replace rename, so bundles/<hex>
// either does not exist or is complete. Losing that rename to a concurrent put of the same
// content is success: the winner's tree is identical. Nothing here is fsynced (a bundle is a
// cache of its durable zip, see CodeStore::recover): a syncfs per bundle flushed the whole
// filesystem, every other writer's dirty pages included, and an fsync per extracted file
// costs one journal commit each for trees of thousands of files.
Status buildBundle(std::string_view zip_bytes, const std::string& bundles_dir,
                   const std::string& hex, const ArchiveLimits& limits) {
  const std::string staging = bundles_dir + "/." + hex + ".staging-" + uniqueSuffix();
  auto extracted = extractZip(zip_bytes, staging, limits);
  if (!extracted.ok()) return extracted.error();
  auto remove_staging = [&] {
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
  };
  const std::string bundle = bundles_dir + "/" + hex;
  if (renameNoReplace(staging, bundle) != 0) {
    const int err = errno;
    remove_staging();
    if (err == EEXIST || err == ENOTEMPTY) return okStatus();
    return Error::service("Cannot rename " + staging + ": " + std::strerror(err));
  }
  return okStatus();
}

// The kernel's id for this boot; "" if it cannot be read (then bundles are never trusted
// across a restart).
std::string currentBootId() {
  auto id = readWholeFile("/proc/sys/kernel/random/boot_id");
  if (!id.ok()) return "";
  std::string text = std::move(id).value();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

CodeStore::CodeStore(std::string root, ArchiveLimits limits)
    : root_(std::move(root)), limits_(limits) {}

Status CodeStore::recover() { return recoverAs(currentBootId()); }

Status CodeStore::recoverAs(const std::string& boot_id) {
  const std::string zips_dir = root_ + "/zips";
  const std::string bundles_dir = root_ + "/bundles";
  const std::string marker = ".boot-id";
  if (Status s = ensureDirectory(zips_dir); !s.ok()) return s;
  if (Status s = ensureDirectory(bundles_dir); !s.ok()) return s;
  // The folders' own entries, once, so a zip's rename into zips/ always has a durable parent.
  if (Status s = fsyncDirectory(root_); !s.ok()) return s;

  auto recorded = readWholeFile(bundles_dir + "/" + marker);
  const bool same_boot = !boot_id.empty() && recorded.ok() && *recorded == boot_id;
  std::error_code error;
  if (same_boot) {
    // Staging trees of extractions a killed server did not finish.
    for (const auto& entry : std::filesystem::directory_iterator(bundles_dir, error)) {
      const std::string name = entry.path().filename().string();
      if (name.front() == '.' && name.find(".staging-") != std::string::npos) {
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);
      }
    }
    if (error) return Error::service("Cannot list " + bundles_dir + ": " + error.message());
    return okStatus();
  }
  // Another boot built these bundles (or we cannot tell): move them aside in one rename, so a
  // crash while deleting them leaves nothing that looks like a bundle, then delete them.
  const std::string discarded = root_ + "/.bundles-discarded-" + uniqueSuffix();
  if (::rename(bundles_dir.c_str(), discarded.c_str()) != 0) {
    return Error::service("Cannot rename " + bundles_dir + ": " + std::strerror(errno));
  }
  for (const auto& entry : std::filesystem::directory_iterator(root_, error)) {
    if (entry.path().filename().string().rfind(".bundles-discarded-", 0) == 0) {
      std::error_code ignored;
      std::filesystem::remove_all(entry.path(), ignored);
    }
  }
  if (Status s = ensureDirectory(bundles_dir); !s.ok()) return s;
  if (boot_id.empty()) return okStatus();
  return writeFileDurably(bundles_dir, marker, boot_id, 0644);
}

Result<StoredCode> CodeStore::put(std::string_view zip_bytes) {
  const std::string raw = sha256Raw(zip_bytes);
  StoredCode code;
  code.sha256_hex = hexEncode(raw);
  code.sha256_base64 = base64Encode(raw);
  code.size = zip_bytes.size();
  const std::string zips_dir = root_ + "/zips";
  const std::string bundles_dir = root_ + "/bundles";
  code.zip_path = zips_dir + "/" + code.sha256_hex + ".zip";
  code.bundle_dir = bundles_dir + "/" + code.sha256_hex;

  if (Status s = ensureDirectory(zips_dir); !s.ok()) return s.error();
  if (Status s = ensureDirectory(bundles_dir); !s.ok()) return s.error();
  // Extract before storing the zip: only content that extracts is ever acknowledged.
  if (!isDirectory(code.bundle_dir)) {
    if (Status s = buildBundle(zip_bytes, bundles_dir, code.sha256_hex, limits_); !s.ok()) {
      return s.error();
    }
  }
  if (!isRegularFile(code.zip_path)) {
    Status s = writeFileDurably(zips_dir, code.sha256_hex + ".zip", zip_bytes, 0644);
    if (!s.ok()) return s.error();
  }
  auto stats = statZip(zip_bytes);
  if (!stats.ok()) return stats.error();
  code.unzipped_bytes = stats->unzipped_bytes;
  return code;
}

Result<StoredCode> CodeStore::get(const std::string& sha256_hex) {
  if (!isHexDigest(sha256_hex)) return notFound(sha256_hex);
  StoredCode code;
  code.sha256_hex = sha256_hex;
  code.sha256_base64 = base64Encode(hexToRaw(sha256_hex));
  const std::string bundles_dir = root_ + "/bundles";
  code.zip_path = root_ + "/zips/" + sha256_hex + ".zip";
  code.bundle_dir = bundles_dir + "/" + sha256_hex;

  struct stat st;
  if (::lstat(code.zip_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return notFound(sha256_hex);
  }
  code.size = static_cast<uint64_t>(st.st_size);
  if (!isDirectory(code.bundle_dir)) {
    auto bytes = readWholeFile(code.zip_path);
    if (!bytes.ok()) return bytes.error();
    if (Status s = ensureDirectory(bundles_dir); !s.ok()) return s.error();
    if (Status s = buildBundle(*bytes, bundles_dir, sha256_hex, limits_); !s.ok()) {
      return s.error();
    }
  }
  auto stats = statZipFile(code.zip_path);
  if (!stats.ok()) return stats.error();
  code.unzipped_bytes = stats->unzipped_bytes;
  return code;
}

Result<std::string> CodeStore::readZip(const std::string& sha256_hex) const {
  if (!isHexDigest(sha256_hex)) return notFound(sha256_hex);
  auto bytes = readWholeFile(root_ + "/zips/" + sha256_hex + ".zip");
  if (!bytes.ok() && bytes.error().code == ErrorCode::kResourceNotFound) {
    return notFound(sha256_hex);
  }
  return bytes;
}

namespace {

// Bytes under `path` (a file or a tree), best effort.
uint64_t treeBytes(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_regular_file(std::filesystem::symlink_status(path, error))) {
    return std::filesystem::file_size(path, error);
  }
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error) && !it->is_symlink(error)) {
      auto size = it->file_size(error);
      if (!error) total += size;
    }
  }
  return total;
}

}  // namespace

uint64_t CodeStore::sweepUnreferenced(const std::set<std::string>& referenced,
                                      const std::set<std::string>& opt_trees) {
  uint64_t removed = 0;
  auto remove = [&removed](const std::filesystem::path& path) {
    removed += treeBytes(path);
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  };
  std::error_code error;
  // Bundles first: a kill midway then never leaves a bundle whose zip is gone.
  for (const auto& entry : std::filesystem::directory_iterator(root_ + "/bundles", error)) {
    const std::string name = entry.path().filename().string();
    if (name == ".boot-id") continue;
    bool keep = name.rfind("opt-", 0) == 0 ? opt_trees.count(name) > 0
                                           : isHexDigest(name) && referenced.count(name) > 0;
    if (!keep) remove(entry.path());
  }
  for (const auto& entry : std::filesystem::directory_iterator(root_ + "/zips", error)) {
    const std::string name = entry.path().filename().string();
    // "<hex>.zip"; anything else is a staging file (".<hex>.zip.tmp-XXXXXX") or a stranger.
    bool keep = name.size() == 64 + 4 && name.compare(64, 4, ".zip") == 0 &&
                referenced.count(name.substr(0, 64)) > 0;
    if (!keep) remove(entry.path());
  }
  return removed;
}

}  // namespace stratus::layers
