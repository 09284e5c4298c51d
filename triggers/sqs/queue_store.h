// The queues' durable rows in the server's SQLite database: one row per queue, one per
// message, one per FIFO deduplication key still within its interval. The statements are made
// here and committed by the service through its DbWriter chain; loading runs once at start.
// Messages are stored whole on every change (upserts), so a later write of a message repairs
// an earlier one that failed. Statement building: loop thread; load: startup.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/base/db_writer.h"
#include "triggers/sqs/queue.h"

namespace stratus::sqs {


// Creates the tables if needed and loads every queue with its messages and live
// deduplication keys.
Result<std::vector<std::unique_ptr<Queue>>> loadQueues(DbWriter& writer);

DbStatement upsertQueue(Queue& queue);
DbStatement deleteQueueRows(const std::string& queue_id);   // the queue row
DbStatement deleteQueueMessages(const std::string& queue_id);
DbStatement deleteQueueDedup(const std::string& queue_id);
DbStatement upsertMessage(const std::string& queue_id, const Message& m);
DbStatement updateMessageReceipt(const std::string& queue_id, const Message& m);  // visibility, counts
DbStatement deleteMessage(const std::string& queue_id, uint64_t seq);
DbStatement upsertDedup(const std::string& queue_id, const std::string& key, const DedupEntry& entry);
DbStatement deleteExpiredDedup(int64_t now_ms);

}  // namespace stratus::sqs
