// SqsService: the message operations (send, receive with long polling, delete, visibility),
// FIFO deduplication and the redrive of messages received too often.
#include <algorithm>
#include <set>

#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"
#include "triggers/sqs/message_md5.h"
#include "triggers/sqs/message_validation.h"
#include "triggers/sqs/queue_store.h"
#include "triggers/sqs/sqs_inputs.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {

namespace {

constexpr size_t kMaxBatchEntries = 10;
constexpr size_t kMaxBatchBytes = 1048576;

// MessageGroupId and MessageDeduplicationId: 1 to 128 alphanumerics and punctuation.
bool validFifoId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

SqsError batchFailure(const std::string& what, size_t n) {
  if (n == 0) {
    return sqsError(SqsErrorKind::kEmptyBatchRequest,
                    "There should be at least one " + what + " in the request.");
  }
  return sqsError(SqsErrorKind::kTooManyEntriesInBatchRequest,
                  "Maximum number of entries per request are 10. You have sent " + std::to_string(n) + ".");
}

// The batch's entries after the checks every batch operation shares: count and Ids.
SqsResult<std::vector<nlohmann::json>> batchEntries(const nlohmann::json& in, const std::string& what) {
  std::vector<nlohmann::json> entries;
  if (auto it = in.find("Entries"); it != in.end() && it->is_array()) entries.assign(it->begin(), it->end());
  if (entries.empty() || entries.size() > kMaxBatchEntries) return batchFailure(what, entries.size());
  std::set<std::string> ids;
  for (const auto& e : entries) {
    std::string id = textOf(e, "Id");
    if (!validBatchEntryId(id)) {
      return sqsError(SqsErrorKind::kInvalidBatchEntryId,
                      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
    }
    if (!ids.insert(id).second) return sqsError(SqsErrorKind::kBatchEntryIdsNotDistinct, "Id " + id + " repeated.");
  }
  return entries;
}

nlohmann::json failedEntry(const std::string& id, const SqsError& e) {
  return {{"Id", id}, {"SenderFault", e.senderFault()}, {"Code", e.queryCode()}, {"Message", e.message}};
}

// DeleteMessageBatch's and ChangeMessageVisibilityBatch's answer: each entry's Id under
// Successful, or under Failed with the error `apply` gave it.
template <typename Apply>
nlohmann::json batchOutcome(const std::vector<nlohmann::json>& entries, Apply apply) {
  nlohmann::json out = {{"Successful", nlohmann::json::array()}, {"Failed", nlohmann::json::array()}};
  for (const auto& e : entries) {
    std::string id = textOf(e, "Id");
    SqsStatus done = apply(e);
    if (done.ok()) {
      out["Successful"].push_back({{"Id", id}});
    } else {
      out["Failed"].push_back(failedEntry(id, done.error()));
    }
  }
  return out;
}

SqsError invalidHandle(const std::string& handle) {
  return sqsError(SqsErrorKind::kReceiptHandleIsInvalid,
                  "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}

SqsError visibilityOutOfRange(int64_t v) {
  return invalidParameter("Value " + std::to_string(v) +
                          " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.");
}

bool wantsAttribute(const std::vector<std::string>& names, const std::string& name) {
  for (const std::string& n : names) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ".*") == 0 && name.rfind(n.substr(0, n.size() - 1), 0) == 0) {
      return true;
    }
  }
  return false;
}

std::string sequenceNumber(uint64_t seq) {
  // A large decimal string like SQS's (20 digits), growing with the send order.
  return std::to_string(18000000000000000000ull + seq);
}

}  // namespace

void SqsService::Waiter::answerEmpty() {
  deadline.reset();
  if (reply) {
    SqsReply r = std::move(reply);
    reply = nullptr;
    r(nlohmann::json::object());
  }
}

