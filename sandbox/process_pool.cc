#include "sandbox/process_pool.h"

#include <unistd.h>

#include "runtime/base/log.h"
#include "sandbox/extension_files.h"

namespace stratus::sandbox {

namespace {

constexpr int kDefaultEphemeralMb = 512;

SandboxSpec genericSpec(const std::string& runtime, int memory_mb, const std::string& region) {
  SandboxSpec s;
  s.function_name = "prewarm";
  s.version = "$LATEST";
  s.runtime = runtime;
  s.memory_mb = memory_mb;
  s.ephemeral_mb = kDefaultEphemeralMb;
  s.region = region;
  return s;
}

}  // namespace

ProcessPool::ProcessPool(Loop& loop, ProcessTier& tier, ProcessPoolOptions options)
    : loop_(loop), tier_(tier), options_(options), timer_(loop) {
  kinds_.push_back({RuntimeFamily::kNode, options_.node,
                    genericSpec("nodejs20.x", options_.node_memory_mb, "us-east-1"), {}});
  kinds_.push_back({RuntimeFamily::kPython, options_.python,
                    genericSpec("python3.12", 128, "us-east-1"), {}});
  // Without the stand-in built, custom runtimes are not pooled.
  kinds_.push_back({RuntimeFamily::kProvided, tier_.config().custom_standin_dir.empty() ? 0 : options_.custom,
                    genericSpec("provided.al2023", 128, "us-east-1"), {}});
}

ProcessPool::~ProcessPool() = default;

void ProcessPool::start() {
  tier_.attachHelper(loop_);  // up before the first claim needs it
  refill();
}

// Variables a runtime reads once, when it starts (node's NODE_OPTIONS and
// NODE_EXTRA_CA_CERTS, the dynamic loader's LD_*, python's PYTHON*, OpenSSL's): a function
// that sets one needs a process started with it, not a prewarmed one claimed after the fact.
static bool readAtStartup(const std::map<std::string, std::string>& env) {
  static const char* kPrefixes[] = {"NODE_", "UV_", "LD_", "PYTHON", "SSL_CERT_", "OPENSSL_"};
  for (const auto& [key, value] : env) {
    for (const char* prefix : kPrefixes) {
      if (key.rfind(prefix, 0) == 0) return true;
    }
  }
  return false;
}

// The bootstrap an unpooled custom runtime would exec (runtimeArgv), as the host sees it.
static bool hasExecutableBootstrap(const SandboxSpec& spec) {
  std::string task = spec.task_root + "/bootstrap";
  if (::access(task.c_str(), F_OK) == 0) return ::access(task.c_str(), X_OK) == 0;
  return !spec.opt_root.empty() && ::access((spec.opt_root + "/bootstrap").c_str(), X_OK) == 0;
}

ProcessPool::Kind* ProcessPool::kindFor(const SandboxSpec& spec) {
  if (spec.ephemeral_mb != kDefaultEphemeralMb || readAtStartup(spec.environment)) return nullptr;
  // Extensions start before the runtime, in the jail the runtime starts in: a prewarmed runtime
  // is already running without them, so such a function gets a process of its own.
  if (!externalExtensions(spec.opt_root).empty()) return nullptr;
  RuntimeFamily family = runtimeFamily(spec.runtime);
  if (family == RuntimeFamily::kProvided) {
    // Any memory size (a cgroup limit, set at the claim). The stand-in cannot report a failed
    // exec the way the jail does (Runtime.InvalidEntrypoint...): a bootstrap that is missing or
    // not executable gets the unpooled start, whose jail says so.
    if (!hasExecutableBootstrap(spec)) return nullptr;
    for (Kind& k : kinds_) {
      if (k.family == family) return &k;
    }
    return nullptr;
  }
  const RuntimeBinaries& bins = tier_.config().binaries;
  for (Kind& k : kinds_) {
    // Same family and the same command line (node's heap and module flags are fixed at start).
    if (k.family == family && runtimeArgv(spec, bins, false) == runtimeArgv(k.generic, bins, false)) {
      return &k;
    }
  }
  return nullptr;
}

std::unique_ptr<ProcessSandbox> ProcessPool::take(const SandboxSpec& spec) {
  Kind* kind = kindFor(spec);
  if (!kind) return nullptr;
  std::unique_ptr<ProcessSandbox> found;
  auto& m = kind->members;
  for (auto it = m.begin(); it != m.end();) {
    if ((*it)->state() == SandboxState::kCondemned) {
      it = m.erase(it);  // its runtime died while it waited
    } else if (!found && (*it)->claimable()) {
      found = std::move(*it);
      it = m.erase(it);
    } else {
      ++it;
    }
  }
  refillSoon();
  if (found) found->claimFor(spec);
  return found;
}

size_t ProcessPool::readyCount() const {
  size_t n = 0;
  for (const Kind& k : kinds_) {
    for (const auto& s : k.members) n += s->claimable() ? 1 : 0;
  }
  return n;
}

uint64_t ProcessPool::heldMb() const {
  uint64_t mb = 0;
  for (const Kind& k : kinds_) {
    for (const auto& s : k.members) mb += s->footprintMb();
  }
  return mb;
}

void ProcessPool::refillSoon() {
  if (refill_armed_) return;
  refill_armed_ = true;
  // Later, so that starting replacements does not compete with the start that took one.
  timer_.start(options_.refill_delay_ms, [this] {
    refill_armed_ = false;
    refill();
  });
}

void ProcessPool::refill() {
  for (Kind& k : kinds_) {
    std::erase_if(k.members, [](const auto& s) { return s->state() == SandboxState::kCondemned; });
    while (static_cast<int>(k.members.size()) < k.wanted) {
      auto sandbox = std::make_unique<ProcessSandbox>(loop_, tier_, k.generic);
      std::string failed = sandbox->startGeneric();
      if (!failed.empty()) {
        logWarn("prewarm: cannot start a " + k.generic.runtime + " runtime: " + failed);
        k.wanted = static_cast<int>(k.members.size());  // do not retry in a loop
        break;
      }
      k.members.push_back(std::move(sandbox));
    }
  }
}

}  // namespace stratus::sandbox
