#include "triggers/esm/remote_queue_client.h"

#include <fstream>
#include <sstream>

#include "runtime/base/clock.h"
#include "runtime/base/sigv4.h"
#include "triggers/esm/sqs_records.h"

namespace stratus::esm {

namespace {

using Json = nlohmann::json;

std::string authority(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The error an SQS JSON answer carries: {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message"}.
sqs::SqsError remoteError(long status, const std::string& body, const std::string& transport) {
  if (!transport.empty()) return sqs::sqsError(sqs::SqsErrorKind::kInternal, "remote SQS endpoint: " + transport);
  Json j = Json::parse(body, nullptr, false);
  std::string type = j.is_object() ? j.value("__type", "") : "";
  std::string message = j.is_object() ? j.value("message", j.value("Message", "")) : "";
  if (type.find("QueueDoesNotExist") != std::string::npos || type.find("NonExistentQueue") != std::string::npos) {
    return sqs::queueDoesNotExist();
  }
  return sqs::sqsError(sqs::SqsErrorKind::kInternal,
                       "remote SQS endpoint answered " + std::to_string(status) + " " + type + ": " + message);
}

}  // namespace

Result<std::vector<RemoteEndpoint>> loadRemoteEndpoints(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::invalidParameter("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("remotes") || !j["remotes"].is_array()) {
    return Error::invalidParameter(path + ": expected {\"remotes\": [...]}");
  }
  std::vector<RemoteEndpoint> out;
  for (const Json& r : j["remotes"]) {
    if (!r.is_object() || !r.value("region", Json()).is_string() || !r.value("account", Json()).is_string() ||
        !r.value("endpoint", Json()).is_string()) {
      return Error::invalidParameter(path + ": each remote needs string region, account and endpoint");
    }
    RemoteEndpoint e;
    e.region = r["region"];
    e.account_id = r["account"];
    e.url = r["endpoint"];
    while (!e.url.empty() && e.url.back() == '/') e.url.pop_back();
    e.access_key_id = r.value("access_key_id", e.access_key_id);
    e.secret_access_key = r.value("secret_access_key", e.secret_access_key);
    e.session_token = r.value("session_token", "");
    out.push_back(std::move(e));
  }
  return out;
}

std::string RemoteQueueClient::queueUrl(const std::string& arn) const {
  // Only ARNs of this endpoint's region and account reach here (MappingService::queueFor).
  auto q = splitQueueArn(arn);
  return q ? endpoint_.url + "/" + q->account + "/" + q->name : endpoint_.url + "/";
}

void RemoteQueueClient::call(const std::string& operation, const Json& input, long timeout_ms,
                             std::function<void(sqs::SqsResult<Json>)> done) {
  HttpRequest signed_part;
  signed_part.method = "POST";
  signed_part.target = signed_part.path = "/";
  signed_part.body = input.dump();
  std::string amz_date = sigv4::formatAmzDate(epochMs() / 1000);
  signed_part.headers = {{"host", authority(endpoint_.url)},
                         {"content-type", "application/x-amz-json-1.0"},
                         {"x-amz-target", "AmazonSQS." + operation},
                         {"x-amz-date", amz_date}};
  std::vector<std::string> names{"content-type", "host", "x-amz-date", "x-amz-target"};
  if (!endpoint_.session_token.empty()) {
    signed_part.headers["x-amz-security-token"] = endpoint_.session_token;
    names.push_back("x-amz-security-token");
  }
  sigv4::SigningInput in{endpoint_.access_key_id, endpoint_.secret_access_key, endpoint_.region, "sqs", amz_date};
  CurlRequest request;
  request.url = endpoint_.url + "/";
  request.timeout_ms = timeout_ms;
  request.body = std::move(signed_part.body);
  signed_part.body = request.body;
  for (const auto& [k, v] : signed_part.headers) request.headers.emplace_back(k, v);
  request.headers.emplace_back("authorization", sigv4::authorizationHeader(signed_part, in, names));
  http_.send(std::move(request), [done = std::move(done)](CurlResponse r) {
    if (!r.error.empty() || r.status >= 300 || r.status == 0) return done(remoteError(r.status, r.body, r.error));
    Json out = r.body.empty() ? Json::object() : Json::parse(r.body, nullptr, false);
    if (!out.is_object()) return done(sqs::sqsError(sqs::SqsErrorKind::kInternal, "remote SQS endpoint: an answer that is not JSON"));
    done(std::move(out));
  });
}

void RemoteQueueClient::describe(const std::string& arn, std::function<void(sqs::SqsResult<sqs::LocalQueueInfo>)> done) {
  std::string url = queueUrl(arn);
  call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}}, 30000,
       [arn, url, done = std::move(done)](sqs::SqsResult<Json> out) {
         if (!out.ok()) return done(out.error());
         Json a = out.value().value("Attributes", Json::object());
         sqs::LocalQueueInfo info;
         info.arn = arn;
         info.url = url;
         info.fifo = a.value("FifoQueue", "false") == "true";
         std::string visibility = a.value("VisibilityTimeout", "30");
         info.visibility_timeout_s = visibility.find_first_not_of("0123456789") == std::string::npos && !visibility.empty() &&
                                             visibility.size() < 9
                                         ? std::stoi(visibility)
                                         : 30;
         Json redrive = Json::parse(a.value("RedrivePolicy", "{}"), nullptr, false);
         if (redrive.is_object()) info.dead_letter_target_arn = redrive.value("deadLetterTargetArn", "");
         done(std::move(info));
       });
}

