// SqsService: construction, dispatch, the queue operations and durable commits. The message
// operations are in sqs_messages.cc.
#include "triggers/sqs/sqs_service.h"

#include <algorithm>

#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"
#include "runtime/base/log.h"
#include "triggers/sqs/queue_store.h"
#include "triggers/sqs/sqs_inputs.h"
#include "triggers/sqs/sqs_shapes.h"

namespace stratus::sqs {

namespace {

// Queue names: 1 to 80 alphanumerics, hyphens and underscores, ".fifo" included.
bool validQueueName(const std::string& name, bool fifo) {
  if (name.empty() || name.size() > 80) return false;
  std::string base = fifo ? name.substr(0, name.size() - 5) : name;
  if (base.empty()) return false;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool endsWithFifo(const std::string& name) {
  return name.size() >= 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
}

SqsResult<std::map<std::string, std::string>> stringMap(const nlohmann::json& in, const char* key) {
  std::map<std::string, std::string> out;
  auto it = in.find(key);
  if (it == in.end()) return out;
  for (const auto& [k, v] : it->items()) out[k] = v.get<std::string>();  // typed by the decoder
  return out;
}

// ListQueues' and ListDeadLetterSourceQueues' page: names after the token's, up to `max`.
struct Page {
  std::vector<std::string> names;
  std::string next_token;
};

SqsResult<Page> page(const std::vector<std::string>& sorted, const nlohmann::json& in) {
  Page p;
  int64_t max = 1000;
  bool limited = in.contains("MaxResults");
  if (limited) {
    max = in["MaxResults"].get<int64_t>();
    if (max < 1 || max > 1000) {
      return invalidParameter("Value " + std::to_string(max) +
                              " for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
    }
  }
  std::string after;
  if (in.contains("NextToken")) {
    std::optional<std::string> decoded = base64Decode(in["NextToken"].get<std::string>());
    if (!decoded) return invalidParameter("Invalid NextToken value.");
    after = *decoded;
  }
  auto it = after.empty() ? sorted.begin() : std::upper_bound(sorted.begin(), sorted.end(), after);
  for (; it != sorted.end() && static_cast<int64_t>(p.names.size()) < max; ++it) p.names.push_back(*it);
  if (limited && it != sorted.end() && !p.names.empty()) p.next_token = base64Encode(p.names.back());
  return p;
}

}  // namespace

Result<std::unique_ptr<SqsService>> SqsService::open(Loop& loop, DbWriter& writer, const Clock& clock,
                                                     SqsServiceOptions options) {
  auto loaded = loadQueues(writer);
  if (!loaded.ok()) return loaded.error();
  std::unique_ptr<SqsService> service(new SqsService(loop, writer, clock, std::move(options)));
  for (auto& q : loaded.value()) {
    std::string name = q->name();
    service->queues_[name] = std::move(q);
  }
  service->sweeper_.start(1000, [s = service.get()] { s->sweep(); }, 1000);
  return service;
}

SqsService::SqsService(Loop& loop, DbWriter& writer, const Clock& clock, SqsServiceOptions options)
    : loop_(loop), writer_(writer), chain_(writer.chain()), clock_(clock), options_(std::move(options)), sweeper_(loop) {}

SqsService::~SqsService() = default;

bool SqsService::knowsOperation(const std::string& op) {
  // The generator's SQS_OPERATIONS are exactly the served ones (gen_lambda_shapes.py).
  return triggers::sqsRequestShape(op) != nullptr;
}

void SqsService::call(const std::string& op, const nlohmann::json& in, const std::string& endpoint, SqsReply reply) {
  if (op == "CreateQueue") return createQueue(in, endpoint, std::move(reply));
  if (op == "GetQueueUrl") return getQueueUrl(in, endpoint, std::move(reply));
  if (op == "ListQueues") return listQueues(in, endpoint, std::move(reply));
  if (op == "DeleteQueue") return deleteQueue(in, std::move(reply));
  if (op == "GetQueueAttributes") return getQueueAttributes(in, std::move(reply));
  if (op == "SetQueueAttributes") return setQueueAttributes(in, std::move(reply));
  if (op == "PurgeQueue") return purgeQueue(in, std::move(reply));
  if (op == "SendMessage") return sendMessage(in, std::move(reply));
  if (op == "SendMessageBatch") return sendMessageBatch(in, std::move(reply));
  if (op == "ReceiveMessage") return receiveMessage(in, std::move(reply));
  if (op == "DeleteMessage") return deleteMessage(in, std::move(reply));
  if (op == "DeleteMessageBatch") return deleteMessageBatch(in, std::move(reply));
  if (op == "ChangeMessageVisibility") return changeMessageVisibility(in, std::move(reply));
  if (op == "ChangeMessageVisibilityBatch") return changeMessageVisibilityBatch(in, std::move(reply));
  if (op == "AddPermission") return addPermission(in, std::move(reply));
  if (op == "RemovePermission") return removePermission(in, std::move(reply));
  if (op == "TagQueue") return tagQueue(in, std::move(reply));
  if (op == "UntagQueue") return untagQueue(in, std::move(reply));
  if (op == "ListQueueTags") return listQueueTags(in, std::move(reply));
  if (op == "ListDeadLetterSourceQueues") return listDeadLetterSourceQueues(in, endpoint, std::move(reply));
  if (op == "StartMessageMoveTask") return startMessageMoveTask(in, std::move(reply));
  if (op == "ListMessageMoveTasks") return listMessageMoveTasks(in, std::move(reply));
  if (op == "CancelMessageMoveTask") return cancelMessageMoveTask(in, std::move(reply));
  reply(sqsError(SqsErrorKind::kInvalidAction, "The action " + op + " is not valid for this endpoint."));
}

std::string SqsService::queueUrl(const std::string& endpoint, const Queue& q) const {
  return endpoint + "/" + options_.account_id + "/" + q.name();
}

std::string SqsService::queueArn(const std::string& name) const {
  return "arn:aws:sqs:" + options_.region + ":" + options_.account_id + ":" + name;
}

SqsResult<Queue*> SqsService::queueFromUrl(const nlohmann::json& in) {
  std::string url = textOf(in, "QueueUrl");
  if (url.empty()) return missingParameter("QueueUrl");
  // Any scheme and host (clients reuse the URL they were given, or build AWS's): the path's
  // last two segments are the account and the name.
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return queueDoesNotExist();
  std::string rest = url.substr(path + 1);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t slash = rest.rfind('/');
  if (slash == std::string::npos) return queueDoesNotExist();
  std::string name = rest.substr(slash + 1);
  std::string account = rest.substr(0, slash);
  account = account.substr(account.rfind('/') == std::string::npos ? 0 : account.rfind('/') + 1);
  if (account != options_.account_id) return queueDoesNotExist();
  auto it = queues_.find(name);
  if (it == queues_.end()) return queueDoesNotExist();
  return it->second.get();
}

std::map<std::string, QueueCounts> SqsService::depths() {
  std::map<std::string, QueueCounts> out;
  int64_t now = clock_.nowMs();
  for (auto& [name, q] : queues_) out[name] = q->counts(now);
  return out;
}

Queue* SqsService::queueByArn(const std::string& arn) {
  std::string prefix = queueArn("");
  if (arn.rfind(prefix, 0) != 0) return nullptr;
  auto it = queues_.find(arn.substr(prefix.size()));
  return it == queues_.end() ? nullptr : it->second.get();
}

void SqsService::commit(std::vector<DbStatement> writes, nlohmann::json output, SqsReply reply) {
  chain_->write(std::move(writes), [this, output = std::move(output), reply = std::move(reply)](Status durable) {
    if (!durable.ok()) {
      logError("sqs: commit failed: " + durable.error().message);
      chain_->resume();  // the rows are upserts of whole state: later writes repair them
      return reply(sqsError(SqsErrorKind::kInternal, "We encountered an internal error. Please try again."));
    }
    reply(output);
  });
}

void SqsService::writeBehind(std::vector<DbStatement> writes) {
  if (writes.empty()) return;
  chain_->write(std::move(writes), [this](Status durable) {
    if (durable.ok()) return;
    logError("sqs: commit failed: " + durable.error().message);
    chain_->resume();
  });
}

// A redrive policy must name an existing queue of the same type.
static SqsStatus checkRedriveTarget(const QueueConfig& c, Queue* target, const std::string& given) {
  if (c.redrive.max_receive_count == 0) return Done{};
  if (target == nullptr) {
    return invalidParameter("Value " + given + " for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
  }
  if (target->config().fifo != c.fifo) {
    return invalidParameter("Value " + given + " for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.");
  }
  return Done{};
}

void SqsService::createQueue(const nlohmann::json& in, const std::string& endpoint, SqsReply reply) {
  std::string name = textOf(in, "QueueName");
  if (name.empty()) return reply(missingParameter("QueueName"));
  auto attributes = stringMap(in, "Attributes");
  bool fifo_attr = attributes.value().count("FifoQueue") && attributes.value().at("FifoQueue") == "true";
  if (fifo_attr && !endsWithFifo(name)) {
    return reply(invalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."));
  }
  if (!validQueueName(name, fifo_attr) || (endsWithFifo(name) && !fifo_attr)) {
    return reply(invalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"));
  }
  auto config = applyAttributes(QueueConfig{}, attributes.value(), fifo_attr, true);
  if (!config.ok()) return reply(config.error());
  if (config.value().redrive.max_receive_count > 0) {
    SqsStatus target = checkRedriveTarget(config.value(), queueByArn(config.value().redrive.dead_letter_target_arn),
                                          attributes.value().at("RedrivePolicy"));
    if (!target.ok()) return reply(target.error());
  }
  auto tags = stringMap(in, "tags");
  if (auto it = queues_.find(name); it != queues_.end()) {
    // Idempotent with the same attributes; the first one that differs is named.
    std::map<std::string, std::string> now = renderAttributes(it->second->config());
    std::map<std::string, std::string> want = renderAttributes(config.value());
    for (const auto& [key, value] : attributes.value()) {
      auto a = now.find(key), b = want.find(key);
      std::string have = a == now.end() ? "" : a->second, asked = b == want.end() ? "" : b->second;
      if (have != asked) {
        return reply(sqsError(SqsErrorKind::kQueueNameExists,
                              "A queue already exists with the same name and a different value for attribute " + key));
      }
    }
    return commit({}, {{"QueueUrl", queueUrl(endpoint, *it->second)}}, std::move(reply));
  }
  int64_t now = clock_.nowMs();
  auto q = std::make_unique<Queue>(name, queueArn(name), uuid4(), std::move(config).value(), now);
  q->tags() = tags.value();
  std::vector<DbStatement> writes{upsertQueue(*q)};
  nlohmann::json out = {{"QueueUrl", queueUrl(endpoint, *q)}};
  queues_[name] = std::move(q);
  commit(std::move(writes), std::move(out), std::move(reply));
}

void SqsService::getQueueUrl(const nlohmann::json& in, const std::string& endpoint, SqsReply reply) {
  std::string name = textOf(in, "QueueName");
  if (name.empty()) return reply(missingParameter("QueueName"));
  std::string owner = textOf(in, "QueueOwnerAWSAccountId");
  auto it = queues_.find(name);
  if (it == queues_.end() || (!owner.empty() && owner != options_.account_id)) return reply(queueDoesNotExist());
  reply(nlohmann::json{{"QueueUrl", queueUrl(endpoint, *it->second)}});
}

void SqsService::listQueues(const nlohmann::json& in, const std::string& endpoint, SqsReply reply) {
  std::string prefix = textOf(in, "QueueNamePrefix");
  std::vector<std::string> names;
  for (const auto& [name, q] : queues_) {
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  auto p = page(names, in);
  if (!p.ok()) return reply(p.error());
  nlohmann::json out = nlohmann::json::object();
  if (!p.value().names.empty()) {
    for (const std::string& n : p.value().names) out["QueueUrls"].push_back(queueUrl(endpoint, *queues_.at(n)));
  }
  if (!p.value().next_token.empty()) out["NextToken"] = p.value().next_token;
  reply(out);
}

void SqsService::deleteQueue(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  std::string name = q.value()->name(), id = q.value()->id();
  // Long polls on it end empty, as they would have at their deadline.
  auto waiting = std::move(waiters_[name]);
  waiters_.erase(name);
  visibility_timers_.erase(name);
  last_purge_ms_.erase(name);
  queues_.erase(name);
  for (auto& w : waiting) w->answerEmpty();
  commit({deleteQueueMessages(id), deleteQueueDedup(id), deleteQueueRows(id)}, nlohmann::json::object(),
         std::move(reply));
}

void SqsService::getQueueAttributes(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  Queue& queue = *q.value();
  std::vector<std::string> asked = textList(in, "AttributeNames");
  bool all = false;
  for (const std::string& n : asked) {
    if (!isKnownAttributeName(n)) {
      return reply(sqsError(SqsErrorKind::kInvalidAttributeName, "Unknown Attribute " + n + "."));
    }
    all = all || n == "All";
  }
  std::map<std::string, std::string> a = renderAttributes(queue.config());
  QueueCounts counts = queue.counts(clock_.nowMs());
  a["ApproximateNumberOfMessages"] = std::to_string(counts.visible);
  a["ApproximateNumberOfMessagesNotVisible"] = std::to_string(counts.in_flight);
  a["ApproximateNumberOfMessagesDelayed"] = std::to_string(counts.delayed);
  a["CreatedTimestamp"] = std::to_string(queue.createdMs() / 1000);
  a["LastModifiedTimestamp"] = std::to_string(queue.modifiedMs() / 1000);
  a["QueueArn"] = queue.arn();
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [k, v] : a) {
    if (all || std::find(asked.begin(), asked.end(), k) != asked.end()) attributes[k] = v;
  }
  nlohmann::json out = nlohmann::json::object();
  if (!attributes.empty()) out["Attributes"] = std::move(attributes);
  reply(out);
}

void SqsService::setQueueAttributes(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  Queue& queue = *q.value();
  auto attributes = stringMap(in, "Attributes");
  if (attributes.value().empty()) return reply(missingParameter("Attribute.Name"));
  auto config = applyAttributes(queue.config(), attributes.value(), queue.config().fifo, false);
  if (!config.ok()) return reply(config.error());
  if (attributes.value().count("RedrivePolicy") && config.value().redrive.max_receive_count > 0) {
    SqsStatus target = checkRedriveTarget(config.value(), queueByArn(config.value().redrive.dead_letter_target_arn),
                                          attributes.value().at("RedrivePolicy"));
    if (!target.ok()) return reply(target.error());
  }
  queue.setConfig(std::move(config).value(), clock_.nowMs());
  commit({upsertQueue(queue)}, nlohmann::json::object(), std::move(reply));
}

void SqsService::purgeQueue(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  Queue& queue = *q.value();
  int64_t now = clock_.nowMs();
  auto last = last_purge_ms_.find(queue.name());
  if (last != last_purge_ms_.end() && now - last->second < 60 * 1000) {
    return reply(sqsError(SqsErrorKind::kPurgeQueueInProgress,
                          "Only one PurgeQueue operation on " + queue.name() + " is allowed every 60 seconds."));
  }
  last_purge_ms_[queue.name()] = now;
  queue.purge();
  commit({deleteQueueMessages(queue.id())}, nlohmann::json::object(), std::move(reply));
}

void SqsService::tagQueue(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  auto tags = stringMap(in, "Tags");
  if (tags.value().empty()) return reply(missingParameter("Tags"));
  for (auto& [k, v] : tags.value()) q.value()->tags()[k] = v;
  if (q.value()->tags().size() > 50) {
    return reply(invalidParameter("Too many tags added for queue " + q.value()->name() + "."));
  }
  commit({upsertQueue(*q.value())}, nlohmann::json::object(), std::move(reply));
}

void SqsService::untagQueue(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  std::vector<std::string> keys = textList(in, "TagKeys");
  if (keys.empty()) return reply(missingParameter("TagKeys"));
  for (const std::string& k : keys) q.value()->tags().erase(k);
  commit({upsertQueue(*q.value())}, nlohmann::json::object(), std::move(reply));
}

void SqsService::listQueueTags(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  nlohmann::json out = nlohmann::json::object();
  if (!q.value()->tags().empty()) out["Tags"] = q.value()->tags();
  reply(out);
}

void SqsService::listDeadLetterSourceQueues(const nlohmann::json& in, const std::string& endpoint, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  std::vector<std::string> names;
  for (const auto& [name, source] : queues_) {
    if (source->config().redrive.max_receive_count > 0 &&
        source->config().redrive.dead_letter_target_arn == q.value()->arn()) {
      names.push_back(name);
    }
  }
  auto p = page(names, in);
  if (!p.ok()) return reply(p.error());
  nlohmann::json out = {{"queueUrls", nlohmann::json::array()}};
  for (const std::string& n : p.value().names) out["queueUrls"].push_back(queueUrl(endpoint, *queues_.at(n)));
  if (!p.value().next_token.empty()) out["NextToken"] = p.value().next_token;
  reply(out);
}

void SqsService::sweep() {
  int64_t now = clock_.nowMs();
  std::vector<DbStatement> writes;
  for (auto& [name, q] : queues_) {
    for (uint64_t seq : q->expire(now)) writes.push_back(sqs::deleteMessage(q->id(), seq));
  }
  if (++sweeps_ % 60 == 0) writes.push_back(deleteExpiredDedup(now));
  if (writes.empty()) return;
  commit(std::move(writes), nullptr, [](SqsResult<nlohmann::json>) {});
}

}  // namespace stratus::sqs
