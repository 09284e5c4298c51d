#include "scheduler/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace stratus::scheduler {

int64_t scaledMs(double scale, int64_t ms) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(static_cast<double>(ms) * scale)));
}

bool eventTooOld(const RetrySettings& s, int64_t enqueued_ms, int64_t now_ms) {
  return now_ms - enqueued_ms > scaledMs(s.scale, s.max_event_age_s * 1000);
}

RetryDecision decideAfterAttempt(const RetrySettings& s, const EventProgress& p,
                                 AttemptResult result, int64_t now_ms) {
  int64_t delay = 0;
  switch (result) {
    case AttemptResult::kSuccess:
      return {RetryVerdict::kDone, 0};
    case AttemptResult::kFunctionError:
      if (p.attempts > s.max_retry_attempts) return {RetryVerdict::kRetriesExhausted, 0};
      delay = p.attempts <= 1 ? kFirstRetryDelayMs : kSecondRetryDelayMs;
      break;
    case AttemptResult::kThrottled:
    case AttemptResult::kSystemError: {
      int doublings = std::clamp(p.throttles - 1, 0, 30);
      delay = std::min(kThrottleBaseDelayMs << doublings, kThrottleMaxDelayMs);
      break;
    }
  }
  int64_t at = now_ms + scaledMs(s.scale, delay);
  if (eventTooOld(s, p.enqueued_ms, at)) return {RetryVerdict::kEventAgeExceeded, 0};
  return {RetryVerdict::kRetry, at};
}

}  // namespace stratus::scheduler
