#include "runtime/js/watchdog.h"

#include <chrono>

namespace stratus::js {
namespace {

std::chrono::steady_clock::time_point fromSteadyMs(int64_t ms) {
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
}

int64_t nowSteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t nowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Watchdog& Watchdog::instance() {
  // Leaked on purpose: the thread may still be waiting while static destructors run at exit.
  static Watchdog* watchdog = new Watchdog();
  return *watchdog;
}

Watchdog::Token Watchdog::arm(int64_t deadline_epoch_ms, std::function<void()> fire) {
  // Deadlines are kept on the monotonic clock: a wall-clock step must not fire (or postpone)
  // them. The epoch deadline only says how far away it is, now.
  int64_t deadline = nowSteadyMs() + (deadline_epoch_ms - nowEpochMs());
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_) {
    started_ = true;
    std::thread([this] { run(); }).detach();
  }
  Token token = next_token_++;
  by_deadline_.emplace(deadline, token);
  armed_.emplace(token, std::make_pair(deadline, std::move(fire)));
  if (deadline < sleeping_until_) {
    sleeping_until_ = deadline;
    cv_.notify_one();
  }
  return token;
}

bool Watchdog::disarm(Token token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = armed_.find(token);
  if (it == armed_.end()) return true;  // fired (and was erased) before we got here
  by_deadline_.erase({it->second.first, token});
  armed_.erase(it);
  return false;
}

void Watchdog::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (by_deadline_.empty()) {
      sleeping_until_ = INT64_MAX;
      cv_.wait(lock);
      continue;
    }
    auto [deadline, token] = *by_deadline_.begin();
    if (nowSteadyMs() < deadline) {
      sleeping_until_ = deadline;
      cv_.wait_until(lock, fromSteadyMs(deadline));
      continue;
    }
    by_deadline_.erase(by_deadline_.begin());
    auto it = armed_.find(token);
    std::function<void()> fire = std::move(it->second.second);
    armed_.erase(it);
    fire();  // under the lock: see the header
  }
}

WatchdogArm::WatchdogArm(int64_t deadline_epoch_ms, std::function<void()> fire) {
  if (deadline_epoch_ms > 0) token_ = Watchdog::instance().arm(deadline_epoch_ms, std::move(fire));
}

bool WatchdogArm::disarm() {
  if (token_ != 0) {
    fired_ = Watchdog::instance().disarm(token_);
    token_ = 0;
  }
  return fired_;
}

}  // namespace stratus::js
