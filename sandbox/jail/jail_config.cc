#include "sandbox/jail/jail_config.h"

#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace stratus::sandbox::jail {
namespace {

constexpr uint64_t kMaxTmpMb = 10240;      // Lambda's largest ephemeral storage
constexpr uint64_t kMaxNofile = 1 << 20;   // the kernel's default fs.nr_open
constexpr size_t kMaxHostname = 64;        // HOST_NAME_MAX

bool parseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  errno = 0;
  *out = std::strtoull(std::string(text).c_str(), nullptr, 10);
  return errno == 0;
}

// An absolute path with no empty, "." or ".." components and no trailing '/': what the jail
// creates must be exactly where the caller said.
bool isCleanAbsolute(std::string_view path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool hasDotDot(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

StepResult bad(const std::string& option, const std::string& detail) {
  return usageError(JailStep::kArgs, option, detail);
}

// The error fd first, so that an error anywhere else on the line still reaches the caller.
void findErrorFd(int argc, char** argv, JailConfig* config) {
  for (int i = 1; i + 1 < argc; ++i) {
    std::string_view option = argv[i];
    if (option == "--") return;
    uint64_t number = 0;
    if (option == "--error-fd" && parseNumber(argv[i + 1], &number) && number >= 3 &&
        number <= INT32_MAX) {
      config->error_fd = static_cast<int>(number);
    }
  }
}

}  // namespace

StepResult parseJailArgs(int argc, char** argv, JailConfig* config) {
  findErrorFd(argc, argv, config);
  bool have_uid = false;
  bool have_gid = false;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view option = argv[i];
    if (option == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) return bad(std::string(option), "missing value");
    std::string value = argv[++i];
    uint64_t number = 0;
    if (option == "--root") {
      if (!isCleanAbsolute(value)) return bad("--root", "not a clean absolute path: " + value);
      config->root = value;
    } else if (option == "--uid" || option == "--gid") {
      if (!parseNumber(value, &number) || number >= UINT32_MAX) {
        return bad(std::string(option), "not an id: " + value);
      }
      if (number == 0) return bad(std::string(option), "refusing to run the program as root");
      if (option == "--uid") {
        config->uid = static_cast<uid_t>(number);
        have_uid = true;
      } else {
        config->gid = static_cast<gid_t>(number);
        have_gid = true;
      }
    } else if (option == "--bind") {
      size_t colon = value.find(':');
      if (colon == std::string::npos) return bad("--bind", "expected SRC:DST, got " + value);
      BindSpec bind{value.substr(0, colon), value.substr(colon + 1)};
      if (bind.source.empty() || bind.source[0] != '/') {
        return bad("--bind", "source is not absolute: " + value);
      }
      if (!isCleanAbsolute(bind.target)) {
        return bad("--bind", "target is not a clean absolute path: " + value);
      }
      config->binds.push_back(std::move(bind));
    } else if (option == "--tmp-mb") {
      if (!parseNumber(value, &number) || number == 0 || number > kMaxTmpMb) {
        return bad("--tmp-mb", "expected 1.." + std::to_string(kMaxTmpMb) + ", got " + value);
      }
      config->tmp_mb = number;
    } else if (option == "--cgroup") {
      if (value.empty() || value == "/" || hasDotDot(value)) {
        return bad("--cgroup", "not a cgroup path: " + value);
      }
      config->cgroup = value;
    } else if (option == "--hostname") {
      if (value.empty() || value.size() > kMaxHostname) {
        return bad("--hostname", "expected 1.." + std::to_string(kMaxHostname) + " characters");
      }
      config->hostname = value;
    } else if (option == "--cwd") {
      if (value != "/" && !isCleanAbsolute(value)) {
        return bad("--cwd", "not a clean absolute path: " + value);
      }
      config->cwd = value;
    } else if (option == "--nofile") {
      if (!parseNumber(value, &number) || number == 0 || number > kMaxNofile) {
        return bad("--nofile", "expected 1.." + std::to_string(kMaxNofile) + ", got " + value);
      }
      config->nofile = number;
    } else if (option == "--error-fd") {
      // 0-2 are the program's stdio, which must survive the exec.
      if (!parseNumber(value, &number) || number < 3 || number > INT32_MAX) {
        return bad("--error-fd", "expected a descriptor >= 3, got " + value);
      }
      config->error_fd = static_cast<int>(number);
    } else if (option == "--extension") {
      if (!isCleanAbsolute(value)) return bad("--extension", "not a clean absolute path: " + value);
      config->extensions.push_back(value);
    } else if (option == "--events-fd") {
      if (!parseNumber(value, &number) || number < 3 || number > INT32_MAX) {
        return bad("--events-fd", "expected a descriptor >= 3, got " + value);
      }
      config->events_fd = static_cast<int>(number);
    } else {
      return bad(std::string(option), "unknown option");
    }
  }
  for (; i < argc; ++i) config->argv.emplace_back(argv[i]);
  if (config->root.empty()) return bad("--root", "required");
  if (!have_uid) return bad("--uid", "required");
  if (!have_gid) return bad("--gid", "required");
  if (config->argv.empty()) return bad("--", "no PROGRAM after --");
  return std::nullopt;
}

}  // namespace stratus::sandbox::jail
