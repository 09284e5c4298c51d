#include "sandbox/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

namespace stratus::sandbox {

using cgroup_detail::ControllerDir;

namespace cgroup_detail {

// Sandbox cgroups that were still busy (tasks not yet gone after SIGKILL) when their
// SandboxCgroup was destroyed. Shared by the tree and its children, so either may outlive the
// other; the tree retries these whenever it makes a child, and at its own end.
struct PendingRemovals {
  std::vector<std::vector<ControllerDir>> groups;
};

}  // namespace cgroup_detail

namespace {

using Clock = std::chrono::steady_clock;

// The freezer stops an idle sandbox between invocations, as Lambda freezes an environment.
constexpr const char* kControllers[] = {"memory", "cpu", "pids", "freezer"};
constexpr uint64_t kMb = 1024 * 1024;
constexpr uint64_t kVcpuShares = 1024;
constexpr uint64_t kMbPerVcpu = 1769;  // Lambda: one full vCPU at 1769 MB
constexpr uint64_t kMinShares = 2;     // the kernel's minimum cpu.shares
constexpr uint64_t kMaxShares = 262144;
// A sandbox's destructor waits this long at most (on the loop thread) for killed tasks to go.
constexpr int kQuickRemoveAttempts = 5;
constexpr auto kQuickRemovePause = std::chrono::microseconds(200);
// The tree's destructor and the startup sweep may wait longer: nothing else runs then.
constexpr auto kPatientRemoveBudget = std::chrono::milliseconds(500);
constexpr auto kPatientRemovePause = std::chrono::milliseconds(1);

// libcgroup's default logger prints to stdout; every failure is reported through our Error.
void quietLogger(void*, int, const char*, va_list) {}

int initLibcgroup() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] {
    cgroup_set_logger(quietLogger, CGROUP_LOG_ERROR, nullptr);
    rc = cgroup_init();
  });
  return rc;
}

std::string libcgroupText(int rc) { return cgroup_strerror(rc); }

std::string takeString(char* owned) {
  std::string out = owned != nullptr ? owned : "";
  std::free(owned);
  return out;
}

std::string trimSlashes(std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

std::string joinName(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "/" + child;
}

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The counter files are a few bytes: one read.
std::string readText(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(n));
  close(fd);
  return out;
}

uint64_t readNumber(const std::string& path) {
  std::string text = readText(path);
  return text.empty() ? 0 : std::strtoull(text.c_str(), nullptr, 10);
}

// A counter file read again and again through one descriptor (`fd`, opened on first use):
// cgroup files produce their value afresh at each read from offset 0.
uint64_t readCounter(int& fd, const std::string& dir, const char* file) {
  if (fd < 0) fd = open((dir + "/" + file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buffer[32];
  ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return 0;
  buffer[n] = '\0';
  return std::strtoull(buffer, nullptr, 10);
}

// "key value" lines (memory.oom_control, memory.events).
uint64_t keyedNumber(const std::string& path, const std::string& key) {
  std::string text = readText(path);
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, key.size(), key) == 0 && at + key.size() < end &&
        text[at + key.size()] == ' ') {
      return std::strtoull(text.c_str() + at + key.size() + 1, nullptr, 10);
    }
    at = end + 1;
  }
  return 0;
}

bool writeText(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  close(fd);
  return ok;
}

// The server's own cgroup in `controller`, without slashes at either end ("" for the root).
// libcgroup 2.0 cannot read the "0::" line of v2, so that one is parsed here.
Result<std::string> ownCgroup(const char* controller, bool v2) {
  if (!v2) {
    char* raw = nullptr;
    if (int rc = cgroup_get_current_controller_path(getpid(), controller, &raw); rc != 0) {
      return Error::service(std::string("cgroup: own ") + controller +
                            " cgroup from /proc/self/cgroup: " + libcgroupText(rc));
    }
    return trimSlashes(takeString(raw));
  }
  std::string text = readText("/proc/self/cgroup");
  size_t at = text.find("0::");
  if (at == std::string::npos || (at > 0 && text[at - 1] != '\n')) {
    return Error::service("cgroup: no unified (0::) line in /proc/self/cgroup");
  }
  size_t end = text.find('\n', at);
  return trimSlashes(text.substr(at + 3, end == std::string::npos ? end : end - at - 3));
}

