// Time: an injectable clock and the timestamp formats AWS uses. Any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace stratus {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMs() const = 0;  // milliseconds; see each clock for since when
};

// Wall clock, epoch milliseconds: for timestamps people read.
class SystemClock : public Clock {
 public:
  int64_t nowMs() const override;
  static SystemClock& instance();
};

// Steady clock, milliseconds since an arbitrary start: for deadlines and idle timers, which
// must not jump when the wall clock is set.
class MonotonicClock : public Clock {
 public:
  int64_t nowMs() const override;
  static MonotonicClock& instance();
};

// Tests move time by hand.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1700000000000) : now_(start_ms) {}
  int64_t nowMs() const override { return now_.load(); }
  void advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_;
};

int64_t epochMs();       // SystemClock now
double monotonicMs();    // steady clock, for durations

// "2020-04-10T19:06:32.563+0000" (FunctionConfiguration.LastModified and friends).
std::string formatAwsTimestamp(int64_t epoch_ms);
// "2019-06-07T19:11:20.562Z" (log lines).
std::string formatIso8601(int64_t epoch_ms);
// "2019/06/07" (log stream names).
std::string formatDateSlashes(int64_t epoch_ms);

}  // namespace stratus
