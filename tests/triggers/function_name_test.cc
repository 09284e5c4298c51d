#include "triggers/function_name.h"

#include <gtest/gtest.h>

namespace stratus::triggers {
namespace {

const AccountScope kScope{"us-east-1", "000000000000"};

TEST(FunctionName, AcceptsEveryFormLambdaDoes) {
  struct Case {
    std::string raw, name, qualifier;
  } cases[] = {
      {"fn", "fn", ""},
      {"fn:$LATEST", "fn", "$LATEST"},
      {"fn:prod", "fn", "prod"},
      {"000000000000:function:fn", "fn", ""},
      {"000000000000:function:fn:7", "fn", "7"},
      {"arn:aws:lambda:us-east-1:000000000000:function:fn", "fn", ""},
      {"arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST", "fn", "$LATEST"},
      // A function named "arn" (found by tests/fuzz request_target): "arn:3" is its version 3.
      {"arn", "arn", ""},
      {"arn:3", "arn", "3"},
      {"arn:aws:lambda:us-east-1:000000000000:function:arn:3", "arn", "3"},
  };
  for (const auto& c : cases) {
    auto r = parseFunctionRef(c.raw, "", kScope);
    ASSERT_TRUE(r.ok()) << c.raw << ": " << r.error().message;
    EXPECT_EQ(r->name, c.name) << c.raw;
    EXPECT_EQ(r->qualifier, c.qualifier) << c.raw;
  }
}

TEST(FunctionName, RejectsMalformedNames) {
  for (std::string raw : {"", "bad name", "fn:", "a:b:c", "fn/x", "arn:aws:lambda:us-east-1"}) {
    auto r = parseFunctionRef(raw, "", kScope);
    ASSERT_FALSE(r.ok()) << raw;
    EXPECT_EQ(r.error().code, ErrorCode::kValidation) << raw;
    EXPECT_NE(r.error().message.find("at 'functionName' failed to satisfy constraint"),
              std::string::npos);
  }
  EXPECT_FALSE(parseFunctionRef(std::string(300, 'a'), "", kScope).ok());
}

TEST(FunctionName, OtherAccountOrRegionAreRefusedLikeAws) {
  auto other_account = parseFunctionRef("arn:aws:lambda:us-east-1:111111111111:function:fn", "", kScope);
  ASSERT_FALSE(other_account.ok());
  EXPECT_EQ(other_account.error().code, ErrorCode::kAccessDenied);
  auto other_region = parseFunctionRef("arn:aws:lambda:eu-west-1:000000000000:function:fn", "", kScope);
  ASSERT_FALSE(other_region.ok());
  EXPECT_EQ(other_region.error().code, ErrorCode::kResourceNotFound);
  EXPECT_EQ(other_region.error().message,
            "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
}

TEST(FunctionName, QualifierParameterMustAgreeWithTheName) {
  EXPECT_EQ(parseFunctionRef("fn", "$LATEST", kScope)->qualifier, "$LATEST");
  EXPECT_EQ(parseFunctionRef("fn:1", "1", kScope)->qualifier, "1");
  auto clash = parseFunctionRef("fn:1", "2", kScope);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(clash.error().message,
            "The derived qualifier from the function name does not match the specified qualifier.");
  EXPECT_EQ(parseFunctionRef("fn", "bad qualifier", kScope).error().code, ErrorCode::kValidation);
}

TEST(FunctionName, BuildsArns) {
  EXPECT_EQ(functionArn(kScope, "fn"), "arn:aws:lambda:us-east-1:000000000000:function:fn");
  EXPECT_EQ(qualifiedArn(kScope, "fn", "$LATEST"),
            "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST");
}

}  // namespace
}  // namespace stratus::triggers