bool listsController(const std::string& controllers_file, const char* controller) {
  std::string text = readText(controllers_file);
  size_t at = 0;
  std::string name = controller;
  while ((at = text.find(name, at)) != std::string::npos) {
    bool starts = at == 0 || text[at - 1] == ' ';
    size_t end = at + name.size();
    bool ends = end == text.size() || text[end] == ' ' || text[end] == '\n';
    if (starts && ends) return true;
    at = end;
  }
  return false;
}

// Where the server's trees go: one path, the same under every controller's mount, so the jail
// joins with a single --cgroup. v1: the server's own memory cgroup, which is per container (the
// cpu and pids roots are shared by every container on the kernel: a tree named by pid alone
// could collide there with another container's server); v2: the parent of the server's cgroup.
struct Layout {
  CgroupSupport support;
  std::string anchor;                // the path under every mount, no slashes at the ends
  std::vector<ControllerDir> bases;  // each usable controller's directory at `anchor`
};

bool isWithin(const std::string& path, const std::string& ancestor) {
  return ancestor.empty() || path == ancestor ||
         (path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
          path[ancestor.size()] == '/');
}

std::string parentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

Layout detectLayout() {
  Layout layout;
  if (int rc = initLibcgroup(); rc != 0) {
    layout.support.missing = "cgroups unusable: cgroup_init: " + libcgroupText(rc);
    return layout;
  }
  std::map<std::string, std::string> mounts;
  for (const char* controller : kControllers) {
    char* raw = nullptr;
    if (cgroup_get_subsys_mount_point(controller, &raw) == 0) mounts[controller] = takeString(raw);
  }
  std::vector<std::string> missing;
  auto note = [&missing](const char* controller, const std::string& why) {
    missing.push_back(std::string(controller) + " (" + why + ")");
  };
  // Memory decides the mode and the anchor; without it, the first controller there is.
  const char* leader = nullptr;
  for (const char* controller : kControllers) {
    if (mounts.count(controller)) {
      leader = controller;
      break;
    }
  }
  if (leader == nullptr) {
    layout.support.missing = "memory, cpu, pids (no cgroup hierarchy has them mounted)";
    return layout;
  }
  layout.support.v2 = exists(mounts[leader] + "/cgroup.controllers");
  auto own_leader = ownCgroup(leader, layout.support.v2);
  if (!own_leader.ok()) {
    layout.support.missing = own_leader.error().message;
    return layout;
  }
  layout.anchor = layout.support.v2 ? parentOf(*own_leader) : *own_leader;
  for (const char* controller : kControllers) {
    auto mount = mounts.find(controller);
    bool is_freezer = std::strcmp(controller, "freezer") == 0;
    if (mount == mounts.end()) {
      // v2 has no freezer controller: every cgroup has cgroup.freeze.
      if (!(is_freezer && layout.support.v2)) note(controller, "not mounted");
      if (is_freezer && layout.support.v2) layout.support.freezer = true;
      continue;
    }
    bool v2 = exists(mount->second + "/cgroup.controllers");
    if (v2 != layout.support.v2) {
      note(controller, std::string("on the ") + (v2 ? "v2" : "v1") + " hierarchy, " + leader +
                           " on the other");
      continue;
    }
    if (v2) {
      std::string own_dir = mount->second + (own_leader->empty() ? "" : "/" + *own_leader);
      if (!listsController(own_dir + "/cgroup.controllers", controller)) {
        note(controller, "not enabled in " + own_dir);
        continue;
      }
    } else {
      // The tree must stay inside the server's own cgroup of this controller too, or it would
      // escape whatever limits the host set there.
      auto own = ownCgroup(controller, false);
      if (!own.ok()) {
        note(controller, own.error().message);
        continue;
      }
      if (!isWithin(layout.anchor, *own)) {
        note(controller, "the server's " + std::string(controller) + " cgroup /" + *own +
                             " does not contain its " + leader + " cgroup /" + layout.anchor);
        continue;
      }
    }
    std::string dir = mount->second + (layout.anchor.empty() ? "" : "/" + layout.anchor);
    layout.bases.push_back(ControllerDir{controller, layout.anchor, dir, v2});
    if (std::strcmp(controller, "memory") == 0) layout.support.memory = true;
    if (std::strcmp(controller, "cpu") == 0) layout.support.cpu = true;
    if (std::strcmp(controller, "pids") == 0) layout.support.pids = true;
    if (is_freezer) layout.support.freezer = true;
  }
  for (const std::string& m : missing) {
    layout.support.missing += (layout.support.missing.empty() ? "" : ", ") + m;
  }
  return layout;
}

