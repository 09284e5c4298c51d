#include "layers/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "layers/file_util.h"
#include "layers/unique_fd.h"

namespace stratus::layers {
namespace {

constexpr std::string_view kCouldNotUnzip =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";
// Small entries may compress absurdly well (a 1 KiB file of spaces) and are harmless; the
// ratio only matters once the output is big enough to hurt.
constexpr uint64_t kRatioCheckMinBytes = 1 << 20;
constexpr uint64_t kMaxSymlinkTarget = 4095;  // PATH_MAX - 1
constexpr size_t kChunkBytes = 64 * 1024;

// Entry names come from the uploader: keep them short and free of control characters before
// they go into an error message (and from there into logs and HTTP bodies).
std::string printableName(std::string_view name) {
  std::string out;
  for (unsigned char c : name.substr(0, 200)) {
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > 200) out += "...";
  return out;
}

Error notAZip() { return Error::invalidParameter(std::string(kCouldNotUnzip)); }

Error unzipError(std::string_view detail) {
  return Error::invalidParameter(std::string(kCouldNotUnzip) + " " + std::string(detail));
}

Error entryError(std::string_view name, std::string_view problem) {
  return unzipError("Entry \"" + printableName(name) + "\" " + std::string(problem) + ".");
}

Error tooBig(const ArchiveLimits& limits) {
  return Error::invalidParameter("Unzipped size must be smaller than " +
                                 std::to_string(limits.max_unzipped_bytes) + " bytes");
}

Error systemError(std::string_view what, const std::string& path, int err) {
  return Error::service(std::string(what) + " " + path + ": " + std::strerror(err));
}

struct ZipDiscard {
  void operator()(zip_t* za) const { zip_discard(za); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

struct ZipFileClose {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileClose>;

Result<ZipPtr> openZipBytes(std::string_view bytes) {
  // libzip opens zero bytes as a new, empty archive; an upload of nothing is not a zip.
  if (bytes.empty()) return notAZip();
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return Error::service("zip_source_buffer_create failed");
  }
  // Not ZIP_CHECKCONS: it also compares each local header with the central directory
  // (timestamps, extra fields) and refuses zips real tools produce, e.g. ones whose local and
  // central modification times differ. Everything we act on (names, modes, sizes) comes from the
  // central directory, and every byte we write is checked against its CRC and declared size.
  zip_t* za = zip_open_from_source(source, ZIP_RDONLY, &error);
  zip_error_fini(&error);
  if (za == nullptr) {
    zip_source_free(source);
    return notAZip();
  }
  return ZipPtr(za);
}

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const unsigned char* p) {
  return static_cast<uint64_t>(le32(p)) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

// libzip turns a NUL inside an entry name into a space (so a name can never be cut short), which
// also hides it from us. A NUL in a name is never legitimate, so look at the raw central
// directory. Called only after libzip accepted the archive; anything this walk does not
// understand is left to libzip (returns false).
bool centralDirectoryHasNulInName(std::string_view zip) {
  const auto* data = reinterpret_cast<const unsigned char*>(zip.data());
  const uint64_t size = zip.size();
  if (size < 22) return false;
  const uint64_t lowest = size - 22 > 0xffff ? size - 22 - 0xffff : 0;
  uint64_t eocd = size;
  for (uint64_t i = size - 22 + 1; i-- > lowest;) {
    if (le32(data + i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == size) return false;
  uint64_t count = le16(data + eocd + 10);
  uint64_t offset = le32(data + eocd + 16);
  if ((count == 0xffff || offset == 0xffffffff) && eocd >= 20 &&
      le32(data + eocd - 20) == 0x07064b50) {
    const uint64_t zip64 = le64(data + eocd - 20 + 8);
    if (zip64 > size || size - zip64 < 56 || le32(data + zip64) != 0x06064b50) return false;
    count = le64(data + zip64 + 32);
    offset = le64(data + zip64 + 48);
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (offset > size || size - offset < 46 || le32(data + offset) != 0x02014b50) return false;
    const uint64_t name_len = le16(data + offset + 28);
    if (size - offset - 46 < name_len) return false;
    if (std::memchr(data + offset + 46, 0, name_len) != nullptr) return true;
    offset += 46 + name_len + le16(data + offset + 30) + le16(data + offset + 32);
  }
  return false;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The path an entry gets below the root, with "." and ".." resolved lexically (safe because
// extraction never follows a symlink, so the lexical path is the real one). Backslashes stay
// ordinary characters on disk, as with Lambda's Linux unzip, but a name that would leave the
// tree if they were read as separators (Windows tools write "..\x") is refused as well.
Result<std::vector<std::string>> normalizeName(const std::string& name) {
  if (name.empty()) return entryError(name, "has an empty name");
  if (name.front() == '/' || name.front() == '\\') return entryError(name, "has an absolute path");
  std::vector<std::string> path;
  for (std::string& part : split(name, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (path.empty()) return entryError(name, "points outside the extraction directory");
      path.pop_back();
      continue;
    }
    if (part.find('\\') != std::string::npos) {
      for (const std::string& piece : split(part, '\\')) {
        if (piece == "..") {
          return entryError(name, "uses a backslash path that points outside the extraction "
                                  "directory");
        }
      }
    }
    path.push_back(std::move(part));
  }
  return path;
}

// A symlink may only resolve inside the tree. Its target is checked lexically from the link's
// own (real, never symlinked) directory; ".." is allowed only as a prefix, because "a/.." after
// a component that is itself a symlink would climb from wherever that symlink points.
Status checkSymlinkTarget(const std::string& name, const std::string& target,
                          size_t parent_depth) {
  if (target.empty()) return entryError(name, "is a symlink with an empty target");
  if (target.find('\0') != std::string::npos) {
    return entryError(name, "is a symlink whose target contains a NUL character");
  }
  if (target.front() == '/') return entryError(name, "is a symlink to an absolute path");
  size_t ups = 0;
  bool descended = false;
  for (const std::string& part : split(target, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (descended) {
        return entryError(name, "is a symlink whose target uses \"..\" after a directory name");
      }
      ++ups;
    } else {
      descended = true;
    }
  }
  if (ups > parent_depth) {
    return entryError(name, "is a symlink that points outside the extraction directory");
  }
  return okStatus();
}

enum class EntryKind { kFile, kDirectory, kSymlink };

struct EntryPlan {
  zip_uint64_t index = 0;
  std::string name;               // as stored, for messages
  std::vector<std::string> path;  // below the root; empty is the root itself
  EntryKind kind = EntryKind::kFile;
  bool executable = false;
  uint64_t size = 0;  // declared, uncompressed
  uint64_t compressed_size = 0;
};

// Everything about an entry that the central directory tells, validated; nothing is read.
Result<EntryPlan> planEntry(zip_t* za, zip_uint64_t index) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, index, 0, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0 ||
      (st.valid & ZIP_STAT_SIZE) == 0 || (st.valid & ZIP_STAT_COMP_SIZE) == 0) {
    return notAZip();
  }
  EntryPlan plan;
  plan.index = index;
  plan.name = st.name;
  plan.size = st.size;
  plan.compressed_size = st.comp_size;
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) {
    return entryError(plan.name, "is encrypted");
  }
  auto path = normalizeName(plan.name);
  if (!path.ok()) return path.error();
  plan.path = std::move(path).value();

  const bool trailing_slash = plan.name.back() == '/';
  plan.kind = trailing_slash ? EntryKind::kDirectory : EntryKind::kFile;
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(za, index, 0, &opsys, &attributes) != 0) return notAZip();
  if (opsys == ZIP_OPSYS_UNIX) {
    const mode_t mode = attributes >> 16;
    switch (mode & S_IFMT) {
      case 0:  // no type recorded: a plain file (or a directory, by its trailing slash)
      case S_IFREG:
        break;
      case S_IFDIR:
        plan.kind = EntryKind::kDirectory;
        break;
      case S_IFLNK:
        if (trailing_slash) return entryError(plan.name, "is a symlink named like a directory");
        plan.kind = EntryKind::kSymlink;
        break;
      default:
        return entryError(plan.name, "is a device, FIFO or socket");
    }
    plan.executable = (mode & 0111) != 0;
  } else if (opsys == ZIP_OPSYS_DOS || opsys == ZIP_OPSYS_WINDOWS_NTFS ||
             opsys == ZIP_OPSYS_VFAT) {
    if ((attributes & 0x10) != 0) plan.kind = EntryKind::kDirectory;  // FILE_ATTRIBUTE_DIRECTORY
  }
  if (plan.kind != EntryKind::kDirectory && plan.path.empty()) {
    return entryError(plan.name, "has no file name");
  }
  if (plan.kind == EntryKind::kSymlink && plan.size > kMaxSymlinkTarget) {
    return entryError(plan.name, "is a symlink with a target longer than 4095 bytes");
  }
  return plan;
}

// Plans every entry and applies the limits that need no decompression: entry count, declared
// total, compression ratio. Refusing here means a bomb that declares its size costs nothing.
Result<std::vector<EntryPlan>> planArchive(zip_t* za, std::string_view raw,
                                           const ArchiveLimits* limits) {
  const zip_int64_t count = zip_get_num_entries(za, 0);
  if (count < 0) return notAZip();
  if (limits != nullptr && static_cast<uint64_t>(count) > limits->max_entries) {
    return unzipError("The file has " + std::to_string(count) + " entries; the limit is " +
                      std::to_string(limits->max_entries) + ".");
  }
  if (!raw.empty() && centralDirectoryHasNulInName(raw)) {
    return unzipError("An entry name contains a NUL character.");
  }
  std::vector<EntryPlan> plans;
  plans.reserve(static_cast<size_t>(count));
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    auto plan = planEntry(za, i);
    if (!plan.ok()) return plan.error();
    plans.push_back(std::move(plan).value());
  }
  if (limits == nullptr) return plans;
  uint64_t declared = 0;
  for (const EntryPlan& plan : plans) {
    if (plan.kind == EntryKind::kDirectory) continue;
    if (plan.size > limits->max_unzipped_bytes - declared) return tooBig(*limits);
    declared += plan.size;
  }
  for (const EntryPlan& plan : plans) {
    if (plan.kind == EntryKind::kDirectory || plan.size <= kRatioCheckMinBytes) continue;
    if (plan.size / std::max<uint64_t>(plan.compressed_size, 1) > limits->max_ratio) {
      return entryError(plan.name, "has a compression ratio over " +
                                       std::to_string(limits->max_ratio) + " to 1");
    }
  }
  return plans;
}

ExtractStats statsOf(const std::vector<EntryPlan>& plans) {
  ExtractStats stats;
  stats.entries = plans.size();
  for (const EntryPlan& plan : plans) {
    if (plan.kind != EntryKind::kDirectory) stats.unzipped_bytes += plan.size;
  }
  return stats;
}

// Opens the directory path[0, count) below root_fd, creating what is missing, one component at
// a time with O_NOFOLLOW: a symlink planted by an earlier entry is never walked through.
Result<UniqueFd> openDirectories(int root_fd, const EntryPlan& plan, size_t count) {
  UniqueFd current(::dup(root_fd));
  if (!current.valid()) return systemError("dup", plan.name, errno);
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  for (size_t i = 0; i < count; ++i) {
    const char* component = plan.path[i].c_str();
    int fd = ::openat(current.get(), component, kFlags);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(current.get(), component, 0755) != 0 && errno != EEXIST) {
        if (errno == ENAMETOOLONG) return entryError(plan.name, "has a name that is too long");
        return systemError("mkdir for entry", plan.name, errno);
      }
      fd = ::openat(current.get(), component, kFlags);
      if (fd >= 0) ::fchmod(fd, 0755);  // mkdir's mode is filtered by the umask
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return entryError(plan.name, "would be written through a symlink or a file");
      }
      if (errno == ENAMETOOLONG) return entryError(plan.name, "has a name that is too long");
      return systemError("open directory for entry", plan.name, errno);
    }
    current = UniqueFd(fd);
  }
  return current;
}

