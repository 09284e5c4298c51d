// Threads for blocking work that must stay off the loop: running JavaScript. submit() from any
// thread. A task that throws is logged as a fault (fault_boundary.h) and the thread goes on.
//
// At most `active_limit` tasks run at once (default: one per core), the rest wait in FIFO order
// and a thread that finishes a task takes the next one without sleeping: on a small machine 32
// CPU-bound invocations then run a couple at a time instead of thrashing 32 threads. A task that
// waits (a handler sleeping in setTimeout) says so with a BlockingScope: while it waits it does
// not count, and another thread (started on demand, up to max_threads) runs the queue. A queue
// whose head waits for kStallMs (behind tasks that block without saying so, or long CPU-bound
// ones) gets an extra thread anyway, so nothing waits behind them for long.
//
// Idle threads sleep on a condition variable; nothing spins. (Spinning 50 us for the next task
// before sleeping was tried: on 2 cores the spinner takes the core that the loop thread and the
// client need, and a 1-client warm invoke went from 0.036 to 0.12 ms.)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace stratus {

class WorkerPool {
 public:
  static constexpr std::chrono::milliseconds kStallMs{10};

  // active_limit 0: std::thread::hardware_concurrency() (at least 2). `stall`: how long the
  // head of the queue may wait for a free slot before it gets an extra thread.
  explicit WorkerPool(size_t max_threads, size_t active_limit = 0,
                      std::chrono::milliseconds stall = kStallMs);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> task);
  size_t threadCount() const;
  size_t activeLimit() const { return active_limit_; }

  // Marks the current task as waiting (not using the CPU) for its lifetime, so that it does not
  // hold one of the pool's active slots. A no-op outside a pool's worker thread. Nestable.
  class BlockingScope {
   public:
    BlockingScope();
    ~BlockingScope();
    BlockingScope(const BlockingScope&) = delete;
    BlockingScope& operator=(const BlockingScope&) = delete;

   private:
    WorkerPool* pool_;
  };


 private:
  struct Task {
    std::function<void()> fn;
    std::chrono::steady_clock::time_point queued;
  };

  void workerMain();
  // Under mu_: makes sure a thread will look at the queue: starts one, or returns true when the
  // caller must wake one (cv_.notify_one() once mu_ is released).
  bool kickLocked();
  void beginBlocking();
  void endBlocking();

  const size_t max_threads_;
  const size_t active_limit_;
  const std::chrono::milliseconds stall_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;            // guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_
  size_t idle_ = 0;                   // threads waiting on cv_; guarded by mu_
  size_t signaled_ = 0;               // of those, notified and not yet awake; guarded by mu_
  size_t watching_ = 0;               // of those, waiting for the queue's head to stall; mu_
  size_t running_ = 0;                // tasks running and not blocked; guarded by mu_
  bool stopping_ = false;             // guarded by mu_
};

}  // namespace stratus