// The directories between each base's mount and `dir` that do not exist yet, deepest first:
// on v1 the anchor (the memory cgroup's path) may be new under the cpu and pids mounts.
std::vector<std::string> missingAncestors(const std::vector<ControllerDir>& bases) {
  std::vector<std::string> out;
  for (const ControllerDir& base : bases) {
    for (std::string dir = base.dir; !exists(dir); dir = dir.substr(0, dir.rfind('/'))) {
      out.push_back(dir);
    }
  }
  return out;
}

std::vector<ControllerDir> childDirs(const std::vector<ControllerDir>& parents,
                                     const std::string& child) {
  std::vector<ControllerDir> out;
  for (const ControllerDir& parent : parents) {
    out.push_back(ControllerDir{parent.controller, joinName(parent.name, child),
                                parent.dir + "/" + child, parent.v2});
  }
  return out;
}

// One value to write, in order (memory and memory+swap limits must be ordered, see below).
struct Setting {
  std::string controller;
  std::string file;
  std::string value;
};

enum class Apply { kCreate, kModify };

// One libcgroup cgroup for all of `dirs` (they share one name: see Layout). Only `settings`
// of a listed controller are added, in order.
cgroup* newGroup(const std::vector<ControllerDir>& dirs, const std::vector<Setting>& settings,
                 bool* any_value) {
  cgroup* group = cgroup_new_cgroup(dirs.empty() ? "" : dirs[0].name.c_str());
  if (group == nullptr) return nullptr;
  for (const ControllerDir& dir : dirs) {
    cgroup_controller* controller = cgroup_add_controller(group, dir.controller.c_str());
    if (controller == nullptr) continue;
    for (const Setting& setting : settings) {
      if (setting.controller != dir.controller) continue;
      cgroup_add_value_string(controller, setting.file.c_str(), setting.value.c_str());
      *any_value = true;
    }
  }
  return group;
}

Status applySettings(const std::vector<ControllerDir>& dirs, const std::vector<Setting>& settings,
                     Apply apply) {
  if (dirs.empty()) return okStatus();
  bool any_value = false;
  cgroup* group = newGroup(dirs, settings, &any_value);
  if (group == nullptr) return Error::service("cgroup /" + dirs[0].name + ": out of memory");
  int rc = 0;
  if (apply == Apply::kCreate) {
    rc = cgroup_create_cgroup(group, /*ignore_ownership=*/1);
  } else if (any_value) {
    rc = cgroup_modify_cgroup(group);
  }
  cgroup_free(&group);
  if (rc == 0) return okStatus();
  std::string controllers;
  for (const ControllerDir& dir : dirs) {
    controllers += (controllers.empty() ? "" : ",") + dir.controller;
  }
  std::string values;
  for (const Setting& s : settings) values += (values.empty() ? "" : " ") + s.file + "=" + s.value;
  return Error::service(std::string(apply == Apply::kCreate ? "create" : "set") + " cgroup " +
                        controllers + ":/" + dirs[0].name + " (" + values + "): " +
                        libcgroupText(rc));
}

// Removes the (empty) cgroup through libcgroup, never migrating tasks: a survivor moved to the
// parent would escape its limits. True when every directory is gone.
bool deleteEmpty(const std::vector<ControllerDir>& dirs) {
  if (dirs.empty()) return true;
  bool any_value = false;
  cgroup* group = newGroup(dirs, {}, &any_value);
  if (group == nullptr) return false;
  int rc = cgroup_delete_cgroup_ext(group, CGFLAG_DELETE_EMPTY_ONLY);
  cgroup_free(&group);
  return rc == 0;
}

std::vector<pid_t> readProcs(const std::string& dir) {
  std::vector<pid_t> pids;
  std::string text = readText(dir + "/cgroup.procs");
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (end > at) pids.push_back(static_cast<pid_t>(std::atoi(text.c_str() + at)));
    at = end + 1;
  }
  return pids;
}

std::set<pid_t> tasksOf(const std::vector<ControllerDir>& dirs) {
  std::set<pid_t> all;
  for (const ControllerDir& dir : dirs) {
    for (pid_t pid : readProcs(dir.dir)) all.insert(pid);
  }
  return all;
}