Status writeAll(int fd, const char* data, size_t size, const std::string& name) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return systemError("write for entry", name, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return okStatus();
}

// Decompresses one entry, handing each chunk to `sink`. Stops as soon as the output exceeds the
// declared size or the running total exceeds the limit, so a lying header cannot make us write
// more than the limits allow.
template <typename Sink>
Status readEntry(zip_t* za, const EntryPlan& plan, const ArchiveLimits& limits, uint64_t& total,
                 std::vector<char>& buffer, Sink&& sink) {
  ZipFilePtr file(zip_fopen_index(za, plan.index, 0));
  if (!file) {
    return entryError(plan.name,
                      std::string("cannot be read: ") + zip_error_strerror(zip_get_error(za)));
  }
  uint64_t written = 0;
  for (;;) {
    const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return entryError(plan.name, std::string("is corrupt: ") + zip_file_strerror(file.get()));
    }
    if (n == 0) break;
    written += static_cast<uint64_t>(n);
    if (written > plan.size) return entryError(plan.name, "is larger than its declared size");
    total += static_cast<uint64_t>(n);
    if (total > limits.max_unzipped_bytes) return tooBig(limits);
    Status status = sink(buffer.data(), static_cast<size_t>(n));
    if (!status.ok()) return status;
  }
  if (written != plan.size) return entryError(plan.name, "is smaller than its declared size");
  return okStatus();
}

