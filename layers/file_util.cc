#include "layers/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "layers/unique_fd.h"

namespace stratus::layers {
namespace {

Error systemError(std::string_view what, const std::string& path, int err) {
  return Error::service(std::string(what) + " " + path + ": " + std::strerror(err));
}

}  // namespace

int renameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // Filesystems without RENAME_NOREPLACE: check, then rename (a narrow race, only there).
  struct stat st;
  if (::lstat(to.c_str(), &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from.c_str(), to.c_str());
}

Status fsyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open", dir, errno);
  if (::fsync(fd.get()) != 0) return systemError("fsync", dir, errno);
  return okStatus();
}

Status writeFileDurably(const std::string& dir, const std::string& name, std::string_view bytes,
                        int mode) {
  std::string temp = dir + "/." + name + ".tmp-XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) return systemError("mkostemp", temp, errno);
  auto fail = [&](std::string_view what) {
    const int err = errno;
    ::unlink(temp.c_str());
    return systemError(what, temp, err);
  };
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd.get(), data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return fail("chmod");  // mkstemp: 0600
  if (::fsync(fd.get()) != 0) return fail("fsync");
  fd.reset();
  const std::string path = dir + "/" + name;
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename");
  return fsyncDirectory(dir);
}

Result<std::string> readWholeFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return Error::notFound("No such file: " + path);
    return systemError("open", path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return systemError("stat", path, errno);
  std::string bytes;
  bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return systemError("read", path, errno);
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  return bytes;
}

std::string uniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  char text[80];
  std::snprintf(text, sizeof text, "%d-%llu-%016llx", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1)),
                static_cast<unsigned long long>(random()));
  return text;
}

}  // namespace stratus::layers
