#include "triggers/esm/batch_response.h"

#include <nlohmann/json.hpp>
#include <set>

#include "runtime/base/json_reader.h"

namespace stratus::esm {

namespace {

BatchVerdict all(size_t n) {
  BatchVerdict v;
  v.whole_batch_failed = true;
  for (size_t i = 0; i < n; ++i) v.failed.push_back(i);
  return v;
}

}  // namespace

BatchVerdict judgeBatch(bool function_succeeded, std::string_view payload, bool report_item_failures,
                        const std::vector<std::string>& message_ids, bool fifo) {
  const size_t n = message_ids.size();
  if (!function_succeeded) return all(n);
  if (!report_item_failures) return {};
  // A handler that returns nothing answers "null"; an empty payload counts the same.
  if (payload.empty()) return {};
  if (!jsonSyntaxError(payload, kJsonDefaultMaxDepth).empty()) return all(n);
  nlohmann::json answer = nlohmann::json::parse(payload, nullptr, false);
  if (answer.is_discarded()) return all(n);
  if (!answer.is_object()) return {};  // null, or an answer that is no EventResponse
  auto list = answer.find("batchItemFailures");
  if (list == answer.end() || list->is_null()) return {};
  if (!list->is_array()) return all(n);
  std::set<size_t> failed;
  for (const auto& entry : *list) {
    if (!entry.is_object()) return all(n);
    auto id = entry.find("itemIdentifier");
    if (id == entry.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) return all(n);
    size_t index = n;
    for (size_t i = 0; i < n; ++i) {
      if (message_ids[i] == id->get_ref<const std::string&>()) {
        index = i;
        break;
      }
    }
    if (index == n) return all(n);  // a message not in this batch
    failed.insert(index);
  }
  BatchVerdict v;
  if (failed.empty()) return v;
  size_t first = *failed.begin();
  if (fifo) {
    for (size_t i = first; i < n; ++i) v.failed.push_back(i);
  } else {
    v.failed.assign(failed.begin(), failed.end());
  }
  return v;
}

}  // namespace stratus::esm
