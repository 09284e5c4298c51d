#include "triggers/function_versions.h"

#include "runtime/base/clock.h"
#include "runtime/base/ids.h"
#include "triggers/function_lookup.h"

namespace stratus::triggers {

namespace {
// What makes two versions the same function: code and the configuration that runs it (a
// version's description is its own, not a change to publish).
bool sameFunction(const scheduler::FunctionRecord& a, const scheduler::FunctionRecord& b) {
  return a.code.sha256_hex == b.code.sha256_hex && a.runtime == b.runtime &&
         a.handler == b.handler && a.role == b.role && a.timeout_s == b.timeout_s &&
         a.memory_mb == b.memory_mb && a.environment == b.environment &&
         a.architectures == b.architectures && a.ephemeral_storage_mb == b.ephemeral_storage_mb &&
         a.tracing_mode == b.tracing_mode;
}
}  // namespace

Result<scheduler::FunctionRecord> publishLatest(scheduler::FunctionState& state,
                                                const nlohmann::json& body) {
  const scheduler::FunctionRecord& latest = state.latest;
  if (body.contains("CodeSha256") && body["CodeSha256"].is_string() &&
      body["CodeSha256"].get<std::string>() != latest.code.sha256_base64) {
    return Error::invalidParameter("CodeSHA256 (" + body["CodeSha256"].get<std::string>() +
                                   ") is different from current CodeSHA256 in $LATEST (" +
                                   latest.code.sha256_base64 +
                                   "). Please try again with the CodeSHA256 in $LATEST.");
  }
  Status rev = checkRevision(body, latest.revision_id);
  if (!rev.ok()) return rev.error();
  if (!state.versions.empty()) {
    const scheduler::FunctionRecord& newest = state.versions.rbegin()->second;
    if (sameFunction(newest, latest)) return newest;
  }
  scheduler::FunctionRecord v = latest;
  v.version = std::to_string(++state.last_version);
  if (body.contains("Description") && body["Description"].is_string()) {
    v.description = body["Description"].get<std::string>();
  }
  v.revision_id = uuid4();
  v.last_modified_ms = epochMs();
  v.generation = 0;  // immutable: its sandboxes never go stale
  v.tags.clear();    // tags belong to the function, not to versions
  state.versions[state.last_version] = v;
  return v;
}

}  // namespace stratus::triggers
