#include "triggers/esm/batch_response.h"

#include <gtest/gtest.h>

namespace stratus::esm {
namespace {

const std::vector<std::string> kIds{"m1", "m2", "m3"};

BatchVerdict judge(const std::string& payload, bool fifo = false) {
  return judgeBatch(true, payload, true, kIds, fifo);
}

TEST(EsmBatchResponse, FunctionErrorFailsEverything) {
  BatchVerdict v = judgeBatch(false, "", true, kIds, false);
  EXPECT_TRUE(v.whole_batch_failed);
  EXPECT_EQ(v.failed, (std::vector<size_t>{0, 1, 2}));
  EXPECT_TRUE(judgeBatch(false, "{}", false, kIds, false).whole_batch_failed);
}

TEST(EsmBatchResponse, WithoutReportingAnyAnswerSucceeds) {
  BatchVerdict v = judgeBatch(true, R"({"batchItemFailures":[{"itemIdentifier":"m1"}]})", false, kIds, false);
  EXPECT_FALSE(v.whole_batch_failed);
  EXPECT_TRUE(v.failed.empty());
}

TEST(EsmBatchResponse, CompleteSuccesses) {
  for (const char* ok : {"", "null", "{}", R"({"batchItemFailures":[]})", R"({"batchItemFailures":null})",
                         R"({"statusCode":200})", R"("done")", "42"}) {
    BatchVerdict v = judge(ok);
    EXPECT_FALSE(v.whole_batch_failed) << ok;
    EXPECT_TRUE(v.failed.empty()) << ok;
  }
}

TEST(EsmBatchResponse, CompleteFailures) {
  for (const char* bad : {"{not json", R"({"batchItemFailures":"m1"})", R"({"batchItemFailures":[{"itemIdentifier":""}]})",
                          R"({"batchItemFailures":[{"itemIdentifier":null}]})", R"({"batchItemFailures":[{"foo":"m1"}]})",
                          R"({"batchItemFailures":[{"itemIdentifier":"nope"}]})", R"({"batchItemFailures":["m1"]})",
                          R"({"batchItemFailures":[{"itemIdentifier":"m1"},{"itemIdentifier":"nope"}]})"}) {
    BatchVerdict v = judge(bad);
    EXPECT_TRUE(v.whole_batch_failed) << bad;
    EXPECT_EQ(v.failed.size(), 3u) << bad;
  }
}

TEST(EsmBatchResponse, PartialFailuresNameTheirMessages) {
  BatchVerdict v = judge(R"({"batchItemFailures":[{"itemIdentifier":"m3"},{"itemIdentifier":"m1"},{"itemIdentifier":"m1"}]})");
  EXPECT_FALSE(v.whole_batch_failed);
  EXPECT_EQ(v.failed, (std::vector<size_t>{0, 2}));
}

TEST(EsmBatchResponse, FifoFailsEverythingAfterTheFirstFailure) {
  BatchVerdict v = judge(R"({"batchItemFailures":[{"itemIdentifier":"m2"}]})", true);
  EXPECT_FALSE(v.whole_batch_failed);
  EXPECT_EQ(v.failed, (std::vector<size_t>{1, 2}));
}

}  // namespace
}  // namespace stratus::esm
