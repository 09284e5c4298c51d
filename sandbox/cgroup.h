// Cgroups for process sandboxes, through libcgroup. One CgroupTree per server holds every
// sandbox's cgroup under a memory budget the kernel enforces as a whole (the server itself stays
// outside it); one SandboxCgroup per sandbox carries that sandbox's memory, pids and cpu limits
// and the counters that tell an OOM kill from an exit. The jail helper joins a SandboxCgroup
// itself (stratus-jail --cgroup path()), so the sandbox's whole process tree is born inside it.
//
// The tree is <anchor>/stratus-<pid> under every controller's mount, so one path names a
// sandbox's cgroup everywhere; path() is relative to the mounts ("process_api/abc/stratus-1234/
// sb-7"), as stratus-jail --cgroup takes it.
//   v1: the anchor is the server's own memory cgroup. Containers on one kernel usually differ
//       only there (their cpu and pids cgroups are often all the root, shared), so the anchor
//       keeps one container's trees apart from another's. A controller whose own cgroup does
//       not contain the anchor is left out (the tree would escape the host's limits there).
//   v2: the no-internal-process rule keeps the server's own cgroup from having controllers
//       enabled while the server is in it, so the anchor is its parent: the tree is a sibling.
//
// Loop thread only: every call is a few quick cgroupfs syscalls (the destructors included: they
// never wait more than about a millisecond; a cgroup still busy then is removed later).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/error.h"

namespace stratus::sandbox {

struct CgroupSupport {
  bool memory = false;
  bool cpu = false;
  bool pids = false;
  bool freezer = false;  // v1's freezer controller, or v2's cgroup.freeze
  bool v2 = false;      // the unified hierarchy (memory's, which decides the mode)
  std::string missing;  // what is missing, for a log line or an error; "" if all three are there
};
CgroupSupport detectCgroups();

struct CgroupLimits {
  uint64_t memory_mb = 0;   // 0: no limit of its own (the tree's budget still applies)
  int pids_max = 1024;      // <= 0: no limit
  uint64_t cpu_shares = 0;  // 0: the default (1024 on v1, weight 100 on v2)
};

// Lambda gives one vCPU at 1769 MB and CPU in proportion below it; 1024 shares are one vCPU.
uint64_t cpuSharesForMemory(int memory_mb);

namespace cgroup_detail {
// One controller's directory of a cgroup.
struct ControllerDir {
  std::string controller;  // "memory", "cpu", "pids"
  std::string name;        // the path under the controller's mount, as libcgroup names it
  std::string dir;         // mount + "/" + name
  bool v2 = false;
};
// Cgroups whose tasks had not all gone when their owner was destroyed: retried later.
struct PendingRemovals;
}  // namespace cgroup_detail

// One sandbox's cgroup. Destroying it kills every task left in it and removes it.
class SandboxCgroup {
 public:
  ~SandboxCgroup();
  SandboxCgroup(const SandboxCgroup&) = delete;
  SandboxCgroup& operator=(const SandboxCgroup&) = delete;

  // What stratus-jail --cgroup takes: the path under every controller's mount.
  const std::string& path() const { return path_; }
  Status setLimits(const CgroupLimits& limits);

  // Memory counters in bytes (0 if the memory controller is missing). Peak: the high-water mark
  // since creation (v1 memory.max_usage_in_bytes, v2 memory.peak). Read after every invocation,
  // so their files stay open and each read is one pread. Loop thread only.
  uint64_t peakMemoryBytes() const;
  uint64_t currentMemoryBytes() const;
  // The kernel OOM-killed a task in this cgroup (v1 memory.oom_control oom_kill, v2
  // memory.events oom_kill).
  bool oomKilled() const;
  // The pids of every task in it, as the server's pid namespace numbers them.
  std::vector<pid_t> tasks() const;
  // Stops (or resumes) every task in it: v1 freezer.state, v2 cgroup.freeze. Freezing is
  // asynchronous (the tasks stop within moments); no-op without a freezer.
  Status setFrozen(bool frozen);
  // Moves the process `pid` (all its threads) into this cgroup in every controller it has, for
  // children that cannot join it themselves (isolate hosts, spawned by uv_spawn). `skip`: a v1
  // controller to leave it in its current cgroup for (v2 has one hierarchy: nothing to skip).
  Status attach(pid_t pid, const std::string& skip = "");
  // Thaws, then SIGKILL to every task in cgroup.procs (v2: cgroup.kill); returns how many were
  // signalled.
  int killAll();

  std::vector<std::string> directoriesForTest() const;

 private:
  friend class CgroupTree;
  SandboxCgroup(std::string path, std::vector<cgroup_detail::ControllerDir> dirs,
                std::shared_ptr<cgroup_detail::PendingRemovals> pending);
  const cgroup_detail::ControllerDir* dirOf(const char* controller) const;

  void closeCounters();

  std::string path_;
  std::vector<cgroup_detail::ControllerDir> dirs_;
  std::shared_ptr<cgroup_detail::PendingRemovals> pending_;
  mutable int current_fd_ = -1;  // the memory counters' files, opened on first read
  mutable int peak_fd_ = -1;
};

// The parent of one server's sandbox cgroups. Destroying it kills and removes everything in it.
class CgroupTree {
 public:
  // Makes stratus-<pid> with memory limit = `budget_mb` (and memory+swap the same: no swap).
  // Needs the memory controller; cpu and pids are used when present.
  // `role` non-empty names a second tree of the same server, stratus-<pid>-<role> (the
  // isolate hosts'), swept like the first.
  static Result<std::unique_ptr<CgroupTree>> create(uint64_t budget_mb, const std::string& role = "");
  ~CgroupTree();
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;

  // A child named `name` (one path component, e.g. "sb-7") with memory limit = memory_mb,
  // memory+swap the same and swappiness 0, pids.max and cpu shares as given.
  Result<std::unique_ptr<SandboxCgroup>> createChild(const std::string& name,
                                                     const CgroupLimits& limits);
  const std::string& path() const { return path_; }
  bool v2() const;
  uint64_t currentMemoryBytes() const;

  // Removes stratus-<pid> trees at this server's anchor (and their children, killing any task
  // left) whose server pid is dead, as a server killed with SIGKILL leaves them. Returns how
  // many trees went. Call at startup, before create(). (The pids are this pid namespace's:
  // servers whose memory cgroup is the same must share a pid namespace.)
  static int sweepStale();

  std::vector<std::string> directoriesForTest() const;

 private:
  CgroupTree(std::string path, std::vector<cgroup_detail::ControllerDir> dirs,
             std::vector<std::string> made_ancestors);

  std::string path_;
  std::vector<cgroup_detail::ControllerDir> dirs_;
  std::vector<std::string> made_ancestors_;  // deepest first
  std::shared_ptr<cgroup_detail::PendingRemovals> pending_;
};

}  // namespace stratus::sandbox