void RemoteQueueClient::receive(const std::string& arn, int max, int wait_s,
                                std::function<void(sqs::SqsResult<std::vector<sqs::LocalMessage>>)> done) {
  Json in{{"QueueUrl", queueUrl(arn)},
          {"MaxNumberOfMessages", max},
          {"WaitTimeSeconds", wait_s},
          {"AttributeNames", {"All"}},
          {"MessageSystemAttributeNames", {"All"}},
          {"MessageAttributeNames", {"All"}}};
  // The long poll plus room for the answer to come back.
  call("ReceiveMessage", in, (wait_s + 10) * 1000L, [done = std::move(done)](sqs::SqsResult<Json> out) {
    if (!out.ok()) return done(out.error());
    std::vector<sqs::LocalMessage> messages;
    for (const Json& j : out.value().value("Messages", Json::array())) {
      if (!j.is_object()) continue;
      sqs::LocalMessage m;
      m.message_id = j.value("MessageId", "");
      m.receipt_handle = j.value("ReceiptHandle", "");
      m.body = j.value("Body", "");
      m.md5_of_body = j.value("MD5OfBody", "");
      m.md5_of_message_attributes = j.value("MD5OfMessageAttributes", "");
      Json attributes = j.value("Attributes", Json::object());  // items() of a temporary would dangle
      for (const auto& [k, v] : attributes.items()) {
        if (v.is_string()) m.attributes[k] = v.get<std::string>();
      }
      m.message_attributes = j.value("MessageAttributes", Json::object());
      messages.push_back(std::move(m));
    }
    done(std::move(messages));
  });
}

void RemoteQueueClient::deleteMessages(const std::string& arn, std::vector<std::string> handles,
                                       std::function<void(sqs::SqsResult<std::vector<std::string>>)> done) {
  if (handles.empty()) return done(std::vector<std::string>{});
  // Batches of ten, sent together; one answer once all are back.
  struct Progress {
    std::vector<std::string> handles, failed;
    size_t outstanding = 0;
    std::optional<sqs::SqsError> error;
    std::function<void(sqs::SqsResult<std::vector<std::string>>)> done;
  };
  auto p = std::make_shared<Progress>();
  p->handles = std::move(handles);
  p->done = std::move(done);
  std::string url = queueUrl(arn);
  for (size_t first = 0; first < p->handles.size(); first += 10) {
    Json entries = Json::array();
    for (size_t i = first; i < std::min(first + 10, p->handles.size()); ++i) {
      entries.push_back({{"Id", std::to_string(i - first)}, {"ReceiptHandle", p->handles[i]}});
    }
    ++p->outstanding;
    call("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}, 30000, [p, first](sqs::SqsResult<Json> out) {
      if (!out.ok()) {
        p->error = out.error();
      } else {
        for (const Json& f : out.value().value("Failed", Json::array())) {
          std::string id = f.is_object() ? f.value("Id", "") : "";
          if (id.empty() || id.size() > 2 || id.find_first_not_of("0123456789") != std::string::npos) continue;
          size_t index = first + std::stoul(id);
          if (index < p->handles.size()) p->failed.push_back(p->handles[index]);
        }
      }
      if (--p->outstanding > 0) return;
      if (p->error) return p->done(*p->error);
      p->done(std::move(p->failed));
    });
  }
}

void RemoteQueueClient::changeVisibility(const std::string& arn, const std::string& handle, int timeout_s,
                                         std::function<void(sqs::SqsStatus)> done) {
  call("ChangeMessageVisibility",
       {{"QueueUrl", queueUrl(arn)}, {"ReceiptHandle", handle}, {"VisibilityTimeout", timeout_s}}, 30000,
       [done = std::move(done)](sqs::SqsResult<Json> out) {
         if (!out.ok()) return done(out.error());
         done(sqs::Done{});
       });
}

}  // namespace stratus::esm
