#include "triggers/esm/mapping.h"

namespace stratus::esm {

const char* stateName(MappingState s) {
  switch (s) {
    case MappingState::kCreating: return "Creating";
    case MappingState::kEnabling: return "Enabling";
    case MappingState::kEnabled: return "Enabled";
    case MappingState::kDisabling: return "Disabling";
    case MappingState::kDisabled: return "Disabled";
    case MappingState::kUpdating: return "Updating";
    case MappingState::kDeleting: return "Deleting";
  }
  return "Enabled";
}

std::string mappingArn(const std::string& region, const std::string& account, const std::string& uuid) {
  return "arn:aws:lambda:" + region + ":" + account + ":event-source-mapping:" + uuid;
}

nlohmann::json mappingShape(const Mapping& m, const std::string& region, const std::string& account) {
  nlohmann::json j{{"UUID", m.uuid},
                   {"BatchSize", m.batch_size},
                   {"MaximumBatchingWindowInSeconds", m.batching_window_s},
                   {"EventSourceArn", m.event_source_arn},
                   {"FunctionArn", m.function_arn},
                   {"LastModified", static_cast<double>(m.last_modified_ms) / 1000.0},
                   {"State", stateName(m.state)},
                   {"StateTransitionReason", m.state_transition_reason},
                   {"EventSourceMappingArn", mappingArn(region, account, m.uuid)}};
  j["FunctionResponseTypes"] = m.report_batch_item_failures ? nlohmann::json::array({"ReportBatchItemFailures"})
                                                            : nlohmann::json::array();
  if (m.filters_given) {
    nlohmann::json filters = nlohmann::json::array();
    for (const auto& p : m.filter_patterns) filters.push_back({{"Pattern", p}});
    j["FilterCriteria"] = {{"Filters", filters}};
  }
  if (m.maximum_concurrency) j["ScalingConfig"] = {{"MaximumConcurrency", *m.maximum_concurrency}};
  return j;
}

nlohmann::json mappingRow(const Mapping& m) {
  nlohmann::json j{{"uuid", m.uuid},
                   {"function_name", m.function_name},
                   {"qualifier", m.qualifier},
                   {"function_arn", m.function_arn},
                   {"event_source_arn", m.event_source_arn},
                   {"batch_size", m.batch_size},
                   {"window_s", m.batching_window_s},
                   {"window_given", m.window_given},
                   {"enabled", m.enabled},
                   {"filters", m.filter_patterns},
                   {"filters_given", m.filters_given},
                   {"report_failures", m.report_batch_item_failures},
                   {"tags", m.tags},
                   {"last_modified_ms", m.last_modified_ms}};
  if (m.maximum_concurrency) j["max_concurrency"] = *m.maximum_concurrency;
  return j;
}

Mapping mappingFromRow(const nlohmann::json& j) {
  Mapping m;
  m.uuid = j.value("uuid", "");
  m.function_name = j.value("function_name", "");
  m.qualifier = j.value("qualifier", "");
  m.function_arn = j.value("function_arn", "");
  m.event_source_arn = j.value("event_source_arn", "");
  m.batch_size = j.value("batch_size", 10);
  m.batching_window_s = j.value("window_s", 0);
  m.window_given = j.value("window_given", false);
  m.enabled = j.value("enabled", true);
  m.filter_patterns = j.value("filters", std::vector<std::string>{});
  m.filters_given = j.value("filters_given", false);
  m.report_batch_item_failures = j.value("report_failures", false);
  m.tags = j.value("tags", std::map<std::string, std::string>{});
  m.last_modified_ms = j.value("last_modified_ms", int64_t{0});
  if (j.contains("max_concurrency")) m.maximum_concurrency = j.value("max_concurrency", 2);
  m.state = m.enabled ? MappingState::kEnabled : MappingState::kDisabled;
  return m;
}

}  // namespace stratus::esm
