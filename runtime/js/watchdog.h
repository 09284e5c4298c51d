// The process-wide deadline watchdog: one thread and a deadline-ordered set of armed entries.
// An IsolateFunction arms an entry around each init/invoke; when the wall clock passes the
// deadline (kept on the monotonic clock from the moment it is armed) the watchdog runs the entry's `fire` (which calls TerminateExecution), so a handler
// stuck in `while (true) {}` is stopped without a thread per isolate.
//
// Threads: arm() and disarm() from any thread. `fire` runs on the watchdog thread with the
// watchdog's lock held, so once disarm() has returned it can no longer run: that is what lets
// `fire` touch an isolate that its owner destroys right after disarming.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace stratus::js {

class Watchdog {
 public:
  using Token = uint64_t;

  static Watchdog& instance();

  // Runs `fire` once when the wall clock reaches deadline_epoch_ms, unless disarmed first.
  // `fire` must be short and must not call arm() or disarm().
  Token arm(int64_t deadline_epoch_ms, std::function<void()> fire);

  // Returns true if the entry had already fired. Each token is disarmed exactly once.
  bool disarm(Token token);

  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  Watchdog() = default;
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::pair<int64_t, Token>> by_deadline_;  // steady-clock ms; guarded by mu_
  std::map<Token, std::pair<int64_t, std::function<void()>>> armed_;  // guarded by mu_
  Token next_token_ = 1;                                      // guarded by mu_
  bool started_ = false;                                      // guarded by mu_
  // The deadline the thread sleeps until (INT64_MAX: no deadline). Arming a later deadline
  // needs no wake-up, which keeps a warm invoke from costing a context switch.
  int64_t sleeping_until_ = INT64_MAX;                        // guarded by mu_
};

// Arms an entry for one scope; the owner asks fired() after disarm() to tell a deadline that
// raced with normal completion.
class WatchdogArm {
 public:
  WatchdogArm(int64_t deadline_epoch_ms, std::function<void()> fire);
  ~WatchdogArm() { disarm(); }
  WatchdogArm(const WatchdogArm&) = delete;
  WatchdogArm& operator=(const WatchdogArm&) = delete;

  // Idempotent; returns whether the entry fired.
  bool disarm();

 private:
  Watchdog::Token token_ = 0;  // 0: nothing armed (no deadline)
  bool fired_ = false;
};

}  // namespace stratus::js
