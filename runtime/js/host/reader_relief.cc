#include "runtime/js/host/reader_relief.h"

namespace stratus::js::host {

ReaderRelief::ReaderRelief(std::function<void()> start_reader)
    : start_reader_(std::move(start_reader)), thread_([this] { main(); }) {}

uint64_t ReaderRelief::vacate() {
  bool wake;
  uint64_t token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    token = ++epoch_;
    vacant_ = true;
    wake = sleeping_;
  }
  if (wake) cv_.notify_one();
  return token;
}

bool ReaderRelief::reclaim(uint64_t token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!vacant_ || epoch_ != token) return false;
  vacant_ = false;
  return true;
}

void ReaderRelief::main() {
  auto last_seen = std::chrono::steady_clock::now();
  uint64_t seen_epoch = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (epoch_ != seen_epoch) {
      last_seen = now;
    } else if (!vacant_ && now - last_seen >= kLinger) {
      sleeping_ = true;
      cv_.wait(lock, [this] { return vacant_; });
      sleeping_ = false;
      last_seen = std::chrono::steady_clock::now();
    }
    // The vacancy seen now, if it is still the same one after a delay, is a call that has run
    // at least that long: reading must not wait for it.
    seen_epoch = epoch_;
    bool was_vacant = vacant_;
    lock.unlock();
    std::this_thread::sleep_for(kReliefDelay);
    lock.lock();
    if (was_vacant && vacant_ && epoch_ == seen_epoch) {
      vacant_ = false;
      lock.unlock();
      start_reader_();
      lock.lock();
    }
  }
}

}  // namespace stratus::js::host
