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
         a.tracing_mode == b.tracing_mode && a.log_format == b.log_format &&
         a.application_log_level == b.application_log_level && a.system_log_level == b.system_log_level &&
         a.log_group == b.log_group && a.dead_letter_target_arn == b.dead_letter_target_arn;
}
}  // namespace

Result<scheduler::FunctionRecord> publishLatest(scheduler::FunctionState& state,
                                                const PublishVersionInput& input) {
  const scheduler::FunctionRecord& latest = state.latest;
  if (input.code_sha256 && *input.code_sha256 != latest.code.sha256_base64) {
    return Error::invalidParameter("CodeSHA256 (" + *input.code_sha256 +
                                   ") is different from current CodeSHA256 in $LATEST (" +
                                   latest.code.sha256_base64 +
                                   "). Please try again with the CodeSHA256 in $LATEST.");
  }
  Status rev = checkRevision(input.revision_id, latest.revision_id);
  if (!rev.ok()) return rev.error();
  if (!state.versions.empty()) {
    const scheduler::FunctionRecord& newest = state.versions.rbegin()->second;
    if (sameFunction(newest, latest)) return newest;
  }
  scheduler::FunctionRecord v = latest;
  v.version = std::to_string(++state.last_version);
  if (input.description) v.description = *input.description;
  v.revision_id = uuid4();
  v.last_modified_ms = epochMs();
  v.generation = 0;  // immutable: its sandboxes never go stale
  v.tags.clear();    // tags belong to the function, not to versions
  state.versions[state.last_version] = v;
  return v;
}

}  // namespace stratus::triggers
