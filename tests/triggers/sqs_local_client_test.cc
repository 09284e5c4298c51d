// The internal queue client on the real service over a real SQLite file: sends are answered
// after commit, receives see them with every attribute, deletes take any number of handles,
// a long poll is answered by a later send, and unknown ARNs are QueueDoesNotExist.
#include "triggers/sqs/sqs_local_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "runtime/base/clock.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "triggers/sqs/sqs_service.h"

namespace stratus::sqs {
namespace {

constexpr const char* kArn = "arn:aws:sqs:us-east-1:000000000000:work";

LocalSend message(const std::string& body);

class SqsLocalClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "sqs-local-" + std::to_string(getpid()) + ".db";
    std::remove(path_.c_str());
    auto w = DbWriter::open(loop_, path_, std::chrono::microseconds(0));
    ASSERT_TRUE(w.ok()) << w.error().message;
    writer_ = std::move(w).value();
    auto s = SqsService::open(loop_, *writer_, SystemClock::instance(), {});
    ASSERT_TRUE(s.ok()) << s.error().message;
    service_ = std::move(s).value();
    client_ = std::make_unique<SqsLocalClient>(*service_);
    bool created = false;
    service_->call("CreateQueue", {{"QueueName", "work"}, {"Attributes", {{"VisibilityTimeout", "45"}}}},
                   "http://127.0.0.1:1", [&](SqsResult<nlohmann::json> r) { created = r.ok(); });
    pumpUntil([&] { return created; });
    ASSERT_TRUE(created);
  }
  void TearDown() override {
    client_.reset();
    service_.reset();
    writer_.reset();
    std::remove(path_.c_str());
  }
  // Bounded: at most 20,000 loop turns.
  template <typename F>
  void pumpUntil(F done) {
    for (int turn = 0; !done() && turn < 20000; ++turn) uv_run(loop_.raw(), UV_RUN_ONCE);
  }
  std::string sendOne(const std::string& body) {
    std::optional<SqsResult<std::string>> sent;
    client_->send(kArn, message(body), [&](SqsResult<std::string> r) { sent = std::move(r); });
    pumpUntil([&] { return sent.has_value(); });
    EXPECT_TRUE(sent && sent->ok());
    return sent && sent->ok() ? sent->value() : "";
  }
  std::vector<LocalMessage> receive(int max, int wait_s) {
    std::optional<SqsResult<std::vector<LocalMessage>>> got;
    client_->receive(kArn, max, wait_s, std::nullopt, [&](auto r) { got = std::move(r); });
    pumpUntil([&] { return got.has_value(); });
    EXPECT_TRUE(got && got->ok());
    return got && got->ok() ? got->value() : std::vector<LocalMessage>{};
  }

  std::string path_;
  Loop loop_;
  std::unique_ptr<DbWriter> writer_;
  std::unique_ptr<SqsService> service_;
  std::unique_ptr<SqsLocalClient> client_;
};

LocalSend message(const std::string& body) {
  LocalSend m;
  m.body = body;
  return m;
}

TEST_F(SqsLocalClientTest, DescribesTheQueueByArn) {
  auto info = client_->describe(kArn);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->visibility_timeout_s, 45);
  EXPECT_FALSE(info->fifo);
  EXPECT_EQ(info->dead_letter_target_arn, "");
  auto missing = client_->describe("arn:aws:sqs:us-east-1:000000000000:nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, SqsErrorKind::kQueueDoesNotExist);
  EXPECT_FALSE(client_->describe("arn:aws:sqs:eu-west-1:000000000000:work").ok());
}

