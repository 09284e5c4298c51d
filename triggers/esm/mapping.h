// One SQS event source mapping (LAMBDA.md §10): what the API stores and shows, and what its
// poller (queue_poller.h) reads. Plain data; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::esm {

// Lambda's states; the durable part is only `enabled` (the transitional states are what an
// answer shows while the poller starts or stops, and become Enabled/Disabled again on restart).
enum class MappingState { kCreating, kEnabling, kEnabled, kDisabling, kDisabled, kUpdating, kDeleting };
const char* stateName(MappingState s);

struct Mapping {
  std::string uuid;
  std::string function_name;  // unqualified
  std::string qualifier;      // "" when FunctionName named none
  std::string function_arn;   // as Lambda echoes it: qualified when a qualifier was given
  std::string event_source_arn;
  int batch_size = 10;
  int batching_window_s = 0;
  bool window_given = false;  // shown as given; 0 when absent
  bool enabled = true;
  std::vector<std::string> filter_patterns;  // FilterCriteria.Filters[].Pattern, as given
  bool filters_given = false;                // FilterCriteria appears in answers only if set
  bool report_batch_item_failures = false;   // FunctionResponseTypes ["ReportBatchItemFailures"]
  std::optional<int> maximum_concurrency;    // ScalingConfig.MaximumConcurrency
  std::map<std::string, std::string> tags;
  int64_t last_modified_ms = 0;
  // Loop-owned, not stored.
  MappingState state = MappingState::kCreating;
  std::string state_transition_reason = "USER_INITIATED";
};

std::string mappingArn(const std::string& region, const std::string& account, const std::string& uuid);

// The API's EventSourceMappingConfiguration shape.
nlohmann::json mappingShape(const Mapping& m, const std::string& region, const std::string& account);

// The stored row's JSON (everything but the transitional state).
nlohmann::json mappingRow(const Mapping& m);
Mapping mappingFromRow(const nlohmann::json& row);

}  // namespace stratus::esm
