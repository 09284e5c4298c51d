// What every process sandbox of one server shares: where the jail helper and the runtime clients
// are, the host interpreters, the cgroup tree all sandboxes sit in, the pool of unprivileged
// uids (one per live sandbox, so no two functions share an identity), and the attach helper that
// mounts claimed functions' code into prewarmed jails. Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "runtime/base/loop.h"
#include "sandbox/runtime_command.h"

namespace stratus::sandbox {

class AttachHelper;
class CgroupTree;

struct ProcessTierConfig {
  std::string jail_binary;      // build/stratus-jail
  std::string jail_root;        // an empty host dir: each jail mounts its root there, privately
  std::string empty_dir;        // an empty host dir, bound at /opt when a function has no layers
  std::string runtime_dir;      // runtime/clients: node/ and python/ go to /var/runtime/...
  std::string node_sdk_dir;     // node_modules of the runtime-provided AWS SDK v3, "" if none
  // build/custom-runtime, holding stratus-custom-standin (bound at /var/runtime/custom in the
  // jails of pooled custom runtimes); "" if not built: custom runtimes are then not pooled.
  std::string custom_standin_dir;
  RuntimeBinaries binaries;
  std::map<std::string, std::string> endpoints;  // "LAMBDA" -> "http://127.0.0.1:9000"
  uint32_t uid_base = 200000;
  uint32_t uid_count = 60000;
};

class ProcessTier {
 public:
  // `cgroups` may be null: sandboxes then run without resource limits (a warning at start says so).
  ProcessTier(ProcessTierConfig config, std::unique_ptr<CgroupTree> cgroups);
  ~ProcessTier();
  ProcessTier(const ProcessTier&) = delete;
  ProcessTier& operator=(const ProcessTier&) = delete;

  const ProcessTierConfig& config() const { return config_; }
  // Server shutdown: every sandbox process goes now (thawed and killed with the cgroup tree),
  // rather than waiting for a parent-death signal that a frozen process cannot act on; the
  // attach helper is stopped too.
  void killAllSandboxes();
  // The one attach helper of this server (attach_helper.h), made and started on first use (the
  // prewarm pool asks for it when it starts, so claims never wait for its start).
  AttachHelper& attachHelper(Loop& loop);
  CgroupTree* cgroups() { return cgroups_.get(); }

  // A uid no live sandbox holds (0 when all are taken); give it back when the sandbox is gone.
  uint32_t takeUid();
  void returnUid(uint32_t uid);
  uint64_t nextSandboxId() { return ++last_id_; }
  // AWS_ENDPOINT_URL_<service> for sandboxes started from now on (the API's port is known only
  // once it listens).
  void setEndpoint(const std::string& service, const std::string& url) { config_.endpoints[service] = url; }

 private:
  ProcessTierConfig config_;
  std::unique_ptr<CgroupTree> cgroups_;
  std::unique_ptr<AttachHelper> attach_helper_;
  std::set<uint32_t> taken_;
  uint32_t next_ = 0;
  uint64_t last_id_ = 0;
};

}  // namespace stratus::sandbox
