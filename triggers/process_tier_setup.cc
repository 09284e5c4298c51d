#include "triggers/process_tier_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "runtime/base/log.h"
#include "sandbox/cgroup.h"
#include "sandbox/runtime_command.h"

#ifndef STRATUS_SOURCE_DIR
#define STRATUS_SOURCE_DIR "."
#endif

namespace stratus::triggers {

namespace {

namespace fs = std::filesystem;

// Runs a shell command and returns its exit status (-1 if it could not be started), with what
// it printed, trailing newlines removed, in `output`. Startup only.
int runCommand(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return -1;
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) output += buf.data();
  int status = ::pclose(p);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return status;
}

// The first line a command prints, "" if it fails.
std::string firstLineOf(const std::string& command) {
  std::string out;
  if (runCommand(command + " 2>/dev/null", out) == -1) return "";
  return out.substr(0, out.find('\n'));
}

std::string shellQuoted(const std::string& s) { return "'" + s + "'"; }

// Runs /bin/true in a jail as sandboxes will run: "" if that works, else what the jail said
// (a namespace kind or a mount this machine refuses). Startup only.
std::string probeJail(const sandbox::ProcessTierConfig& cfg) {
  std::string command = shellQuoted(cfg.jail_binary) + " --root " + shellQuoted(cfg.jail_root) +
                        " --uid 65534 --gid 65534 --bind " + shellQuoted(cfg.empty_dir + ":/var/task") +
                        " -- /bin/true 2>&1";
  std::string out;
  int status = runCommand(command, out);
  if (status == -1) return "cannot run " + cfg.jail_binary;
  if (status == 0) return "";
  return out.empty() ? "exit status " + std::to_string(status) : out;
}

// The version an interpreter reports: node "v20.20.2" -> "20.20.2", python "3.11.2".
sandbox::Interpreter detectInterpreter(const std::string& name, const std::string& path) {
  sandbox::Interpreter interpreter{path, ""};
  if (name.rfind("nodejs", 0) == 0) {
    std::string v = firstLineOf(shellQuoted(path) + " --version");
    if (v.size() > 1 && v[0] == 'v') interpreter.version = v.substr(1);
  } else {
    interpreter.version = firstLineOf(
        shellQuoted(path) + " -c 'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])'");
  }
  return interpreter;
}

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
  if (!ec && isExecutable((self.parent_path() / "custom-runtime" / sandbox::kCustomStandinName).string())) {
    cfg.custom_standin_dir = (self.parent_path() / "custom-runtime").string();
  }

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

  if (std::string failed = probeJail(cfg); !failed.empty()) {
    logWarn("process sandboxes cannot start on this machine (" + failed +
            "): Node.js runs in isolates only; python and custom runtimes cannot run");
    return nullptr;
  }

  std::string mapping;
  for (const auto& [name, path] : options.binaries) {
    // The jail shows the host's /usr, /bin and /lib* only: an interpreter elsewhere (its
    // libraries with it) would not be found inside.
    if (path.rfind("/usr/", 0) != 0 && path.rfind("/bin/", 0) != 0) {
      logWarn("--runtime-binary " + name + "=" + path + ": only interpreters under /usr or /bin "
              "are visible inside a sandbox; ignored");
      continue;
    }
    sandbox::Interpreter interpreter = detectInterpreter(name, path);
    mapping += (mapping.empty() ? "" : ", ") + name + (name.find('.') == std::string::npos ? "*" : "") +
               " -> " + path + " (" + (interpreter.version.empty() ? "not found" : interpreter.version) + ")";
    if (interpreter.version.empty()) continue;  // the default version stays; starts will fail
    if (name == "nodejs") {
      cfg.binaries.node = interpreter;
    } else if (name == "python") {
      cfg.binaries.python = interpreter;
    } else {
      cfg.binaries.by_runtime[name] = interpreter;
    }
  }
  // On stderr: stdout's first line is the listening banner that scripts and tests read.
  std::fprintf(stderr, "stratus: runtimes: %s, provided* -> the function's bootstrap; nodejs*.x "
               "runs in the %s tier by default; AWS SDK v3 for Node: %s\n",
               mapping.c_str(), options.node_tier == sandbox::NodeTier::kProcess ? "process" : "isolate",
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
