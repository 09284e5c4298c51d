// When to start a supervised child again after it failed to start (spawn failed, or it exited
// before it said it was ready): at once the first time, then after a delay that doubles up to a
// cap, and not at all after `give_up_after` failures in a row, so a host that cannot start at
// all (a missing binary, a broken V8) costs a handful of attempts, not a crash loop. A child
// that came up resets the count: dying after serving (a V8 fatal error a function provoked) is
// not a failed start, and the replacement starts at once. Pure; time is passed in.
#pragma once

#include <cstdint>
#include <string>

namespace stratus::sandbox {

struct RestartBackoffOptions {
  uint64_t first_delay_ms = 100;  // after the second failure in a row
  uint64_t max_delay_ms = 5000;
  int give_up_after = 5;          // failures in a row
};

class RestartBackoff {
 public:
  explicit RestartBackoff(RestartBackoffOptions options = {}) : options_(options) {}

  // A start failed at `now_ms`, for `why`.
  void failed(uint64_t now_ms, std::string why);
  // The child said it was ready.
  void succeeded() { failures_ = 0; }

  bool gaveUp() const { return failures_ >= options_.give_up_after; }
  int failures() const { return failures_; }
  // The delay before the next attempt after the failures so far (0: none yet, or just one).
  uint64_t delayMs() const;
  // May a start be attempted at `now_ms`? (Never once given up.)
  bool mayStart(uint64_t now_ms) const;
  uint64_t nextStartMs() const { return last_failure_ms_ + delayMs(); }
  const std::string& lastError() const { return last_error_; }

 private:
  RestartBackoffOptions options_;
  int failures_ = 0;
  uint64_t last_failure_ms_ = 0;
  std::string last_error_;
};

}  // namespace stratus::sandbox
