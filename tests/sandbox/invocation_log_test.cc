#include "sandbox/invocation_log.h"

#include <gtest/gtest.h>

#include <regex>

#include "sandbox/lambda_environment.h"

namespace stratus::sandbox {
namespace {

TEST(InvocationLog, ReportLineMatchesLambdasFormat) {
  ReportFields f{"id-1", 128.834, 166.621, 128, 74, "", ""};
  EXPECT_EQ(reportLine(f),
            "REPORT RequestId: id-1\tDuration: 128.83 ms\tBilled Duration: 296 ms\tMemory Size: "
            "128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\t");
  ReportFields warm{"id-2", 0.2, -1, 256, 3, "", ""};
  EXPECT_EQ(reportLine(warm),
            "REPORT RequestId: id-2\tDuration: 0.20 ms\tBilled Duration: 1 ms\tMemory Size: 256 "
            "MB\tMax Memory Used: 3 MB\t");
  ReportFields oom{"id-3", 10, -1, 128, 128, "error", "Runtime.OutOfMemory"};
  EXPECT_NE(reportLine(oom).find("\tStatus: error\tError Type: Runtime.OutOfMemory\t"),
            std::string::npos);
  ReportFields timeout{"id-4", 3000.5, -1, 128, 9, "timeout", ""};
  EXPECT_NE(reportLine(timeout).find("Billed Duration: 3001 ms"), std::string::npos);
  EXPECT_NE(reportLine(timeout).find("\tStatus: timeout\t"), std::string::npos);
}

TEST(InvocationLog, BilledDurationRoundsUpAndIncludesInit) {
  EXPECT_EQ(billedDurationMs(558.78, 109.44), 669u);
  EXPECT_EQ(billedDurationMs(0.01, -1), 1u);
  EXPECT_EQ(billedDurationMs(2.0, -1), 2u);
}

TEST(InvocationLog, PlatformLines) {
  EXPECT_EQ(startLine("abc", "$LATEST"), "START RequestId: abc Version: $LATEST");
  EXPECT_EQ(endLine("abc"), "END RequestId: abc");
  EXPECT_EQ(initReportLine(137.694, "error", "Runtime.ImportModuleError"),
            "INIT_REPORT Init Duration: 137.69 ms\tPhase: init\tStatus: error\tError Type: "
            "Runtime.ImportModuleError");
  EXPECT_EQ(timeoutLogLine(1782223702417, "id", 3010),
            "2026-06-23T14:08:22.417Z id Task timed out after 3.01 seconds");
  EXPECT_TRUE(std::regex_match(initStartLine("nodejs20.x"),
                               std::regex("INIT_START Runtime Version: nodejs:20\\.v1\tRuntime "
                                          "Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}")));
  EXPECT_EQ(initStartLine("python3.12", "eu-west-1").substr(0, 68),
            "INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: arn:");
  EXPECT_NE(initStartLine("python3.12", "eu-west-1").find("arn:aws:lambda:eu-west-1::runtime:"),
            std::string::npos);
  EXPECT_EQ(initStartLine("provided.al2023").substr(0, 46), "INIT_START Runtime Version: provided:al2023.v1");
  EXPECT_EQ(initStartLine("provided").substr(0, 43), "INIT_START Runtime Version: provided:al1.v1");
  EXPECT_TRUE(std::regex_match(logStreamName(1559934680562, "$LATEST"),
                               std::regex("2019/06/07/\\[\\$LATEST\\][0-9a-f]{32}")));
}

TEST(LambdaEnvironment, DefinesLambdasVariablesOverTheFunctions) {
  SandboxSpec spec;
  spec.function_name = "fn";
  spec.version = "$LATEST";
  spec.runtime = "nodejs20.x";
  spec.handler = "index.handler";
  spec.memory_mb = 256;
  spec.region = "eu-west-1";
  spec.environment = {{"MY_VAR", "x"}};
  auto env = lambdaEnvironment(spec, "2026/01/01/[$LATEST]abc");
  EXPECT_EQ(env["MY_VAR"], "x");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "fn");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  EXPECT_EQ(env["AWS_REGION"], "eu-west-1");
  EXPECT_EQ(env["AWS_DEFAULT_REGION"], "eu-west-1");
  EXPECT_EQ(env["AWS_EXECUTION_ENV"], "AWS_Lambda_nodejs20.x");
  EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/fn");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_STREAM_NAME"], "2026/01/01/[$LATEST]abc");
  EXPECT_EQ(env["_HANDLER"], "index.handler");
  EXPECT_EQ(env["TZ"], ":UTC");
}

}  // namespace
}  // namespace stratus::sandbox
