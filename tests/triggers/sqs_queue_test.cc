// The queue model on a hand-moved clock: visibility, delays, retention, receipt handles,
// redrive, FIFO group order and deduplication, and the message digests clients verify.
#include "triggers/sqs/queue.h"

#include <gtest/gtest.h>

#include "triggers/sqs/message_md5.h"
#include "triggers/sqs/message_validation.h"

namespace stratus::sqs {
namespace {

constexpr int64_t kT0 = 1700000000000;

Message body(const std::string& text, const std::string& group = "") {
  Message m;
  m.id = "id-" + text;
  m.body = text;
  m.group_id = group;
  m.dedup_id = group.empty() ? "" : text;
  return m;
}

Queue standard(QueueConfig c = {}) { return Queue("q", "arn:aws:sqs:us-east-1:000000000000:q", "qid", c, kT0); }

Queue fifo() {
  QueueConfig c;
  c.fifo = true;
  return Queue("q.fifo", "arn:aws:sqs:us-east-1:000000000000:q.fifo", "fid", c, kT0);
}

std::vector<std::string> bodies(const Queue::Received& r) {
  std::vector<std::string> out;
  for (const Message* m : r.messages) out.push_back(m->body);
  return out;
}

TEST(SqsQueue, ReceiveHidesForTheVisibilityTimeoutThenShowsAgain) {
  Queue q = standard();
  q.send(body("a"), kT0);
  auto first = q.receive(10, 30000, kT0, 0);
  ASSERT_EQ(bodies(first), std::vector<std::string>{"a"});
  EXPECT_EQ(first.messages[0]->receive_count, 1);
  EXPECT_EQ(first.messages[0]->first_receive_ms, kT0);
  EXPECT_TRUE(q.receive(10, 30000, kT0 + 29999, 0).messages.empty());
  EXPECT_EQ(q.counts(kT0 + 1).in_flight, 1);
  auto again = q.receive(10, 30000, kT0 + 30000, 0);
  ASSERT_EQ(again.messages.size(), 1u);
  EXPECT_EQ(again.messages[0]->receive_count, 2);
  EXPECT_EQ(again.messages[0]->first_receive_ms, kT0);  // the first receive's time stays
}

TEST(SqsQueue, ReceiveKeepsSendOrderAndTakesAtMostMax) {
  Queue q = standard();
  for (const char* b : {"1", "2", "3", "4"}) q.send(body(b), kT0);
  EXPECT_EQ(bodies(q.receive(3, 1000, kT0, 0)), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(bodies(q.receive(3, 1000, kT0, 0)), (std::vector<std::string>{"4"}));
}

TEST(SqsQueue, DelayedMessagesWaitAndCountAsDelayed) {
  Queue q = standard();
  Message m = body("late");
  m.visible_at_ms = kT0 + 5000;
  q.send(std::move(m), kT0);
  EXPECT_EQ(q.counts(kT0).delayed, 1);
  EXPECT_EQ(q.counts(kT0).visible, 0);
  EXPECT_FALSE(q.hasVisible(kT0 + 4999));
  EXPECT_EQ(q.nextVisibleMs(), kT0 + 5000);
  EXPECT_TRUE(q.hasVisible(kT0 + 5000));
  EXPECT_EQ(q.counts(kT0 + 5000).visible, 1);
}

TEST(SqsQueue, DeleteNeedsTheLatestReceiptHandle) {
  Queue q = standard();
  q.send(body("a"), kT0);
  const Message* m = q.receive(1, 1000, kT0, 0).messages[0];
  ReceiptHandle old{"qid", m->seq, m->receipt_nonce};
  const Message* again = q.receive(1, 1000, kT0 + 1000, 0).messages[0];
  ReceiptHandle latest{"qid", again->seq, again->receipt_nonce};
  EXPECT_EQ(q.remove(old, nullptr), Queue::HandleOutcome::kStale);
  EXPECT_EQ(q.size(), 1u);
  uint64_t seq = 0;
  EXPECT_EQ(q.remove(latest, &seq), Queue::HandleOutcome::kDone);
  EXPECT_EQ(seq, latest.seq);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.remove(latest, nullptr), Queue::HandleOutcome::kStale);  // already gone
}

TEST(SqsQueue, ReceiptHandlesRoundTripAndRefuseGarbage) {
  ReceiptHandle h{"queue-id", 42, "abcdef"};
  auto back = decodeReceiptHandle(encodeReceiptHandle(h));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->queue_id, "queue-id");
  EXPECT_EQ(back->seq, 42u);
  EXPECT_EQ(back->nonce, "abcdef");
  for (const char* bad : {"", "not base64!", "YWJj", "OjE6", "cTp4Onk=", "cTo6eQ=="}) {
    EXPECT_FALSE(decodeReceiptHandle(bad).has_value()) << bad;
  }
}

TEST(SqsQueue, ChangeVisibilityOnlyForMessagesInFlight) {
  Queue q = standard();
  q.send(body("a"), kT0);
  const Message* m = q.receive(1, 30000, kT0, 0).messages[0];
  ReceiptHandle h{"qid", m->seq, m->receipt_nonce};
  EXPECT_EQ(q.changeVisibility(h, 0, kT0 + 10, nullptr), Queue::HandleOutcome::kDone);
  EXPECT_TRUE(q.hasVisible(kT0 + 10));  // 0: visible at once
  EXPECT_EQ(q.changeVisibility(h, 1000, kT0 + 20, nullptr), Queue::HandleOutcome::kNotInFlight);
}

TEST(SqsQueue, RetentionDropsOldMessages) {
  QueueConfig c;
  c.retention_s = 60;
  Queue q = standard(c);
  q.send(body("old"), kT0);
  q.send(body("new"), kT0 + 30000);
  EXPECT_TRUE(q.expire(kT0 + 59999).empty());
  EXPECT_EQ(q.expire(kT0 + 60000).size(), 1u);
  EXPECT_EQ(bodies(q.receive(10, 1000, kT0 + 60000, 0)), std::vector<std::string>{"new"});
}

TEST(SqsQueue, RedriveTakesMessagesReceivedMaxReceiveCountTimes) {
  Queue q = standard();
  q.send(body("poison"), kT0);
  int64_t t = kT0;
  for (int i = 0; i < 3; ++i, t += 1000) ASSERT_EQ(q.receive(1, 1000, t, 3).messages.size(), 1u);
  auto fourth = q.receive(1, 1000, t, 3);
  EXPECT_TRUE(fourth.messages.empty());
  ASSERT_EQ(fourth.dead_lettered.size(), 1u);
  EXPECT_EQ(fourth.dead_lettered[0].receive_count, 3);
  EXPECT_EQ(q.size(), 0u);
  Queue dlq("dlq", "arn:dlq", "did", {}, kT0);
  const Message& moved = dlq.adopt(fourth.dead_lettered[0], t);
  EXPECT_EQ(moved.id, "id-poison");
  EXPECT_EQ(moved.sent_ms, kT0);  // counted from the first send
  EXPECT_TRUE(dlq.hasVisible(t));
}

TEST(SqsQueue, FifoKeepsGroupOrderAndLocksAGroupInFlight) {
  Queue q = fifo();
  q.send(body("a1", "A"), kT0);
  q.send(body("b1", "B"), kT0);
  q.send(body("a2", "A"), kT0);
  q.send(body("a3", "A"), kT0);
  // One receive may take consecutive messages of a group.
  EXPECT_EQ(bodies(q.receive(2, 1000, kT0, 0)), (std::vector<std::string>{"a1", "b1"}));
  // A and B are locked while their messages are in flight.
  EXPECT_TRUE(q.receive(10, 1000, kT0, 0).messages.empty());
  EXPECT_FALSE(q.hasVisible(kT0));
  // After the visibility timeout, the group starts again from its oldest message.
  EXPECT_EQ(bodies(q.receive(10, 1000, kT0 + 1000, 0)), (std::vector<std::string>{"a1", "b1", "a2", "a3"}));
}

TEST(SqsQueue, FifoDeleteUnlocksTheGroup) {
  Queue q = fifo();
  q.send(body("a1", "A"), kT0);
  q.send(body("a2", "A"), kT0);
  const Message* m = q.receive(1, 30000, kT0, 0).messages[0];
  EXPECT_TRUE(q.receive(1, 30000, kT0, 0).messages.empty());
  ASSERT_EQ(q.remove({"fid", m->seq, m->receipt_nonce}, nullptr), Queue::HandleOutcome::kDone);
  EXPECT_EQ(bodies(q.receive(1, 30000, kT0, 0)), std::vector<std::string>{"a2"});
}

TEST(SqsQueue, FifoDeduplicatesWithinFiveMinutesEvenAfterDelete) {
  Queue q = fifo();
  Message m = body("x", "G");
  std::string key = q.dedupKey(m);
  EXPECT_EQ(q.findDuplicate(key, kT0), nullptr);
  q.send(m, kT0);
  const Message* got = q.receive(1, 1000, kT0, 0).messages[0];
  q.remove({"fid", got->seq, got->receipt_nonce}, nullptr);
  ASSERT_NE(q.findDuplicate(key, kT0 + Queue::kDedupIntervalMs - 1), nullptr);
  EXPECT_EQ(q.findDuplicate(key, kT0 + Queue::kDedupIntervalMs), nullptr);
}

TEST(SqsQueue, DedupScopeMessageGroupKeysByGroup) {
  QueueConfig c;
  c.fifo = true;
  c.dedup_scope = "messageGroup";
  Queue q("g.fifo", "arn", "gid", c, kT0);
  Message a = body("same", "A"), b = body("same", "B");
  EXPECT_NE(q.dedupKey(a), q.dedupKey(b));
}

TEST(SqsMd5, MatchesAwsTestVectors) {
  EXPECT_EQ(md5OfBody("msg"), "6e2baaf3b97dbeef01c0043275f9a0e7");
  MessageAttributes one{{"Foo", {"String", "Bar", ""}}};
  EXPECT_EQ(md5OfAttributes(one), "ae7155c6026991b6d54b11589678bf9c");
  MessageAttributes three{{"WeeksOn", {"Number", "6", ""}},
                          {"Author", {"String", "John Grisham", ""}},
                          {"Title", {"String", "The Whistler", ""}}};
  EXPECT_EQ(md5OfAttributes(three), "d25a6aea97eb8f585bfa92d314504a92");
  EXPECT_EQ(md5OfAttributes({}), "");
}

TEST(SqsValidation, MessageCharacters) {
  EXPECT_TRUE(validMessageCharacters("plain \t\n\r text \xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(validMessageCharacters(std::string("nul\0", 4)));
  EXPECT_FALSE(validMessageCharacters("\x01"));
  EXPECT_FALSE(validMessageCharacters("\xc3"));          // truncated
  EXPECT_FALSE(validMessageCharacters("\xc0\x80"));      // overlong
  EXPECT_FALSE(validMessageCharacters("\xed\xa0\x80"));  // a surrogate
  EXPECT_FALSE(validMessageCharacters("\xef\xbf\xbe"));  // U+FFFE
}

TEST(SqsValidation, MessageAttributes) {
  auto ok = parseMessageAttributes(nlohmann::json::parse(
      R"({"n":{"DataType":"Number.int","StringValue":"-1.5e3"},"b":{"DataType":"Binary","BinaryValue":"AAE="}})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().at("b").binary_value, std::string("\0\1", 2));
  for (const char* bad : {R"({"x":{"DataType":"String","StringValue":""}})", R"({"x":{"StringValue":"v"}})",
                          R"({"x":{"DataType":"Blob","StringValue":"v"}})", R"({"AWS.x":{"DataType":"String","StringValue":"v"}})",
                          R"({"x":{"DataType":"Number","StringValue":"12a"}})", R"({"a..b":{"DataType":"String","StringValue":"v"}})"}) {
    EXPECT_FALSE(parseMessageAttributes(nlohmann::json::parse(bad)).ok()) << bad;
  }
}

}  // namespace
}  // namespace stratus::sqs