SqsResult<nlohmann::json> SqsService::prepareSend(Queue& q, const nlohmann::json& in, std::vector<DbStatement>& writes) {
  const QueueConfig& c = q.config();
  Message m;
  m.body = textOf(in, "MessageBody");
  if (m.body.empty()) return missingParameter("MessageBody");
  if (!validMessageCharacters(m.body)) return invalidMessageContents();
  auto attributes = parseMessageAttributes(in.value("MessageAttributes", nlohmann::json::object()));
  if (!attributes.ok()) return attributes.error();
  m.attributes = std::move(attributes).value();
  if (messageSize(m.body, m.attributes) > static_cast<size_t>(c.maximum_message_size)) {
    return invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than " +
                            std::to_string(c.maximum_message_size) + " bytes.");
  }
  int64_t delay_s = c.delay_s;
  if (auto d = integerOf(in, "DelaySeconds")) {
    if (c.fifo) {
      return invalidParameter("Value " + std::to_string(*d) +
                              " for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.");
    }
    if (*d < 0 || *d > 900) {
      return invalidParameter("Value " + std::to_string(*d) +
                              " for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
    }
    delay_s = *d;
  }
  nlohmann::json system = in.value("MessageSystemAttributes", nlohmann::json::object());
  MessageAttributes system_attributes;
  for (const auto& [name, value] : system.items()) {
    if (name != "AWSTraceHeader") return invalidParameter("Message system attribute name '" + name + "' is invalid.");
    AttributeValue v{value.value("DataType", std::string()), value.value("StringValue", std::string()), ""};
    if (v.data_type != "String" || v.string_value.empty()) {
      return invalidParameter("Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
    }
    m.trace_header = v.string_value;
    system_attributes[name] = v;
  }
  m.group_id = textOf(in, "MessageGroupId");
  m.dedup_id = textOf(in, "MessageDeduplicationId");
  if (!m.group_id.empty() && !validFifoId(m.group_id)) {
    return invalidParameter("Value " + m.group_id +
                            " for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
  }
  if (c.fifo) {
    if (m.group_id.empty()) return missingParameter("MessageGroupId");
    if (m.dedup_id.empty()) {
      if (!c.content_based_dedup) {
        return invalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
      }
      m.dedup_id = sha256Hex(m.body);
    } else if (!validFifoId(m.dedup_id)) {
      return invalidParameter("Value " + m.dedup_id +
                              " for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
    }
  } else if (!m.dedup_id.empty()) {
    return invalidParameter("Value " + m.dedup_id +
                            " for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.");
  }
  m.md5_body = md5OfBody(m.body);
  m.md5_attributes = md5OfAttributes(m.attributes);
  nlohmann::json out = {{"MessageId", ""}, {"MD5OfMessageBody", m.md5_body}};
  if (!m.md5_attributes.empty()) out["MD5OfMessageAttributes"] = m.md5_attributes;
  if (!system_attributes.empty()) out["MD5OfMessageSystemAttributes"] = md5OfAttributes(system_attributes);
  int64_t now = clock_.nowMs();
  if (c.fifo) {
    std::string key = q.dedupKey(m);
    if (const DedupEntry* earlier = q.findDuplicate(key, now)) {
      // Accepted, not enqueued again: the earlier send's id and sequence number.
      out["MessageId"] = earlier->message_id;
      out["SequenceNumber"] = sequenceNumber(earlier->seq);
      return out;
    }
  }
  m.id = uuid4();
  m.visible_at_ms = now + delay_s * 1000;
  const Message& stored = q.send(std::move(m), now);
  out["MessageId"] = stored.id;
  writes.push_back(upsertMessage(q.id(), stored));
  if (c.fifo) {
    out["SequenceNumber"] = sequenceNumber(stored.seq);
    std::string key = q.dedupKey(stored);
    writes.push_back(upsertDedup(q.id(), key, q.dedupEntries().at(key)));
  }
  return out;
}

void SqsService::sendMessage(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  std::vector<DbStatement> writes;
  auto out = prepareSend(*q.value(), in, writes);
  if (!out.ok()) return reply(out.error());
  std::string name = q.value()->name();
  commit(std::move(writes), std::move(out).value(), [this, name, reply = std::move(reply)](SqsResult<nlohmann::json> r) {
    reply(std::move(r));
    if (auto it = queues_.find(name); it != queues_.end()) wake(*it->second);
  });
}

void SqsService::sendMessageBatch(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  auto entries = batchEntries(in, "SendMessageBatchRequestEntry");
  if (!entries.ok()) return reply(entries.error());
  size_t total = 0;
  for (const auto& e : entries.value()) {
    MessageAttributes none;
    total += messageSize(textOf(e, "MessageBody"), none);
    if (auto a = e.find("MessageAttributes"); a != e.end()) total += a->dump().size();
  }
  if (total > kMaxBatchBytes) {
    return reply(sqsError(SqsErrorKind::kBatchRequestTooLong,
                          "Batch requests cannot be longer than 1048576 bytes. You have sent " + std::to_string(total) +
                              " bytes."));
  }
  nlohmann::json out = {{"Successful", nlohmann::json::array()}, {"Failed", nlohmann::json::array()}};
  std::vector<DbStatement> writes;
  for (const auto& e : entries.value()) {
    std::string id = textOf(e, "Id");
    auto sent = prepareSend(*q.value(), e, writes);
    if (!sent.ok()) {
      out["Failed"].push_back(failedEntry(id, sent.error()));
      continue;
    }
    nlohmann::json ok = std::move(sent).value();
    ok["Id"] = id;
    out["Successful"].push_back(std::move(ok));
  }
  std::string name = q.value()->name();
  commit(std::move(writes), std::move(out), [this, name, reply = std::move(reply)](SqsResult<nlohmann::json> r) {
    reply(std::move(r));
    if (auto it = queues_.find(name); it != queues_.end()) wake(*it->second);
  });
}

nlohmann::json SqsService::takeMessages(Queue& q, const Waiter& w, std::vector<DbStatement>& writes) {
  int64_t now = clock_.nowMs();
  // The redrive policy applies only while its dead-letter queue exists.
  const RedrivePolicy& redrive = q.config().redrive;
  Queue* dlq = redrive.max_receive_count > 0 ? queueByArn(redrive.dead_letter_target_arn) : nullptr;
  Queue::Received got = q.receive(w.max, w.visibility_ms, now, dlq ? redrive.max_receive_count : 0);
  for (Message& dead : got.dead_lettered) {
    writes.push_back(sqs::deleteMessage(q.id(), dead.seq));
    dead.dead_letter_source_arn = q.arn();
    writes.push_back(upsertMessage(dlq->id(), dlq->adopt(std::move(dead), now)));
  }
  nlohmann::json messages = nlohmann::json::array();
  for (const Message* m : got.messages) {
    writes.push_back(updateMessageReceipt(q.id(), *m));
    nlohmann::json j = {{"MessageId", m->id},
                        {"ReceiptHandle", encodeReceiptHandle({q.id(), m->seq, m->receipt_nonce})},
                        {"MD5OfBody", m->md5_body},
                        {"Body", m->body}};
    std::map<std::string, std::string> system = {
        {"SenderId", options_.account_id},
        {"SentTimestamp", std::to_string(m->sent_ms)},
        {"ApproximateReceiveCount", std::to_string(m->receive_count)},
        {"ApproximateFirstReceiveTimestamp", std::to_string(m->first_receive_ms)}};
    if (q.config().fifo) {
      system["SequenceNumber"] = sequenceNumber(m->seq);
      system["MessageDeduplicationId"] = m->dedup_id;
    }
    if (!m->group_id.empty()) system["MessageGroupId"] = m->group_id;
    if (!m->trace_header.empty()) system["AWSTraceHeader"] = m->trace_header;
    if (!m->dead_letter_source_arn.empty()) system["DeadLetterQueueSourceArn"] = m->dead_letter_source_arn;
    nlohmann::json attributes = nlohmann::json::object();
    for (const auto& [k, v] : system) {
      if (w.all_system || std::find(w.system_names.begin(), w.system_names.end(), k) != w.system_names.end()) {
        attributes[k] = v;
      }
    }
    if (!attributes.empty()) j["Attributes"] = std::move(attributes);
    MessageAttributes returned;
    for (const auto& [k, v] : m->attributes) {
      if (wantsAttribute(w.attribute_names, k)) returned[k] = v;
    }
    if (!returned.empty()) {
      j["MD5OfMessageAttributes"] = md5OfAttributes(returned);
      nlohmann::json attrs = nlohmann::json::object();
      for (const auto& [k, v] : returned) {
        nlohmann::json a = {{"DataType", v.data_type}};
        if (v.isBinary()) {
          a["BinaryValue"] = base64Encode(v.binary_value);
        } else {
          a["StringValue"] = v.string_value;
        }
        attrs[k] = std::move(a);
      }
      j["MessageAttributes"] = std::move(attrs);
    }
    messages.push_back(std::move(j));
  }
  if (!got.dead_lettered.empty()) {
    std::string dlq_name = dlq->name();
    loop_.post([this, dlq_name] {
      if (auto it = queues_.find(dlq_name); it != queues_.end()) wake(*it->second);
    });
  }
  nlohmann::json out = nlohmann::json::object();
  if (!messages.empty()) out["Messages"] = std::move(messages);
  return out;
}

void SqsService::receiveMessage(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  Queue& queue = *q.value();
  auto w = std::make_shared<Waiter>();
  w->queue = queue.name();
  int64_t max = integerOf(in, "MaxNumberOfMessages").value_or(1);
  if (max < 1 || max > 10) {
    return reply(invalidParameter("Value " + std::to_string(max) +
                                  " for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."));
  }
  w->max = static_cast<int>(max);
  int64_t visibility = integerOf(in, "VisibilityTimeout").value_or(queue.config().visibility_s);
  if (visibility < 0 || visibility > 43200) return reply(visibilityOutOfRange(visibility));
  w->visibility_ms = visibility * 1000;
  int64_t wait = integerOf(in, "WaitTimeSeconds").value_or(queue.config().receive_wait_s);
  if (wait < 0 || wait > 20) {
    return reply(invalidParameter("Value " + std::to_string(wait) +
                                  " for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."));
  }
  for (const char* key : {"AttributeNames", "MessageSystemAttributeNames"}) {
    for (std::string& n : textList(in, key)) {
      if (n == "All") w->all_system = true;
      w->system_names.push_back(std::move(n));
    }
  }
  w->attribute_names = textList(in, "MessageAttributeNames");
  std::vector<DbStatement> writes;
  if (queue.hasVisible(clock_.nowMs()) || wait == 0) {
    nlohmann::json out = takeMessages(queue, *w, writes);
    writeBehind(std::move(writes));
    return reply(std::move(out));
  }
  // Long poll: answered by wake() when a message this receive can take arrives, or empty at
  // the deadline.
  w->reply = std::move(reply);
  w->deadline = std::make_unique<Timer>(loop_);
  std::weak_ptr<Waiter> weak = w;
  w->deadline->start(static_cast<uint64_t>(wait) * 1000, [this, weak] {
    auto waiter = weak.lock();
    if (!waiter) return;
    auto& list = waiters_[waiter->queue];
    list.erase(std::remove(list.begin(), list.end(), waiter), list.end());
    if (list.empty()) waiters_.erase(waiter->queue);
    waiter->answerEmpty();
  });
  waiters_[queue.name()].push_back(w);
  armVisibilityTimer(queue);
}

void SqsService::wake(Queue& q) {
  auto it = waiters_.find(q.name());
  if (it == waiters_.end()) return;
  auto& list = it->second;
  while (!list.empty() && q.hasVisible(clock_.nowMs())) {
    std::shared_ptr<Waiter> w = list.front();
    list.erase(list.begin());
    w->deadline.reset();
    std::vector<DbStatement> writes;
    nlohmann::json out = takeMessages(q, *w, writes);
    writeBehind(std::move(writes));
    w->reply(std::move(out));
  }
  if (list.empty()) {
    waiters_.erase(it);
    visibility_timers_.erase(q.name());
    return;
  }
  armVisibilityTimer(q);
}

void SqsService::armVisibilityTimer(Queue& q) {
  // Waiters are woken when a hidden message (delayed, or back from its visibility timeout)
  // becomes visible, by one timer per queue at the earliest such time.
  std::optional<int64_t> next = q.nextVisibleMs();
  if (!next) {
    visibility_timers_.erase(q.name());
    return;
  }
  auto& timer = visibility_timers_[q.name()];
  if (!timer) timer = std::make_unique<Timer>(loop_);
  int64_t in_ms = std::max<int64_t>(*next - clock_.nowMs(), 1);
  std::string name = q.name();
  timer->start(static_cast<uint64_t>(in_ms), [this, name] {
    if (auto it = queues_.find(name); it != queues_.end()) wake(*it->second);
  });
}

void SqsService::deleteMessage(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  std::string text = textOf(in, "ReceiptHandle");
  if (text.empty()) return reply(missingParameter("ReceiptHandle"));
  std::vector<DbStatement> writes;
  SqsStatus done = removeByHandle(*q.value(), text, writes);
  if (!done.ok()) return reply(done.error());
  commit(std::move(writes), nlohmann::json::object(), std::move(reply));
}

SqsStatus SqsService::removeByHandle(Queue& q, const std::string& text, std::vector<DbStatement>& writes) {
  std::optional<ReceiptHandle> handle = decodeReceiptHandle(text);
  if (!handle || handle->queue_id != q.id()) return invalidHandle(text);
  uint64_t seq = 0;
  if (q.remove(*handle, &seq) == Queue::HandleOutcome::kDone) {
    writes.push_back(sqs::deleteMessage(q.id(), seq));
  } else if (q.config().fifo) {
    return invalidParameter("Value " + text + " for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
  }
  // Standard queues answer a stale handle with success, deleting nothing (the message was
  // received again, or is gone).
  return Done{};
}

void SqsService::deleteMessageBatch(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  auto entries = batchEntries(in, "DeleteMessageBatchRequestEntry");
  if (!entries.ok()) return reply(entries.error());
  std::vector<DbStatement> writes;
  nlohmann::json out = batchOutcome(entries.value(), [&](const nlohmann::json& e) {
    std::string text = textOf(e, "ReceiptHandle");
    return text.empty() ? SqsStatus(missingParameter("ReceiptHandle")) : removeByHandle(*q.value(), text, writes);
  });
  commit(std::move(writes), std::move(out), std::move(reply));
}

SqsStatus SqsService::changeVisibilityByHandle(Queue& q, const std::string& text, std::optional<int64_t> timeout,
                                               std::vector<DbStatement>& writes) {
  if (text.empty()) return missingParameter("ReceiptHandle");
  if (!timeout) return missingParameter("VisibilityTimeout");
  if (*timeout < 0 || *timeout > 43200) return visibilityOutOfRange(*timeout);
  std::optional<ReceiptHandle> handle = decodeReceiptHandle(text);
  if (!handle || handle->queue_id != q.id()) return invalidHandle(text);
  const Message* changed = nullptr;
  switch (q.changeVisibility(*handle, *timeout * 1000, clock_.nowMs(), &changed)) {
    case Queue::HandleOutcome::kDone:
      writes.push_back(updateMessageReceipt(q.id(), *changed));
      return Done{};
    case Queue::HandleOutcome::kNotInFlight:
      return sqsError(SqsErrorKind::kMessageNotInflight,
                      "Value " + text + " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.");
    case Queue::HandleOutcome::kStale:
      break;
  }
  if (q.config().fifo) {
    return invalidParameter("Value " + text + " for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.");
  }
  return Done{};
}

void SqsService::changeMessageVisibility(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  std::vector<DbStatement> writes;
  SqsStatus done = changeVisibilityByHandle(*q.value(), textOf(in, "ReceiptHandle"), integerOf(in, "VisibilityTimeout"), writes);
  if (!done.ok()) return reply(done.error());
  std::string name = q.value()->name();
  commit(std::move(writes), nlohmann::json::object(), [this, name, reply = std::move(reply)](SqsResult<nlohmann::json> r) {
    reply(std::move(r));
    if (auto it = queues_.find(name); it != queues_.end()) wake(*it->second);  // a 0 makes it visible now
  });
}

void SqsService::changeMessageVisibilityBatch(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  auto entries = batchEntries(in, "ChangeMessageVisibilityBatchRequestEntry");
  if (!entries.ok()) return reply(entries.error());
  std::vector<DbStatement> writes;
  nlohmann::json out = batchOutcome(entries.value(), [&](const nlohmann::json& e) {
    return changeVisibilityByHandle(*q.value(), textOf(e, "ReceiptHandle"), integerOf(e, "VisibilityTimeout"), writes);
  });
  std::string name = q.value()->name();
  commit(std::move(writes), std::move(out), [this, name, reply = std::move(reply)](SqsResult<nlohmann::json> r) {
    reply(std::move(r));
    if (auto it = queues_.find(name); it != queues_.end()) wake(*it->second);
  });
}

}  // namespace stratus::sqs
