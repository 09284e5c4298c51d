// The directories a function may read: its task root and its opt root (layers). Every file
// access of the bootstrap (require, JSON modules, package.json) is checked here, with the real
// path, so neither "..", absolute paths nor symlinks reach anything outside.
//
// Threads: immutable after construction; any thread.
#pragma once

#include <string>
#include <string_view>

namespace stratus::js {

class ConfinedRoots {
 public:
  // Roots that do not exist (or "") confine nothing in: no path is inside them.
  ConfinedRoots(const std::string& task_root, const std::string& opt_root);

  const std::string& taskRoot() const { return task_root_; }  // real path, or ""
  const std::string& optRoot() const { return opt_root_; }

  // A cheap pre-check without system calls: `path` is absolute, has no ".", ".." or empty
  // segments, and lies under a root. confine() is what makes access safe.
  bool lexicallyInside(std::string_view path) const;

  // Resolves symlinks; false when `path` does not exist or its real path is outside both roots.
  bool confine(const std::string& path, std::string* real_path) const;

 private:
  std::string task_root_;
  std::string opt_root_;
};

}  // namespace stratus::js
