// The one event loop that owns all I/O. Everything here must be called on the loop's thread,
// except post(), the single thread-safe door into it. Every posted task, pool job and timer
// callback runs inside the last-resort fault boundary (fault_boundary.h): what it throws is
// logged and the loop goes on.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace stratus {

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() { return &loop_; }

  // Runs until stop(). Returns after all handles are closed.
  void run();
  // Loop thread: stop at the end of this turn. From another thread use post([&]{ stop(); }).
  void stop();

  // Any thread: run `fn` on the loop thread soon. uv_async_send coalesces, so posts go into a
  // mutex-guarded queue that one async handle drains. Once the Loop is being destroyed, `fn` is
  // dropped (destroyed, not run).
  void post(std::function<void()> fn);

  // Loop thread: run `work` on libuv's thread pool, then `done` back on the loop. For blocking
  // work (zip extraction, file writes) that must not stall the loop. `done` runs even if
  // `work` threw (the fault is logged), so it must cope with results `work` did not set.
  void runInPool(std::function<void()> work, std::function<void()> done);

  bool onLoopThread() const;

 private:
  static void onAsync(uv_async_t* handle);
  void drain();

  uv_loop_t loop_;
  uv_async_t async_;
  std::mutex mu_;
  std::vector<std::function<void()>> queue_;  // guarded by mu_
  bool closed_ = false;                       // guarded by mu_; set in the destructor
  uv_thread_t thread_{};
  bool running_ = false;
};

// A one-shot or repeating timer owned by the loop. Destroying it stops it; the uv handle is
// freed in its close callback, so a Timer may be destroyed from inside its own callback.
class Timer {
 public:
  explicit Timer(Loop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(uint64_t timeout_ms, std::function<void()> cb, uint64_t repeat_ms = 0);
  void stop();

 private:
  static void onFire(uv_timer_t* t);
  struct State;
  State* state_;  // freed in the close callback
};

}  // namespace stratus
