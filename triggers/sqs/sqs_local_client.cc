#include "triggers/sqs/sqs_local_client.h"

#include <memory>

#include "triggers/sqs/queue.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {

namespace {

// Queue URLs are only parsed for their last two path segments (sqs_service.cc), so internal
// calls need no real authority.
constexpr const char* kInternalEndpoint = "http://internal.stratus";

std::string urlFor(const Queue& q, const std::string& arn) {
  // ARN arn:aws:sqs:REGION:ACCOUNT:NAME → /ACCOUNT/NAME
  size_t name_at = arn.rfind(':');
  size_t account_at = arn.rfind(':', name_at - 1);
  return std::string(kInternalEndpoint) + "/" + arn.substr(account_at + 1, name_at - account_at - 1) + "/" + q.name();
}

}  // namespace

SqsResult<LocalQueueInfo> SqsLocalClient::describe(const std::string& arn) {
  Queue* q = service_.queueByArn(arn);
  if (q == nullptr) return queueDoesNotExist();
  LocalQueueInfo info;
  info.arn = arn;
  info.url = urlFor(*q, arn);
  info.fifo = q->config().fifo;
  info.visibility_timeout_s = static_cast<int>(q->config().visibility_s);
  info.dead_letter_target_arn = q->config().redrive.dead_letter_target_arn;
  info.max_receive_count = static_cast<int>(q->config().redrive.max_receive_count);
  return info;
}

void SqsLocalClient::send(const std::string& arn, const LocalSend& message,
                          std::function<void(SqsResult<std::string>)> done) {
  auto info = describe(arn);
  if (!info.ok()) return done(info.error());
  nlohmann::json in = {{"QueueUrl", info->url}, {"MessageBody", message.body}};
  if (!message.message_attributes.empty()) in["MessageAttributes"] = message.message_attributes;
  if (!message.group_id.empty()) in["MessageGroupId"] = message.group_id;
  if (!message.dedup_id.empty()) in["MessageDeduplicationId"] = message.dedup_id;
  if (message.delay_s) in["DelaySeconds"] = *message.delay_s;
  service_.call("SendMessage", in, kInternalEndpoint, [done = std::move(done)](SqsResult<nlohmann::json> out) {
    if (!out.ok()) return done(out.error());
    done(out.value().value("MessageId", std::string()));
  });
}

void SqsLocalClient::receive(const std::string& arn, int max, int wait_s, std::optional<int> visibility_s,
                             std::function<void(SqsResult<std::vector<LocalMessage>>)> done) {
  auto info = describe(arn);
  if (!info.ok()) return done(info.error());
  nlohmann::json in = {{"QueueUrl", info->url},
                       {"MaxNumberOfMessages", max},
                       {"WaitTimeSeconds", wait_s},
                       {"MessageSystemAttributeNames", {"All"}},
                       {"MessageAttributeNames", {"All"}}};
  if (visibility_s) in["VisibilityTimeout"] = *visibility_s;
  service_.call("ReceiveMessage", in, kInternalEndpoint, [done = std::move(done)](SqsResult<nlohmann::json> out) {
    if (!out.ok()) return done(out.error());
    std::vector<LocalMessage> messages;
    for (const auto& j : out.value().value("Messages", nlohmann::json::array())) {
      LocalMessage m;
      m.message_id = j.value("MessageId", "");
      m.receipt_handle = j.value("ReceiptHandle", "");
      m.body = j.value("Body", "");
      m.md5_of_body = j.value("MD5OfBody", "");
      m.md5_of_message_attributes = j.value("MD5OfMessageAttributes", "");
      nlohmann::json attributes = j.value("Attributes", nlohmann::json::object());
      for (const auto& [k, v] : attributes.items()) {
        m.attributes[k] = v.get<std::string>();
      }
      m.message_attributes = j.value("MessageAttributes", nlohmann::json::object());
      messages.push_back(std::move(m));
    }
    done(std::move(messages));
  });
}

void SqsLocalClient::deleteMessages(const std::string& arn, std::vector<std::string> handles,
                                    std::function<void(SqsResult<std::vector<std::string>>)> done) {
  auto info = describe(arn);
  if (!info.ok()) return done(info.error());
  if (handles.empty()) return done(std::vector<std::string>{});
  // Batches of ten, one after another; the failures of all of them in one answer.
  struct Progress {
    std::vector<std::string> handles, failed;
    size_t next = 0;
    std::function<void(SqsResult<std::vector<std::string>>)> done;
  };
  auto p = std::make_shared<Progress>();
  p->handles = std::move(handles);
  p->done = std::move(done);
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, p, url = info->url, weak = std::weak_ptr<std::function<void()>>(step)] {
    nlohmann::json entries = nlohmann::json::array();
    size_t first = p->next;
    for (; p->next < p->handles.size() && p->next - first < 10; ++p->next) {
      entries.push_back({{"Id", std::to_string(p->next - first)}, {"ReceiptHandle", p->handles[p->next]}});
    }
    auto again = weak.lock();
    service_.call("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}, kInternalEndpoint,
                  [p, first, again](SqsResult<nlohmann::json> out) {
                    if (!out.ok()) return p->done(out.error());
                    for (const auto& f : out.value().value("Failed", nlohmann::json::array())) {
                      size_t index = first + std::stoul(f.value("Id", "0"));
                      if (index < p->handles.size()) p->failed.push_back(p->handles[index]);
                    }
                    if (p->next >= p->handles.size()) return p->done(std::move(p->failed));
                    (*again)();
                  });
  };
  (*step)();
}

void SqsLocalClient::changeVisibility(const std::string& arn, const std::string& handle, int timeout_s,
                                      std::function<void(SqsStatus)> done) {
  auto info = describe(arn);
  if (!info.ok()) return done(info.error());
  service_.call("ChangeMessageVisibility",
                {{"QueueUrl", info->url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", timeout_s}},
                kInternalEndpoint, [done = std::move(done)](SqsResult<nlohmann::json> out) {
                  if (!out.ok()) return done(out.error());
                  done(Done{});
                });
}

}  // namespace stratus::sqs
