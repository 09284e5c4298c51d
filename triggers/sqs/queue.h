// One queue's messages: sending, receiving with visibility timeouts, deleting by receipt
// handle, delays, retention, FIFO groups and deduplication, and the redrive test. Time comes
// in as an argument (epoch milliseconds), so the model is tested on a hand-moved clock and
// knows nothing of timers, HTTP or SQLite: the service (sqs_service.h) writes what changed.
// Loop thread only.
//
// Receiving is O(messages returned) on standard queues: messages believed visible sit in
// `ready_` by send order, hidden ones (delayed or in flight) in `hidden_` by the time they
// become visible, and are moved over lazily when that time has come.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "triggers/sqs/message.h"
#include "triggers/sqs/queue_config.h"

namespace stratus::sqs {

// What a receipt handle names: a queue (by its incarnation id, so a deleted and re-created
// queue refuses old handles), a message and the receive that produced it.
struct ReceiptHandle {
  std::string queue_id;
  uint64_t seq = 0;
  std::string nonce;
};
std::string encodeReceiptHandle(const ReceiptHandle& handle);
std::optional<ReceiptHandle> decodeReceiptHandle(const std::string& text);

struct QueueCounts {
  int64_t visible = 0;      // ApproximateNumberOfMessages
  int64_t in_flight = 0;    // ApproximateNumberOfMessagesNotVisible
  int64_t delayed = 0;      // ApproximateNumberOfMessagesDelayed
};

// A FIFO send that matched an earlier one within the deduplication interval.
struct DedupEntry {
  std::string message_id;
  uint64_t seq = 0;
  int64_t expires_ms = 0;
};

class Queue {
 public:
  static constexpr int64_t kDedupIntervalMs = 5 * 60 * 1000;

  Queue(std::string name, std::string arn, std::string id, QueueConfig config, int64_t created_ms);

  const std::string& name() const { return name_; }
  const std::string& arn() const { return arn_; }
  const std::string& id() const { return id_; }  // incarnation: a new id per CreateQueue
  const QueueConfig& config() const { return config_; }
  void setConfig(QueueConfig config, int64_t now_ms);
  int64_t createdMs() const { return created_ms_; }
  int64_t modifiedMs() const { return modified_ms_; }
  std::map<std::string, std::string>& tags() { return tags_; }
  uint64_t lastSeq() const { return next_seq_ - 1; }

  // FIFO deduplication key of a send ("" on standard queues): the dedup id, scoped to the
  // group when the queue's DeduplicationScope is messageGroup.
  std::string dedupKey(const Message& m) const;
  // The earlier send a FIFO message duplicates, if it is still within the interval.
  const DedupEntry* findDuplicate(const std::string& key, int64_t now_ms);
  // Adds `m` (validated by the caller; its seq is assigned here) and, on FIFO queues, records
  // its deduplication key. Returns the stored message.
  const Message& send(Message m, int64_t now_ms);
  // Takes in a message moved here from another queue (redrive, move tasks): a seq of this
  // queue, visible now, its id, body, attributes, first send time and receive count kept.
  const Message& adopt(Message m, int64_t now_ms);
  // Puts back a message loaded from disk (seq and state as stored).
  void restore(Message m);
  void restoreDedup(const std::string& key, DedupEntry entry);
  const std::map<std::string, DedupEntry>& dedupEntries() const { return dedup_; }

  struct Received {
    std::vector<const Message*> messages;  // hidden for the visibility timeout now
    std::vector<Message> dead_lettered;    // over maxReceiveCount: removed, for the DLQ
  };
  // Up to `max` messages, each hidden until now + visibility_ms, its receive count and
  // receipt nonce renewed. `max_receive_count` > 0: a message already received that many
  // times goes to `dead_lettered` instead (the redrive policy).
  Received receive(int max, int64_t visibility_ms, int64_t now_ms, int64_t max_receive_count);

  enum class HandleOutcome { kDone, kStale, kNotInFlight };
  // Deletes the message the handle names if the handle is its latest; kStale otherwise (the
  // message was received again, or is gone).
  HandleOutcome remove(const ReceiptHandle& handle, uint64_t* removed_seq);
  // Changes an in-flight message's visibility to now + timeout_ms.
  HandleOutcome changeVisibility(const ReceiptHandle& handle, int64_t timeout_ms, int64_t now_ms,
                                 const Message** changed);
  // Drops every message; returns their seqs.
  std::vector<uint64_t> purge();
  // Drops messages older than the retention period; returns their seqs.
  std::vector<uint64_t> expire(int64_t now_ms);
  // Removes and returns up to `max` visible messages, oldest first (a move task).
  std::vector<Message> takeVisible(size_t max, int64_t now_ms);

  QueueCounts counts(int64_t now_ms);
  size_t size() const { return messages_.size(); }
  // When the next hidden message becomes visible; nullopt when none is hidden.
  std::optional<int64_t> nextVisibleMs() const;
  bool hasVisible(int64_t now_ms);

 private:
  void hide(Message& m, int64_t until_ms);
  void erase(std::map<uint64_t, Message>::iterator it);
  void promote(int64_t now_ms);
  bool fifoEligible(const Message& m, const std::map<std::string, size_t>& taken_per_group) const;

  std::string name_, arn_, id_;
  QueueConfig config_;
  int64_t created_ms_, modified_ms_;
  std::map<std::string, std::string> tags_;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Message> messages_;
  std::set<uint64_t> ready_;                             // visible (or believed so)
  std::set<std::pair<int64_t, uint64_t>> hidden_;        // (visible_at, seq)
  std::set<uint64_t> in_flight_;                         // hidden after a receive
  std::set<std::pair<int64_t, uint64_t>> by_age_;        // (sent, seq): retention
  std::map<std::string, std::set<uint64_t>> groups_;     // FIFO: group -> its messages
  std::map<std::string, size_t> group_in_flight_;        // FIFO: received, still hidden
  std::map<std::string, DedupEntry> dedup_;              // FIFO: key -> earlier send
  std::deque<std::pair<int64_t, std::string>> dedup_expiry_;  // (expires, key), in order
};

}  // namespace stratus::sqs
