#include "sandbox/jail/cgroup_join.h"

#include <libcgroup.h>
#include <sys/stat.h>

#include <cstdlib>
#include <vector>

namespace stratus::sandbox::jail {
namespace {

constexpr const char* kControllers[] = {"memory", "cpu", "pids", "freezer"};

// libcgroup's default logger prints to stdout, which is the function's log: stay quiet and
// report through our own error instead.
void quietLogger(void*, int, const char*, va_list) {}

std::string trimSlashes(std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

StepResult joinCgroup(const std::string& path) {
  cgroup_set_logger(quietLogger, CGROUP_LOG_ERROR, nullptr);
  if (int rc = cgroup_init(); rc != 0) {
    return usageError(JailStep::kCgroup, path, std::string("cgroup_init: ") + cgroup_strerror(rc));
  }
  std::string name = trimSlashes(path);
  std::vector<const char*> joined;
  std::string tried;
  for (const char* controller : kControllers) {
    char* mount = nullptr;
    if (cgroup_get_subsys_mount_point(controller, &mount) != 0) continue;
    std::string dir = std::string(mount) + "/" + name;
    std::free(mount);
    struct stat st;
    if (stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      joined.push_back(controller);
    } else {
      tried += (tried.empty() ? "" : ", ") + dir;
    }
  }
  if (joined.empty()) {
    return usageError(JailStep::kCgroup, path,
                      "no memory, cpu or pids controller has it" +
                          (tried.empty() ? std::string(" (none mounted)") : ": " + tried));
  }
  cgroup* group = cgroup_new_cgroup(name.c_str());
  if (group == nullptr) return usageError(JailStep::kCgroup, path, "cgroup_new_cgroup failed");
  for (const char* controller : joined) cgroup_add_controller(group, controller);
  // Writes this (single-threaded) process into each controller's tasks / cgroup.procs.
  int rc = cgroup_attach_task(group);
  cgroup_free(&group);
  if (rc != 0) return usageError(JailStep::kCgroup, path, cgroup_strerror(rc));
  return std::nullopt;
}

}  // namespace stratus::sandbox::jail
