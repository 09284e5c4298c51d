// The asynchronous retry rules alone (scheduler/retry_policy.h): made-up times, no clock.
#include "scheduler/retry_policy.h"

#include <gtest/gtest.h>

namespace stratus::scheduler {
namespace {

constexpr int64_t kT0 = 1700000000000;

TEST(RetryPolicy, SuccessIsDone) {
  auto d = decideAfterAttempt({}, {kT0, 1, 0}, AttemptResult::kSuccess, kT0 + 5);
  EXPECT_EQ(d.verdict, RetryVerdict::kDone);
}

TEST(RetryPolicy, FunctionErrorsRetryAfterOneThenTwoMinutes) {
  RetrySettings s;  // 2 retries
  auto first = decideAfterAttempt(s, {kT0, 1, 0}, AttemptResult::kFunctionError, kT0 + 10);
  EXPECT_EQ(first.verdict, RetryVerdict::kRetry);
  EXPECT_EQ(first.not_before_ms, kT0 + 10 + 60000);
  auto second = decideAfterAttempt(s, {kT0, 2, 0}, AttemptResult::kFunctionError, kT0 + 70000);
  EXPECT_EQ(second.verdict, RetryVerdict::kRetry);
  EXPECT_EQ(second.not_before_ms, kT0 + 70000 + 120000);
  auto third = decideAfterAttempt(s, {kT0, 3, 0}, AttemptResult::kFunctionError, kT0 + 200000);
  EXPECT_EQ(third.verdict, RetryVerdict::kRetriesExhausted);
}

TEST(RetryPolicy, ZeroRetriesFailAtTheFirstError) {
  RetrySettings s;
  s.max_retry_attempts = 0;
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 1, 0}, AttemptResult::kFunctionError, kT0).verdict,
            RetryVerdict::kRetriesExhausted);
  s.max_retry_attempts = 1;
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 1, 0}, AttemptResult::kFunctionError, kT0).verdict,
            RetryVerdict::kRetry);
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 2, 0}, AttemptResult::kFunctionError, kT0).verdict,
            RetryVerdict::kRetriesExhausted);
}

TEST(RetryPolicy, ThrottlesBackOffExponentiallyUpToFiveMinutesWithoutCounting) {
  RetrySettings s;
  int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000};
  for (int i = 0; i < 11; ++i) {
    auto d = decideAfterAttempt(s, {kT0, 0, i + 1}, AttemptResult::kThrottled, kT0);
    ASSERT_EQ(d.verdict, RetryVerdict::kRetry) << i;
    EXPECT_EQ(d.not_before_ms - kT0, expected[i]) << i;
  }
  // System errors follow the same rule, and never exhaust the attempts.
  auto d = decideAfterAttempt(s, {kT0, 2, 50}, AttemptResult::kSystemError, kT0 + 1000);
  EXPECT_EQ(d.verdict, RetryVerdict::kRetry);
  EXPECT_EQ(d.not_before_ms, kT0 + 1000 + 300000);
}

TEST(RetryPolicy, ARetryPastTheAgeLimitIsEventAgeExceeded) {
  RetrySettings s;
  s.max_event_age_s = 60;
  // A function error at 10 s would retry at 70 s: past 60 s.
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 1, 0}, AttemptResult::kFunctionError, kT0 + 10000).verdict,
            RetryVerdict::kEventAgeExceeded);
  // A throttle at 58 s would retry at 60 s + 1 ms... exactly 60 s is still young enough.
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 0, 1}, AttemptResult::kThrottled, kT0 + 59000).verdict,
            RetryVerdict::kRetry);
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 0, 1}, AttemptResult::kThrottled, kT0 + 59001).verdict,
            RetryVerdict::kEventAgeExceeded);
  EXPECT_FALSE(eventTooOld(s, kT0, kT0 + 60000));
  EXPECT_TRUE(eventTooOld(s, kT0, kT0 + 60001));
}

TEST(RetryPolicy, TheScaleShrinksDelaysAndTheAgeLimitAlike) {
  RetrySettings s;
  s.scale = 0.01;
  s.max_event_age_s = 60;  // 600 ms scaled
  auto d = decideAfterAttempt(s, {kT0, 1, 0}, AttemptResult::kFunctionError, kT0);
  EXPECT_EQ(d.verdict, RetryVerdict::kRetry);
  EXPECT_EQ(d.not_before_ms, kT0 + 600);
  EXPECT_EQ(decideAfterAttempt(s, {kT0, 0, 1}, AttemptResult::kThrottled, kT0).not_before_ms, kT0 + 10);
  EXPECT_TRUE(eventTooOld(s, kT0, kT0 + 601));
  // Never below 1 ms, so a tiny scale does not spin.
  EXPECT_EQ(scaledMs(0.0, 1000), 1);
}

}  // namespace
}  // namespace stratus::scheduler
