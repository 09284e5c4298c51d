// Which messages of a batch failed, from the function's answer (LAMBDA.md §10): without
// ReportBatchItemFailures, any function error fails the whole batch and success deletes it
// all; with it, {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]} fails just those,
// an empty or null list, {} or null fail none, and invalid JSON, a non-list, an entry without
// a string itemIdentifier (wrong key, null, empty) or naming a message not in the batch fail
// the whole batch. On FIFO queues a failed message fails every later one of the batch too, so
// a group's order survives the retry. Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stratus::esm {

struct BatchVerdict {
  bool whole_batch_failed = false;
  std::vector<size_t> failed;  // indices into the batch, ascending (all of them when whole)
};

BatchVerdict judgeBatch(bool function_succeeded, std::string_view payload, bool report_item_failures,
                        const std::vector<std::string>& message_ids, bool fifo);

}  // namespace stratus::esm
