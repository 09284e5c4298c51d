// AddPermission and RemovePermission: statements of the queue's Policy attribute, one per
// label, written as SQS writes them (Sid = label, Principal arn:aws:iam::ACCOUNT:root,
// Action "SQS:NAME", single values as strings, several as lists). Stratus keeps and shows the
// policy; it does not enforce it (every caller of this server is the queue's owner).
#include <algorithm>
#include <cctype>
#include <set>

#include "triggers/sqs/queue_store.h"
#include "triggers/sqs/sqs_inputs.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {

namespace {

// The actions AddPermission may grant: what another account may do with a queue.
const std::set<std::string>& grantableActions() {
  static const std::set<std::string> kActions = {
      "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
      "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue",
      "ListQueueTags"};
  return kActions;
}

bool validLabel(const std::string& label) {
  if (label.empty() || label.size() > 80) return false;
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

nlohmann::json oneOrList(const std::vector<std::string>& values) {
  if (values.size() == 1) return values[0];
  return values;
}

// The queue's policy as an object with a Statement list (a policy set through
// SetQueueAttributes that is not such an object is replaced).
nlohmann::json policyOf(const Queue& q) {
  nlohmann::json p = nlohmann::json::parse(q.config().policy, nullptr, false);
  if (p.is_discarded() || !p.is_object()) {
    p = {{"Version", "2012-10-17"}, {"Id", q.arn() + "/SQSDefaultPolicy"}};
  }
  if (!p.contains("Statement") || !p["Statement"].is_array()) p["Statement"] = nlohmann::json::array();
  return p;
}

bool hasLabel(const nlohmann::json& policy, const std::string& label) {
  return std::any_of(policy["Statement"].begin(), policy["Statement"].end(), [&](const nlohmann::json& s) {
    return s.is_object() && s.value("Sid", std::string()) == label;
  });
}

SqsError badLabel(const std::string& label, const std::string& reason) {
  return invalidParameter("Value " + label + " for parameter Label is invalid. Reason: " + reason);
}

}  // namespace

void SqsService::addPermission(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  Queue& queue = *q.value();
  std::string label = textOf(in, "Label");
  if (label.empty()) return reply(missingParameter("Label"));
  std::vector<std::string> accounts = textList(in, "AWSAccountIds");
  if (accounts.empty()) return reply(missingParameter("AWSAccountId"));
  std::vector<std::string> actions = textList(in, "Actions");
  if (actions.empty()) return reply(missingParameter("ActionName"));
  if (!validLabel(label)) {
    return reply(badLabel(label, "Label can contain up to 80 alphanumeric characters, hyphens (-) and underscores (_)."));
  }
  for (const std::string& a : actions) {
    if (!grantableActions().count(a)) {
      return reply(invalidParameter("Value SQS:" + a +
                                    " for parameter ActionName is invalid. Reason: Please refer to the appropriate "
                                    "WSDL for a list of valid actions."));
    }
  }
  nlohmann::json policy = policyOf(queue);
  if (hasLabel(policy, label)) return reply(badLabel(label, "Already exists."));
  std::vector<std::string> principals, granted;
  for (const std::string& account : accounts) principals.push_back("arn:aws:iam::" + account + ":root");
  for (const std::string& a : actions) granted.push_back("SQS:" + a);
  policy["Statement"].push_back({{"Sid", label},
                                 {"Effect", "Allow"},
                                 {"Principal", {{"AWS", oneOrList(principals)}}},
                                 {"Action", oneOrList(granted)},
                                 {"Resource", queue.arn()}});
  QueueConfig config = queue.config();
  config.policy = policy.dump();
  queue.setConfig(std::move(config), clock_.nowMs());
  commit({upsertQueue(queue)}, nlohmann::json::object(), std::move(reply));
}

void SqsService::removePermission(const nlohmann::json& in, SqsReply reply) {
  auto q = queueFromUrl(in);
  if (!q.ok()) return reply(q.error());
  Queue& queue = *q.value();
  std::string label = textOf(in, "Label");
  if (label.empty()) return reply(missingParameter("Label"));
  nlohmann::json policy = policyOf(queue);
  if (!hasLabel(policy, label)) return reply(badLabel(label, "can't find label on existing policy."));
  auto& statements = policy["Statement"];
  statements.erase(std::remove_if(statements.begin(), statements.end(),
                                  [&](const nlohmann::json& s) {
                                    return s.is_object() && s.value("Sid", std::string()) == label;
                                  }),
                   statements.end());
  QueueConfig config = queue.config();
  // The last statement gone, the queue has no policy any more (GetQueueAttributes omits it).
  config.policy = statements.empty() ? "" : policy.dump();
  queue.setConfig(std::move(config), clock_.nowMs());
  commit({upsertQueue(queue)}, nlohmann::json::object(), std::move(reply));
}

}  // namespace stratus::sqs