// Signals every task now in `dirs` and returns them.
std::set<pid_t> killTasks(const std::vector<ControllerDir>& dirs) {
  std::set<pid_t> pids = tasksOf(dirs);
  for (const ControllerDir& dir : dirs) {
    // v2's cgroup.kill also gets the tasks forked while we read.
    if (dir.v2 && writeText(dir.dir + "/cgroup.kill", "1")) return pids;
  }
  for (pid_t pid : pids) kill(pid, SIGKILL);
  return pids;
}

// Thaws `dir` and every cgroup below it (v1 freezer.state, v2 cgroup.freeze): a frozen task
// does not act on SIGKILL, not even its parent-death signal, until it is thawed.
void thawSubtree(const std::string& dir) {
  if (exists(dir + "/freezer.state")) writeText(dir + "/freezer.state", "THAWED");
  if (exists(dir + "/cgroup.freeze")) writeText(dir + "/cgroup.freeze", "0");
  if (DIR* listing = opendir(dir.c_str())) {
    std::vector<std::string> children;
    while (dirent* entry = readdir(listing)) {
      if (entry->d_type == DT_DIR && std::strcmp(entry->d_name, ".") != 0 &&
          std::strcmp(entry->d_name, "..") != 0) {
        children.push_back(dir + "/" + entry->d_name);
      }
    }
    closedir(listing);
    for (const std::string& child : children) thawSubtree(child);
  }
}

// Depth first: the children, then this directory's tasks, then the directory itself, retried
// until `deadline`. Plain rmdir: libcgroup's recursive delete migrates tasks to the parent.
bool removeSubtree(const std::string& dir, bool v2, Clock::time_point deadline) {
  if (DIR* listing = opendir(dir.c_str())) {
    std::vector<std::string> children;
    while (dirent* entry = readdir(listing)) {
      if (entry->d_type == DT_DIR && std::strcmp(entry->d_name, ".") != 0 &&
          std::strcmp(entry->d_name, "..") != 0) {
        children.push_back(dir + "/" + entry->d_name);
      }
    }
    closedir(listing);
    for (const std::string& child : children) removeSubtree(child, v2, deadline);
  }
  std::vector<ControllerDir> self{ControllerDir{"", "", dir, v2}};
  for (;;) {
    killTasks(self);
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY || Clock::now() >= deadline) return false;
    usleep(static_cast<useconds_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(kPatientRemovePause).count()));
  }
}

void retryPending(cgroup_detail::PendingRemovals& pending) {
  auto& groups = pending.groups;
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [](const std::vector<ControllerDir>& dirs) {
                                killTasks(dirs);
                                return deleteEmpty(dirs);
                              }),
               groups.end());
}

bool validChildName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= 64 &&
         name.find('/') == std::string::npos;
}

std::string memoryLimitText(uint64_t memory_mb, bool v2) {
  if (memory_mb == 0) return v2 ? "max" : "-1";
  return std::to_string(memory_mb * kMb);
}

// cpu.weight from shares, the conversion runc and systemd use ([2, 262144] -> [1, 10000]).
uint64_t weightForShares(uint64_t shares) {
  shares = std::clamp(shares, kMinShares, kMaxShares);
  return 1 + ((shares - 2) * 9999) / 262142;
}

// The settings of a sandbox cgroup. v1 requires memory <= memory+swap at every moment, so when
// the limit grows the memory+swap limit goes first, and when it shrinks, last.
std::vector<Setting> sandboxSettings(const CgroupLimits& limits, bool v2, bool swap_control,
                                     bool growing, bool creating) {
  std::vector<Setting> out;
  std::string memory = memoryLimitText(limits.memory_mb, v2);
  if (v2) {
    out.push_back({"memory", "memory.max", memory});
    if (swap_control) out.push_back({"memory", "memory.swap.max", "0"});
  } else {
    Setting plain{"memory", "memory.limit_in_bytes", memory};
    Setting with_swap{"memory", "memory.memsw.limit_in_bytes", memory};
    if (swap_control && growing) out.push_back(with_swap);
    out.push_back(plain);
    if (swap_control && !growing) out.push_back(with_swap);
    if (creating) out.push_back({"memory", "memory.swappiness", "0"});
  }
  std::string pids = limits.pids_max > 0 ? std::to_string(limits.pids_max) : "max";
  out.push_back({"pids", "pids.max", pids});
  if (limits.cpu_shares > 0) {
    if (v2) {
      out.push_back({"cpu", "cpu.weight", std::to_string(weightForShares(limits.cpu_shares))});
    } else {
      out.push_back({"cpu", "cpu.shares",
                     std::to_string(std::clamp(limits.cpu_shares, kMinShares, kMaxShares))});
    }
  }
  return out;
}

