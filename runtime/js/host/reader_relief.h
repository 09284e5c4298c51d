// Lets the isolate host's reading thread run the call it just read without first waking another
// thread to read on (host_session.h): the reader vacate()s reading, runs the call, and
// reclaim()s reading when the call is done. Only when reading stays vacant for
// kReliefDelay (a long or sleeping call) does the relief thread start another reader, so a
// short warm call costs no thread hand-off at all, and a long one delays the next message by
// at most about 2 x kReliefDelay.
//
// The relief thread looks every kReliefDelay while calls come, and sleeps on a condition
// variable once none came for kLinger, so an idle host costs nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace stratus::js::host {

class ReaderRelief {
 public:
  static constexpr std::chrono::milliseconds kReliefDelay{1};
  static constexpr std::chrono::milliseconds kLinger{50};

  // `start_reader` (called on the relief thread) makes another thread read.
  // Its thread runs until the process ends (the host ends with _exit): make it once, never
  // destroy it.
  explicit ReaderRelief(std::function<void()> start_reader);
  ReaderRelief(const ReaderRelief&) = delete;
  ReaderRelief& operator=(const ReaderRelief&) = delete;

  // Reading is free from now on; the token for reclaim().
  uint64_t vacate();
  // True: reading is this thread's again. False: a reader was started meanwhile.
  bool reclaim(uint64_t token);

 private:
  [[noreturn]] void main();

  const std::function<void()> start_reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t epoch_ = 0;     // counts vacate()s; guarded by mu_
  bool vacant_ = false;    // guarded by mu_
  bool sleeping_ = false;  // the relief thread waits on cv_; guarded by mu_
  std::thread thread_;
};

}  // namespace stratus::js::host
