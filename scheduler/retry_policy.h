// What happens to an asynchronous event after an attempt (LAMBDA.md §9), as a pure function of
// the event's progress, its event invoke config and the time: no clock, no I/O, so every rule
// is tested alone with made-up times (tests/scheduler/retry_policy_test.cc).
//
//  - Function errors and timeouts count as attempts: retried MaximumRetryAttempts times, about
//    1 minute before the second attempt and 2 before the third.
//  - Throttles and system errors do not count: retried with exponential back-off from 1 s to
//    5 minutes, for as long as the event is younger than MaximumEventAgeInSeconds.
//  - A retry that would start after the event's age limit is not made: the event fails with
//    EventAgeExceeded at once (Lambda would discard it when due; the outcome is the same, the
//    on-failure destination just hears of it sooner).
// `scale` multiplies every delay and the age limit (stratus serve --async-delay-scale), so tests
// see Lambda's behaviour in seconds instead of hours; 1 is Lambda's.
#pragma once

#include <cstdint>

namespace stratus::scheduler {

enum class AttemptResult {
  kSuccess,
  kFunctionError,  // the handler failed, timed out, ran out of memory, its runtime exited
  kThrottled,      // 429: concurrency or the host's memory budget
  kSystemError,    // the platform failed before or around the function (5xx)
};

struct RetrySettings {
  int max_retry_attempts = 2;           // 0-2
  int64_t max_event_age_s = 21600;      // 60-21600
  double scale = 1.0;
};

struct EventProgress {
  int64_t enqueued_ms = 0;  // wall clock, when the event was accepted
  int attempts = 0;         // function attempts made, this one included
  int throttles = 0;        // throttled or system-failed attempts so far, this one included
};

enum class RetryVerdict { kDone, kRetry, kRetriesExhausted, kEventAgeExceeded };

struct RetryDecision {
  RetryVerdict verdict = RetryVerdict::kDone;
  int64_t not_before_ms = 0;  // with kRetry: when to try again
};

// Lambda's delays before the second and third function attempts, and the throttle back-off.
constexpr int64_t kFirstRetryDelayMs = 60 * 1000;
constexpr int64_t kSecondRetryDelayMs = 120 * 1000;
constexpr int64_t kThrottleBaseDelayMs = 1000;
constexpr int64_t kThrottleMaxDelayMs = 5 * 60 * 1000;

RetryDecision decideAfterAttempt(const RetrySettings& settings, const EventProgress& progress,
                                 AttemptResult result, int64_t now_ms);

// Whether an event is past its age limit at `now_ms` (checked before each attempt).
bool eventTooOld(const RetrySettings& settings, int64_t enqueued_ms, int64_t now_ms);

// `ms` times the scale, at least 1 ms (so a retry is never a busy loop).
int64_t scaledMs(double scale, int64_t ms);

}  // namespace stratus::scheduler
