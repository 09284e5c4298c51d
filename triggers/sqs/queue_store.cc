#include "triggers/sqs/queue_store.h"

#include <nlohmann/json.hpp>

#include "runtime/base/crypto.h"

namespace stratus::sqs {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS sqs_queues ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, arn TEXT NOT NULL, config TEXT NOT NULL,"
    "  tags TEXT NOT NULL, created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sqs_messages ("
    "  queue_id TEXT NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL,"
    "  attributes TEXT NOT NULL, system TEXT NOT NULL, sent_ms INTEGER NOT NULL,"
    "  visible_at_ms INTEGER NOT NULL, first_receive_ms INTEGER NOT NULL,"
    "  receive_count INTEGER NOT NULL, nonce TEXT NOT NULL, PRIMARY KEY (queue_id, seq))"
    "  WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS sqs_dedup ("
    "  queue_id TEXT NOT NULL, key TEXT NOT NULL, message_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL, PRIMARY KEY (queue_id, key)) WITHOUT ROWID";

nlohmann::json configJson(const QueueConfig& c) {
  return {{"delay_s", c.delay_s},
          {"maximum_message_size", c.maximum_message_size},
          {"retention_s", c.retention_s},
          {"receive_wait_s", c.receive_wait_s},
          {"visibility_s", c.visibility_s},
          {"fifo", c.fifo},
          {"content_based_dedup", c.content_based_dedup},
          {"dedup_scope", c.dedup_scope},
          {"fifo_throughput_limit", c.fifo_throughput_limit},
          {"dlq_arn", c.redrive.dead_letter_target_arn},
          {"max_receive_count", c.redrive.max_receive_count},
          {"redrive_allow_policy", c.redrive_allow_policy},
          {"policy", c.policy},
          {"kms_master_key_id", c.kms_master_key_id},
          {"kms_reuse_s", c.kms_reuse_s},
          {"sqs_managed_sse", c.sqs_managed_sse}};
}

QueueConfig configFrom(const nlohmann::json& j) {
  QueueConfig c;
  c.delay_s = j.value("delay_s", c.delay_s);
  c.maximum_message_size = j.value("maximum_message_size", c.maximum_message_size);
  c.retention_s = j.value("retention_s", c.retention_s);
  c.receive_wait_s = j.value("receive_wait_s", c.receive_wait_s);
  c.visibility_s = j.value("visibility_s", c.visibility_s);
  c.fifo = j.value("fifo", c.fifo);
  c.content_based_dedup = j.value("content_based_dedup", c.content_based_dedup);
  c.dedup_scope = j.value("dedup_scope", c.dedup_scope);
  c.fifo_throughput_limit = j.value("fifo_throughput_limit", c.fifo_throughput_limit);
  c.redrive.dead_letter_target_arn = j.value("dlq_arn", std::string());
  c.redrive.max_receive_count = j.value("max_receive_count", int64_t{0});
  c.redrive_allow_policy = j.value("redrive_allow_policy", std::string());
  c.policy = j.value("policy", std::string());
  c.kms_master_key_id = j.value("kms_master_key_id", std::string());
  c.kms_reuse_s = j.value("kms_reuse_s", c.kms_reuse_s);
  c.sqs_managed_sse = j.value("sqs_managed_sse", c.sqs_managed_sse);
  return c;
}

std::string attributesText(const MessageAttributes& attributes) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, v] : attributes) {
    nlohmann::json a = {{"t", v.data_type}};
    if (v.isBinary()) {
      a["b"] = base64Encode(v.binary_value);
    } else {
      a["s"] = v.string_value;
    }
    j[name] = std::move(a);
  }
  return j.dump();
}

MessageAttributes attributesFrom(const std::string& text) {
  MessageAttributes out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (auto& [name, a] : j.items()) {
    AttributeValue v;
    v.data_type = a.value("t", std::string());
    if (a.contains("b")) {
      v.binary_value = base64Decode(a.value("b", std::string())).value_or("");
    } else {
      v.string_value = a.value("s", std::string());
    }
    out[name] = std::move(v);
  }
  return out;
}

std::string systemText(const Message& m) {
  nlohmann::json j = nlohmann::json::object();
  if (!m.trace_header.empty()) j["trace"] = m.trace_header;
  if (!m.group_id.empty()) j["group"] = m.group_id;
  if (!m.dedup_id.empty()) j["dedup"] = m.dedup_id;
  if (!m.dead_letter_source_arn.empty()) j["dlq_source"] = m.dead_letter_source_arn;
  if (!m.md5_attributes.empty()) j["md5a"] = m.md5_attributes;
  j["md5"] = m.md5_body;
  return j.dump();
}

void systemFrom(const std::string& text, Message& m) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  m.trace_header = j.value("trace", std::string());
  m.group_id = j.value("group", std::string());
  m.dedup_id = j.value("dedup", std::string());
  m.dead_letter_source_arn = j.value("dlq_source", std::string());
  m.md5_attributes = j.value("md5a", std::string());
  m.md5_body = j.value("md5", std::string());
}

}  // namespace