Status writeEntry(zip_t* za, int root_fd, const EntryPlan& plan, const ArchiveLimits& limits,
                  uint64_t& total, std::vector<char>& buffer) {
  if (plan.kind == EntryKind::kDirectory) {
    if (plan.path.empty()) return okStatus();
    auto dir = openDirectories(root_fd, plan, plan.path.size());
    if (!dir.ok()) return dir.error();
    ::fchmod(dir->get(), 0755);
    return okStatus();
  }
  auto parent = openDirectories(root_fd, plan, plan.path.size() - 1);
  if (!parent.ok()) return parent.error();
  const char* leaf = plan.path.back().c_str();

  if (plan.kind == EntryKind::kSymlink) {
    std::string target;
    Status read = readEntry(za, plan, limits, total, buffer, [&](const char* data, size_t n) {
      target.append(data, n);
      return okStatus();
    });
    if (!read.ok()) return read;
    Status safe = checkSymlinkTarget(plan.name, target, plan.path.size() - 1);
    if (!safe.ok()) return safe;
    if (::symlinkat(target.c_str(), parent->get(), leaf) != 0) {
      if (errno == EEXIST) return entryError(plan.name, "is a symlink over an earlier entry");
      if (errno == ENAMETOOLONG) return entryError(plan.name, "has a name that is too long");
      return systemError("symlink for entry", plan.name, errno);
    }
    return okStatus();
  }

  // O_NOFOLLOW: an earlier symlink entry with this name must not redirect the write. A repeated
  // name overwrites the earlier file, as unzip -o and Python's zipfile do.
  UniqueFd fd(::openat(parent->get(), leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                       0644));
  if (!fd.valid()) {
    if (errno == ELOOP) return entryError(plan.name, "would be written through a symlink");
    if (errno == EISDIR) return entryError(plan.name, "is a file where a directory was extracted");
    if (errno == ENAMETOOLONG) return entryError(plan.name, "has a name that is too long");
    return systemError("create file for entry", plan.name, errno);
  }
  if (::fchmod(fd.get(), plan.executable ? 0755 : 0644) != 0) {
    return systemError("chmod for entry", plan.name, errno);
  }
  return readEntry(za, plan, limits, total, buffer, [&](const char* data, size_t n) {
    return writeAll(fd.get(), data, n, plan.name);
  });
}

