// The asynchronous invocation record and dead-letter attributes (triggers/async/invocation_record.h).
#include "triggers/async/invocation_record.h"

#include <gtest/gtest.h>

namespace stratus::async {
namespace {

TEST(InvocationRecord, SuccessInLambdasOrderWithPayloadsAsSent) {
  std::string event = "{\"b\" : 1, \"a\":[1,  2]}";
  RecordInput in;
  in.request_id = "rid";
  in.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST";
  in.condition = "Success";
  in.approximate_invoke_count = 1;
  in.timestamp_ms = 1573755365568;
  in.request_payload = &event;
  in.response = AttemptResponse{200, "$LATEST", false, "{\"ok\":true}"};
  EXPECT_EQ(invocationRecord(in),
            "{\"version\":\"1.0\",\"timestamp\":\"2019-11-14T18:16:05.568Z\",\"requestContext\":"
            "{\"requestId\":\"rid\",\"functionArn\":\"arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST\","
            "\"condition\":\"Success\",\"approximateInvokeCount\":1},\"requestPayload\":{\"b\" : 1, \"a\":[1,  2]},"
            "\"responseContext\":{\"statusCode\":200,\"executedVersion\":\"$LATEST\"},\"responsePayload\":{\"ok\":true}}");
}

TEST(InvocationRecord, FailureNamesTheErrorAndAnEventThatNeverRanHasNoResponse) {
  std::string event = "{}";
  RecordInput in;
  in.request_payload = &event;
  in.condition = "RetriesExhausted";
  in.response = AttemptResponse{200, "3", true, "not json"};
  auto j = nlohmann::json::parse(invocationRecord(in));
  EXPECT_EQ(j["responseContext"]["functionError"], "Unhandled");
  EXPECT_EQ(j["responseContext"]["executedVersion"], "3");
  EXPECT_EQ(j["responsePayload"], "not json");  // a response that is not JSON becomes a string
  in.response.reset();
  in.condition = "EventAgeExceeded";
  j = nlohmann::json::parse(invocationRecord(in));
  EXPECT_FALSE(j.contains("responseContext"));
  EXPECT_FALSE(j.contains("responsePayload"));
  in.response = AttemptResponse{200, "$LATEST", false, ""};
  EXPECT_TRUE(nlohmann::json::parse(invocationRecord(in))["responsePayload"].is_null());
}

TEST(DeadLetterAttributes, RequestIdStatusAndTheFirstKilobyteOfTheMessage) {
  auto a = deadLetterAttributes("rid", 200, std::string(1023, 'x') + "\xc3\xa9" + "tail");
  EXPECT_EQ(a["RequestID"], (nlohmann::json{{"DataType", "String"}, {"StringValue", "rid"}}));
  EXPECT_EQ(a["ErrorCode"], (nlohmann::json{{"DataType", "Number"}, {"StringValue", "200"}}));
  // Cut at 1 KB, on a character boundary (the é would be split).
  EXPECT_EQ(a["ErrorMessage"]["StringValue"], std::string(1023, 'x'));
  EXPECT_EQ(errorMessageOf("{\"errorType\":\"E\",\"errorMessage\":\"boom\"}"), "boom");
  EXPECT_EQ(errorMessageOf("[1]"), "");
}

}  // namespace
}  // namespace stratus::async
