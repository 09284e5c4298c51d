#include "triggers/process_tier_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "runtime/base/log.h"
#include "sandbox/cgroup.h"

#ifndef STRATUS_SOURCE_DIR
#define STRATUS_SOURCE_DIR "."
#endif

namespace stratus::triggers {

namespace {

namespace fs = std::filesystem;

// The first line a command prints, "" if it fails. Startup only.
std::string firstLineOf(const std::string& command) {
  std::array<char, 256> buf{};
  FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!p) return "";
  std::string out;
  if (std::fgets(buf.data(), buf.size(), p)) out = buf.data();
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string shellQuoted(const std::string& s) { return "'" + s + "'"; }

bool isExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// A directory that exists and is empty (recreated when something was left in it).
bool emptyDir(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  fs::create_directories(path, ec);
  if (ec) return false;
  ::chmod(path.c_str(), 0755);
  return true;
}

}  // namespace

std::unique_ptr<sandbox::ProcessTier> setUpProcessTier(const ProcessTierOptions& options,
                                                       const std::string& data_dir,
                                                       uint64_t budget_mb, const char* argv0) {
  sandbox::ProcessTierConfig cfg;
  std::error_code ec;
  fs::path self = fs::canonical(fs::path(argv0), ec);
  cfg.jail_binary = (ec ? fs::path("stratus-jail") : self.parent_path() / "stratus-jail").string();
  cfg.runtime_dir = std::string(STRATUS_SOURCE_DIR) + "/runtime/clients";
  std::string sdk = std::string(STRATUS_SOURCE_DIR) + "/third_party/node-sdk/node_modules";
  if (fs::is_directory(sdk, ec)) cfg.node_sdk_dir = sdk;

  if (::geteuid() != 0) {
    logWarn("process sandboxes need root (namespaces, cgroups, a uid per sandbox): Node.js runs "
            "in isolates only; python and custom runtimes cannot run");
    return nullptr;
  }
  if (!isExecutable(cfg.jail_binary)) {
    logWarn("jail helper " + cfg.jail_binary + " not found: Node.js runs in isolates only");
    return nullptr;
  }
  if (!fs::is_directory(cfg.runtime_dir + "/node", ec)) {
    logWarn("runtime clients not found under " + cfg.runtime_dir + ": Node.js runs in isolates only");
    return nullptr;
  }
  std::string run_dir = fs::absolute(data_dir + "/run", ec).string();
  cfg.jail_root = run_dir + "/jail-root";
  cfg.empty_dir = run_dir + "/empty";
  if (!emptyDir(cfg.jail_root) || !emptyDir(cfg.empty_dir)) {
    logWarn("cannot prepare " + run_dir + ": Node.js runs in isolates only");
    return nullptr;
  }

  cfg.binaries.node = options.node_binary;
  cfg.binaries.python = options.python_binary;
  std::string node_version = firstLineOf(shellQuoted(cfg.binaries.node) + " --version");  // "v20.20.2"
  if (node_version.size() > 1 && node_version[0] == 'v') {
    cfg.binaries.node_major = std::atoi(node_version.c_str() + 1);
  }
  std::string python_version = firstLineOf(
      shellQuoted(cfg.binaries.python) + " -c 'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])'");
  if (!python_version.empty()) {
    cfg.binaries.python_version = python_version.substr(0, python_version.rfind('.'));
  }
  // On stderr: stdout's first line is the listening banner that scripts and tests read.
  std::fprintf(stderr, "stratus: runtimes: nodejs*.x -> %s (%s, %s tier by default), python3.* -> %s (%s), "
              "provided* -> the function's bootstrap; AWS SDK v3 for Node: %s\n",
              cfg.binaries.node.c_str(), node_version.empty() ? "not found" : node_version.c_str(),
              options.node_tier == sandbox::NodeTier::kProcess ? "process" : "isolate",
              cfg.binaries.python.c_str(), python_version.empty() ? "not found" : python_version.c_str(),
              cfg.node_sdk_dir.empty() ? "missing (run scripts/deps.sh)" : cfg.node_sdk_dir.c_str());

  std::unique_ptr<sandbox::CgroupTree> cgroups;
  sandbox::CgroupSupport support = sandbox::detectCgroups();
  if (!support.missing.empty()) {
    logWarn("cgroups: " + support.missing + " missing: those limits are not enforced");
  }
  if (support.memory || support.pids || support.cpu) {
    sandbox::CgroupTree::sweepStale();
    auto tree = sandbox::CgroupTree::create(budget_mb);
    if (tree.ok()) {
      cgroups = std::move(tree).value();
    } else {
      logWarn("cgroups: " + tree.error().message + ": sandboxes run without resource limits");
    }
  }
  return std::make_unique<sandbox::ProcessTier>(std::move(cfg), std::move(cgroups));
}

}  // namespace stratus::triggers