// Removes a half-built tree unless disarmed. remove_all does not follow symlinks.
class RemoveOnFailure {
 public:
  explicit RemoveOnFailure(std::string path) : path_(std::move(path)) {}
  ~RemoveOnFailure() {
    if (armed_) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  RemoveOnFailure(const RemoveOnFailure&) = delete;
  RemoveOnFailure& operator=(const RemoveOnFailure&) = delete;
  void disarm() { armed_ = false; }

 private:
  std::string path_;
  bool armed_ = true;
};

}  // namespace

Result<ExtractStats> extractZip(std::string_view zip_bytes, const std::string& dest_dir,
                                const ArchiveLimits& limits) {
  std::string dest = dest_dir;
  while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
  struct stat st;
  if (::lstat(dest.c_str(), &st) == 0) return Error::conflict(dest + " already exists");
  if (errno != ENOENT) return systemError("stat", dest, errno);

  auto za = openZipBytes(zip_bytes);
  if (!za.ok()) return za.error();
  auto plans = planArchive(za->get(), zip_bytes, &limits);
  if (!plans.ok()) return plans.error();

  // A sibling, so the final rename stays on one filesystem and is atomic.
  std::string temp = dest + ".tmp-XXXXXX";
  if (::mkdtemp(temp.data()) == nullptr) return systemError("mkdtemp", temp, errno);
  RemoveOnFailure cleanup(temp);
  UniqueFd root(::open(temp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return systemError("open", temp, errno);
  if (::fchmod(root.get(), 0755) != 0) return systemError("chmod", temp, errno);  // was 0700

  std::vector<char> buffer(kChunkBytes);
  ExtractStats stats;
  stats.entries = plans->size();
  for (const EntryPlan& plan : *plans) {
    Status status = writeEntry(za->get(), root.get(), plan, limits, stats.unzipped_bytes, buffer);
    if (!status.ok()) return status.error();
  }
  root.reset();
  if (renameNoReplace(temp, dest) != 0) {
    if (errno == EEXIST || errno == ENOTEMPTY) return Error::conflict(dest + " already exists");
    return systemError("rename to", dest, errno);
  }
  cleanup.disarm();
  return stats;
}

Result<ExtractStats> statZip(std::string_view zip_bytes) {
  auto za = openZipBytes(zip_bytes);
  if (!za.ok()) return za.error();
  auto plans = planArchive(za->get(), zip_bytes, nullptr);
  if (!plans.ok()) return plans.error();
  return statsOf(*plans);
}

Result<ExtractStats> statZipFile(const std::string& zip_path) {
  int error = 0;
  ZipPtr za(zip_open(zip_path.c_str(), ZIP_RDONLY, &error));
  if (!za) {
    if (error == ZIP_ER_NOENT) return Error::notFound("No such zip: " + zip_path);
    if (error == ZIP_ER_OPEN || error == ZIP_ER_READ || error == ZIP_ER_SEEK) {
      return Error::service("Cannot read " + zip_path);
    }
    return notAZip();
  }
  auto plans = planArchive(za.get(), {}, nullptr);
  if (!plans.ok()) return plans.error();
  return statsOf(*plans);
}

}  // namespace stratus::layers