bool hasSwapControl(const ControllerDir* memory) {
  if (memory == nullptr) return false;
  return exists(memory->dir + (memory->v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes"));
}

const ControllerDir* findDir(const std::vector<ControllerDir>& dirs, const char* controller) {
  for (const ControllerDir& dir : dirs) {
    if (dir.controller == controller) return &dir;
  }
  return nullptr;
}

}  // namespace

CgroupSupport detectCgroups() { return detectLayout().support; }

uint64_t cpuSharesForMemory(int memory_mb) {
  if (memory_mb <= 0) return kMinShares;
  uint64_t shares = static_cast<uint64_t>(memory_mb) * kVcpuShares / kMbPerVcpu;
  return std::clamp(shares, kMinShares, kMaxShares);
}

// ---- SandboxCgroup ----

SandboxCgroup::SandboxCgroup(std::string path, std::vector<ControllerDir> dirs,
                             std::shared_ptr<cgroup_detail::PendingRemovals> pending)
    : path_(std::move(path)), dirs_(std::move(dirs)), pending_(std::move(pending)) {}

SandboxCgroup::~SandboxCgroup() {
  closeCounters();
  // rmdir fails with EBUSY until the killed tasks have exited; wait about a millisecond at most,
  // then leave it to the tree.
  for (int attempt = 0; attempt < kQuickRemoveAttempts; ++attempt) {
    killAll();
    if (deleteEmpty(dirs_)) return;
    usleep(static_cast<useconds_t>(kQuickRemovePause.count()));
  }
  pending_->groups.push_back(dirs_);
}

const ControllerDir* SandboxCgroup::dirOf(const char* controller) const {
  return findDir(dirs_, controller);
}

Status SandboxCgroup::setLimits(const CgroupLimits& limits) {
  const ControllerDir* memory = dirOf("memory");
  bool v2 = memory != nullptr && memory->v2;
  bool growing = true;
  if (memory != nullptr && !v2) {
    uint64_t current = readNumber(memory->dir + "/memory.limit_in_bytes");
    growing = limits.memory_mb == 0 || limits.memory_mb * kMb >= current;
  }
  return applySettings(dirs_, sandboxSettings(limits, v2, hasSwapControl(memory), growing, false),
                       Apply::kModify);
}

void SandboxCgroup::closeCounters() {
  for (int* fd : {&current_fd_, &peak_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

uint64_t SandboxCgroup::peakMemoryBytes() const {
  const ControllerDir* memory = dirOf("memory");
  if (memory == nullptr) return 0;
  return readCounter(peak_fd_, memory->dir, memory->v2 ? "memory.peak" : "memory.max_usage_in_bytes");
}

uint64_t SandboxCgroup::currentMemoryBytes() const {
  const ControllerDir* memory = dirOf("memory");
  if (memory == nullptr) return 0;
  return readCounter(current_fd_, memory->dir,
                     memory->v2 ? "memory.current" : "memory.usage_in_bytes");
}

bool SandboxCgroup::oomKilled() const {
  const ControllerDir* memory = dirOf("memory");
  if (memory == nullptr) return false;
  return keyedNumber(memory->dir + (memory->v2 ? "/memory.events" : "/memory.oom_control"),
                     "oom_kill") > 0;
}

std::vector<pid_t> SandboxCgroup::tasks() const {
  std::set<pid_t> all = tasksOf(dirs_);
  return {all.begin(), all.end()};
}

Status SandboxCgroup::setFrozen(bool frozen) {
  if (const ControllerDir* freezer = dirOf("freezer")) {
    if (!writeText(freezer->dir + "/freezer.state", frozen ? "FROZEN" : "THAWED")) {
      return Error::service("cgroup: cannot write " + freezer->dir + "/freezer.state");
    }
    return okStatus();
  }
  const ControllerDir* memory = dirOf("memory");
  if (memory != nullptr && memory->v2) {
    if (!writeText(memory->dir + "/cgroup.freeze", frozen ? "1" : "0")) {
      return Error::service("cgroup: cannot write " + memory->dir + "/cgroup.freeze");
    }
  }
  return okStatus();
}

int SandboxCgroup::killAll() {
  // Frozen tasks (v1) do not die until thawed.
  (void)setFrozen(false);
  // A few rounds, for tasks forked between reading cgroup.procs and the kill (v1 has no
  // cgroup.kill). A jail usually goes in one: killing its outer helper or init ends the rest.
  std::set<pid_t> killed;
  for (int round = 0; round < 3; ++round) {
    std::set<pid_t> now = killTasks(dirs_);
    size_t before = killed.size();
    killed.insert(now.begin(), now.end());
    if (killed.size() == before) break;  // nothing new: the rest are dying already
  }
  return static_cast<int>(killed.size());
}

Status SandboxCgroup::attach(pid_t pid, const std::string& skip) {
  std::string failed;
  for (const ControllerDir& dir : dirs_) {
    if (!dir.v2 && !skip.empty() && dir.controller == skip) continue;
    if (!writeText(dir.dir + "/cgroup.procs", std::to_string(pid))) failed += " " + dir.controller;
  }
  if (!failed.empty()) {
    return Error::service("cannot move pid " + std::to_string(pid) + " into " + path_ + ":" + failed);
  }
  return okStatus();
}

std::vector<std::string> SandboxCgroup::directoriesForTest() const {
  std::vector<std::string> out;
  for (const ControllerDir& dir : dirs_) out.push_back(dir.dir);
  return out;
}

// ---- CgroupTree ----

CgroupTree::CgroupTree(std::string path, std::vector<ControllerDir> dirs,
                       std::vector<std::string> made_ancestors)
    : path_(std::move(path)),
      dirs_(std::move(dirs)),
      made_ancestors_(std::move(made_ancestors)),
      pending_(std::make_shared<cgroup_detail::PendingRemovals>()) {}

Result<std::unique_ptr<CgroupTree>> CgroupTree::create(uint64_t budget_mb, const std::string& role) {
  Layout layout = detectLayout();
  if (!layout.support.memory) {
    return Error::service("cgroup: the memory controller is needed for the sandbox budget: " +
                          layout.support.missing);
  }
  std::string name = "stratus-" + std::to_string(getpid()) + (role.empty() ? "" : "-" + role);
  std::vector<ControllerDir> dirs = childDirs(layout.bases, name);
  for (const ControllerDir& dir : dirs) {
    if (exists(dir.dir)) return Error::service("cgroup " + dir.dir + " already exists");
  }
  const ControllerDir* memory = findDir(dirs, "memory");
  bool v2 = layout.support.v2;
  std::string budget = memoryLimitText(budget_mb, v2);
  std::vector<Setting> settings;
  if (v2) {
    settings.push_back({"memory", "memory.max", budget});
  } else {
    // The children's charges count against this budget only with hierarchy on (always on since
    // Linux 5.x; older kernels let a fresh cgroup set it).
    if (exists(findDir(layout.bases, "memory")->dir + "/memory.use_hierarchy")) {
      settings.push_back({"memory", "memory.use_hierarchy", "1"});
    }
    settings.push_back({"memory", "memory.limit_in_bytes", budget});
  }
  // The whole tree competes with the host's other tasks as one cgroup: with the default weight
  // (one process's worth) every sandbox of a busy host would share a single process's slice of
  // CPU, however many run. The tree weighs one vCPU per core instead; inside it each sandbox
  // still gets CPU in proportion to its memory, as in Lambda.
  if (findDir(dirs, "cpu") != nullptr) {
    uint64_t shares = kVcpuShares * std::max(1u, std::thread::hardware_concurrency());
    if (v2) {
      settings.push_back({"cpu", "cpu.weight", std::to_string(weightForShares(shares))});
    } else {
      settings.push_back({"cpu", "cpu.shares", std::to_string(std::clamp(shares, kMinShares, kMaxShares))});
    }
  }
  std::string path = memory->name;
  auto tree = std::unique_ptr<CgroupTree>(
      new CgroupTree(path, std::move(dirs), missingAncestors(layout.bases)));
  if (auto made = applySettings(tree->dirs_, settings, Apply::kCreate); !made.ok()) {
    return made.error();  // the destructor removes whatever was made
  }
  // No swap: memory+swap capped at the same budget, once the files exist to say it can be.
  memory = findDir(tree->dirs_, "memory");
  if (hasSwapControl(memory)) {
    Setting swap = v2 ? Setting{"memory", "memory.swap.max", "0"}
                      : Setting{"memory", "memory.memsw.limit_in_bytes", budget};
    if (auto set = applySettings(tree->dirs_, {swap}, Apply::kModify); !set.ok()) {
      return set.error();
    }
  }
  return tree;
}

CgroupTree::~CgroupTree() {
  for (const ControllerDir& dir : dirs_) thawSubtree(dir.dir);
  retryPending(*pending_);
  Clock::time_point deadline = Clock::now() + kPatientRemoveBudget;
  for (const ControllerDir& dir : dirs_) removeSubtree(dir.dir, dir.v2, deadline);
  pending_->groups.clear();  // gone with the tree, or left for sweepStale
  // The anchor's directories this tree made under the cpu and pids mounts; another server of
  // the same container may be using them, and then rmdir just fails.
  for (const std::string& dir : made_ancestors_) rmdir(dir.c_str());
}

bool CgroupTree::v2() const { return !dirs_.empty() && dirs_[0].v2; }

uint64_t CgroupTree::currentMemoryBytes() const {
  const ControllerDir* memory = findDir(dirs_, "memory");
  if (memory == nullptr) return 0;
  return readNumber(memory->dir + (memory->v2 ? "/memory.current" : "/memory.usage_in_bytes"));
}

Result<std::unique_ptr<SandboxCgroup>> CgroupTree::createChild(const std::string& name,
                                                               const CgroupLimits& limits) {
  if (!validChildName(name)) return Error::service("cgroup: bad child name '" + name + "'");
  retryPending(*pending_);
  std::vector<ControllerDir> dirs = childDirs(dirs_, name);
  for (const ControllerDir& dir : dirs) {
    if (exists(dir.dir)) return Error::service("cgroup " + dir.dir + " already exists");
  }
  const ControllerDir* memory = findDir(dirs_, "memory");
  bool v2 = memory != nullptr && memory->v2;
  std::vector<Setting> settings =
      sandboxSettings(limits, v2, hasSwapControl(memory), /*growing=*/false, /*creating=*/true);
  std::string path = path_ + "/" + name;
  auto child = std::unique_ptr<SandboxCgroup>(new SandboxCgroup(path, std::move(dirs), pending_));
  if (auto made = applySettings(child->dirs_, settings, Apply::kCreate); !made.ok()) {
    return made.error();  // the child's destructor removes whatever was made
  }
  return child;
}

std::vector<std::string> CgroupTree::directoriesForTest() const {
  std::vector<std::string> out;
  for (const ControllerDir& dir : dirs_) out.push_back(dir.dir);
  return out;
}

int CgroupTree::sweepStale() {
  Layout layout = detectLayout();
  struct Stale {
    pid_t pid;
    std::string dir;
    bool v2;
  };
  std::vector<Stale> stale;
  for (const ControllerDir& base : layout.bases) {
    DIR* listing = opendir(base.dir.c_str());
    if (listing == nullptr) continue;
    while (dirent* entry = readdir(listing)) {
      constexpr std::string_view kPrefix = "stratus-";
      std::string_view entry_name = entry->d_name;
      if (entry->d_type != DT_DIR || entry_name.substr(0, kPrefix.size()) != kPrefix) continue;
      std::string_view digits = entry_name.substr(kPrefix.size());
      digits = digits.substr(0, digits.find('-'));  // stratus-<pid>-<role>: the same server's
      bool numeric = !digits.empty() && digits.size() <= 9 &&
                     std::all_of(digits.begin(), digits.end(),
                                 [](char c) { return c >= '0' && c <= '9'; });
      if (!numeric) continue;
      pid_t pid = static_cast<pid_t>(std::atoi(std::string(digits).c_str()));
      if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive
      stale.push_back({pid, base.dir + "/" + std::string(entry_name), base.v2});
    }
    closedir(listing);
  }
  // Thaw everything first: the freezer is one controller of several, and a frozen task keeps
  // the other controllers' directories busy until it can die.
  for (const Stale& s : stale) thawSubtree(s.dir);
  std::set<pid_t> swept;
  Clock::time_point deadline = Clock::now() + kPatientRemoveBudget;
  for (const Stale& s : stale) {
    if (removeSubtree(s.dir, s.v2, deadline)) swept.insert(s.pid);
  }
  return static_cast<int>(swept.size());
}

}  // namespace stratus::sandbox
