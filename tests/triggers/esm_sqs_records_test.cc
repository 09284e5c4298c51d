#include "triggers/esm/sqs_records.h"

#include <gtest/gtest.h>

namespace stratus::esm {
namespace {

TEST(EsmSqsRecords, SplitsQueueArns) {
  auto q = splitQueueArn("arn:aws:sqs:eu-west-1:111111111111:jobs.fifo");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->region, "eu-west-1");
  EXPECT_EQ(q->account, "111111111111");
  EXPECT_EQ(q->name, "jobs.fifo");
  for (const char* bad : {"", "arn:aws:sqs:", "arn:aws:sqs:r:a:", "arn:aws:sqs:r:a:b:c", "arn:aws:sns:r:a:t",
                          "arn:aws:sqs:r"}) {
    EXPECT_FALSE(splitQueueArn(bad).has_value()) << bad;
  }
  EXPECT_EQ(arnRegion("arn:aws:sqs:us-east-2:1:q"), "us-east-2");
}

TEST(EsmSqsRecords, CarryLambdasFields) {
  sqs::LocalMessage m;
  m.message_id = "id";
  m.receipt_handle = "rh";
  m.body = "b";
  m.md5_of_body = "92eb5ffee6ae2fec3ad71c777531578f";
  m.attributes = {{"ApproximateReceiveCount", "1"}, {"SentTimestamp", "5"}, {"SenderId", "s"},
                  {"ApproximateFirstReceiveTimestamp", "6"}, {"DeadLetterQueueSourceArn", "not passed on"}};
  nlohmann::json r = sqsRecord(m, "arn:aws:sqs:us-east-2:123456789012:q");
  EXPECT_EQ(r["attributes"].size(), 4u);
  EXPECT_TRUE(r["md5OfMessageAttributes"].is_null());
  EXPECT_EQ(r["messageAttributes"], nlohmann::json::object());
  EXPECT_EQ(r["eventSource"], "aws:sqs");
  EXPECT_EQ(r["awsRegion"], "us-east-2");

  m.md5_of_message_attributes = "abc";
  m.message_attributes = {{"B", {{"DataType", "Binary"}, {"BinaryValue", "AAE="}}},
                          {"S", {{"DataType", "Number.int"}, {"StringValue", "7"}}}};
  r = sqsRecord(m, "arn:aws:sqs:us-east-2:123456789012:q");
  EXPECT_EQ(r["md5OfMessageAttributes"], "abc");
  EXPECT_EQ(r["messageAttributes"]["B"],
            (nlohmann::json{{"binaryValue", "AAE="}, {"stringListValues", nlohmann::json::array()},
                            {"binaryListValues", nlohmann::json::array()}, {"dataType", "Binary"}}));
  EXPECT_EQ(r["messageAttributes"]["S"]["stringValue"], "7");
  EXPECT_EQ(r["messageAttributes"]["S"]["dataType"], "Number.int");
}

}  // namespace
}  // namespace stratus::esm