TEST_F(SqsLocalClientTest, SendThenReceiveCarriesBodyAttributesAndSystemAttributes) {
  std::optional<SqsResult<std::string>> sent;
  LocalSend m = message("hello");
  m.message_attributes = {{"kind", {{"DataType", "String"}, {"StringValue", "greeting"}}}};
  client_->send(kArn, m, [&](SqsResult<std::string> r) { sent = std::move(r); });
  pumpUntil([&] { return sent.has_value(); });
  ASSERT_TRUE(sent && sent->ok());
  auto got = receive(10, 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_id, sent->value());
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[0].md5_of_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_FALSE(got[0].md5_of_message_attributes.empty());
  EXPECT_EQ(got[0].message_attributes["kind"]["StringValue"], "greeting");
  EXPECT_EQ(got[0].attributes["ApproximateReceiveCount"], "1");
  EXPECT_FALSE(got[0].attributes["SentTimestamp"].empty());
  EXPECT_TRUE(receive(10, 0).empty()) << "in flight for the queue's visibility timeout";
}

TEST_F(SqsLocalClientTest, DeletesMoreThanTenHandlesAndReportsStaleOnes) {
  for (int i = 0; i < 13; ++i) sendOne("m" + std::to_string(i));
  std::vector<std::string> handles;
  for (int round = 0; round < 5 && handles.size() < 13; ++round) {
    for (auto& m : receive(10, 0)) handles.push_back(m.receipt_handle);
  }
  ASSERT_EQ(handles.size(), 13u);
  handles.push_back("not-a-handle");
  std::optional<SqsResult<std::vector<std::string>>> deleted;
  client_->deleteMessages(kArn, handles, [&](auto r) { deleted = std::move(r); });
  pumpUntil([&] { return deleted.has_value(); });
  ASSERT_TRUE(deleted && deleted->ok());
  EXPECT_EQ(deleted->value(), std::vector<std::string>{"not-a-handle"});
  std::optional<SqsResult<nlohmann::json>> attrs;
  service_->call("GetQueueAttributes",
                 {{"QueueUrl", client_->describe(kArn)->url}, {"AttributeNames", {"All"}}}, "http://x",
                 [&](SqsResult<nlohmann::json> r) { attrs = std::move(r); });
  pumpUntil([&] { return attrs.has_value(); });
  ASSERT_TRUE(attrs && attrs->ok());
  EXPECT_EQ(attrs->value()["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "0");
  EXPECT_EQ(attrs->value()["Attributes"]["ApproximateNumberOfMessages"], "0");
}

TEST_F(SqsLocalClientTest, ALongPollIsAnsweredByALaterSend) {
  std::optional<SqsResult<std::vector<LocalMessage>>> got;
  client_->receive(kArn, 1, 5, std::nullopt, [&](auto r) { got = std::move(r); });
  for (int turn = 0; turn < 5; ++turn) uv_run(loop_.raw(), UV_RUN_NOWAIT);
  EXPECT_FALSE(got.has_value());
  sendOne("late");
  pumpUntil([&] { return got.has_value(); });
  ASSERT_TRUE(got && got->ok());
  ASSERT_EQ(got->value().size(), 1u);
  EXPECT_EQ(got->value()[0].body, "late");
}

TEST_F(SqsLocalClientTest, ChangeVisibilityToZeroMakesAMessageVisibleAgain) {
  sendOne("again");
  auto first = receive(1, 0);
  ASSERT_EQ(first.size(), 1u);
  std::optional<SqsStatus> changed;
  client_->changeVisibility(kArn, first[0].receipt_handle, 0, [&](SqsStatus s) { changed = std::move(s); });
  pumpUntil([&] { return changed.has_value(); });
  ASSERT_TRUE(changed && changed->ok());
  auto second = receive(1, 0);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attributes["ApproximateReceiveCount"], "2");
}

TEST_F(SqsLocalClientTest, ErrorsOfTheServiceReachTheCaller) {
  std::optional<SqsResult<std::string>> sent;
  client_->send("arn:aws:sqs:us-east-1:000000000000:gone", message("x"), [&](auto r) { sent = std::move(r); });
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->error().kind, SqsErrorKind::kQueueDoesNotExist);
  sent.reset();
  client_->send(kArn, message(""), [&](auto r) { sent = std::move(r); });
  pumpUntil([&] { return sent.has_value(); });
  ASSERT_TRUE(sent.has_value());
  EXPECT_FALSE(sent->ok()) << "an empty body is refused as SendMessage refuses it";
}

}  // namespace
}  // namespace stratus::sqs