Result<std::vector<std::unique_ptr<Queue>>> loadQueues(DbWriter& writer) {
  std::vector<std::unique_ptr<Queue>> queues;
  Status s = writer.runBlocking([&queues](Db& db) -> Status {
    Status schema = db.execScript(kSchema);
    if (!schema.ok()) return schema;
    std::map<std::string, Queue*> by_id;
    Status q = db.query(
        "SELECT id, name, arn, config, tags, created_ms, modified_ms FROM sqs_queues", {},
        [&](const DbRow& row) {
          auto config = nlohmann::json::parse(row.text(3), nullptr, false);
          auto queue = std::make_unique<Queue>(row.text(1), row.text(2), row.text(0),
                                               configFrom(config.is_object() ? config : nlohmann::json::object()),
                                               row.integer(5));
          queue->setConfig(queue->config(), row.integer(6));
          auto tags = nlohmann::json::parse(row.text(4), nullptr, false);
          if (tags.is_object()) {
            for (auto& [k, v] : tags.items()) {
              if (v.is_string()) queue->tags()[k] = v.get<std::string>();
            }
          }
          by_id[queue->id()] = queue.get();
          queues.push_back(std::move(queue));
        });
    if (!q.ok()) return q;
    Status m = db.query(
        "SELECT queue_id, seq, message_id, body, attributes, system, sent_ms, visible_at_ms,"
        " first_receive_ms, receive_count, nonce FROM sqs_messages ORDER BY queue_id, seq",
        {}, [&](const DbRow& row) {
          auto it = by_id.find(row.text(0));
          if (it == by_id.end()) return;  // a deleted queue's leftovers
          Message msg;
          msg.seq = static_cast<uint64_t>(row.integer(1));
          msg.id = row.text(2);
          msg.body = row.text(3);
          msg.attributes = attributesFrom(row.text(4));
          systemFrom(row.text(5), msg);
          msg.sent_ms = row.integer(6);
          msg.visible_at_ms = row.integer(7);
          msg.first_receive_ms = row.integer(8);
          msg.receive_count = row.integer(9);
          msg.receipt_nonce = row.text(10);
          it->second->restore(std::move(msg));
        });
    if (!m.ok()) return m;
    return db.query("SELECT queue_id, key, message_id, seq, expires_ms FROM sqs_dedup ORDER BY expires_ms", {},
                    [&](const DbRow& row) {
                      auto it = by_id.find(row.text(0));
                      if (it == by_id.end()) return;
                      it->second->restoreDedup(row.text(1), DedupEntry{row.text(2), static_cast<uint64_t>(row.integer(3)),
                                                                       row.integer(4)});
                    });
  });
  if (!s.ok()) return s.error();
  return queues;
}

DbStatement upsertQueue(Queue& q) {
  nlohmann::json tags(q.tags());
  return {"INSERT OR REPLACE INTO sqs_queues (id, name, arn, config, tags, created_ms, modified_ms)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
          {q.id(), q.name(), q.arn(), configJson(q.config()).dump(), tags.dump(), q.createdMs(), q.modifiedMs()}};
}

DbStatement deleteQueueRows(const std::string& id) { return {"DELETE FROM sqs_queues WHERE id = ?1", {id}}; }
DbStatement deleteQueueMessages(const std::string& id) {
  return {"DELETE FROM sqs_messages WHERE queue_id = ?1", {id}};
}
DbStatement deleteQueueDedup(const std::string& id) { return {"DELETE FROM sqs_dedup WHERE queue_id = ?1", {id}}; }

DbStatement upsertMessage(const std::string& queue_id, const Message& m) {
  return {"INSERT OR REPLACE INTO sqs_messages (queue_id, seq, message_id, body, attributes, system,"
          " sent_ms, visible_at_ms, first_receive_ms, receive_count, nonce)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
          {queue_id, static_cast<int64_t>(m.seq), m.id, m.body, attributesText(m.attributes), systemText(m),
           m.sent_ms, m.visible_at_ms, m.first_receive_ms, m.receive_count, m.receipt_nonce}};
}

DbStatement updateMessageReceipt(const std::string& queue_id, const Message& m) {
  return {"UPDATE sqs_messages SET visible_at_ms = ?3, first_receive_ms = ?4, receive_count = ?5, nonce = ?6"
          " WHERE queue_id = ?1 AND seq = ?2",
          {queue_id, static_cast<int64_t>(m.seq), m.visible_at_ms, m.first_receive_ms, m.receive_count,
           m.receipt_nonce}};
}

DbStatement deleteMessage(const std::string& queue_id, uint64_t seq) {
  return {"DELETE FROM sqs_messages WHERE queue_id = ?1 AND seq = ?2", {queue_id, static_cast<int64_t>(seq)}};
}

DbStatement upsertDedup(const std::string& queue_id, const std::string& key, const DedupEntry& e) {
  return {"INSERT OR REPLACE INTO sqs_dedup (queue_id, key, message_id, seq, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
          {queue_id, key, e.message_id, static_cast<int64_t>(e.seq), e.expires_ms}};
}

DbStatement deleteExpiredDedup(int64_t now_ms) {
  return {"DELETE FROM sqs_dedup WHERE expires_ms <= ?1", {now_ms}};
}

}  // namespace stratus::sqs
