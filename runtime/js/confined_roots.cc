#include "runtime/js/confined_roots.h"

#include <limits.h>
#include <stdlib.h>

namespace stratus::js {
namespace {

std::string realPathOrEmpty(const std::string& path) {
  if (path.empty()) return "";
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return "";
  return buf;
}

bool underRoot(std::string_view path, const std::string& root) {
  if (root.empty() || path.size() < root.size() || path.compare(0, root.size(), root) != 0) {
    return false;
  }
  return path.size() == root.size() || path[root.size()] == '/' || root == "/";
}

// No ".", ".." or empty segments: what path.resolve() produces.
bool lexicallyNormal(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view segment = path.substr(i, j - i);
    if ((segment.empty() && j != path.size()) || segment == "." || segment == "..") return false;
    i = j + 1;
  }
  return true;
}

}  // namespace

ConfinedRoots::ConfinedRoots(const std::string& task_root, const std::string& opt_root)
    : task_root_(realPathOrEmpty(task_root)), opt_root_(realPathOrEmpty(opt_root)) {}

bool ConfinedRoots::lexicallyInside(std::string_view path) const {
  return path.find('\0') == std::string_view::npos && lexicallyNormal(path) &&
         (underRoot(path, task_root_) || underRoot(path, opt_root_));
}

bool ConfinedRoots::confine(const std::string& path, std::string* real_path) const {
  // A NUL would cut the path short for the system calls below.
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos) return false;
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return false;
  std::string_view real(buf);
  if (!underRoot(real, task_root_) && !underRoot(real, opt_root_)) return false;
  real_path->assign(real);
  return true;
}

}  // namespace stratus::js
