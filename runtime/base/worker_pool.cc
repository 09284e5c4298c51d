#include "runtime/base/worker_pool.h"

#include <algorithm>

#include "runtime/base/fault_boundary.h"

namespace stratus {
namespace {

thread_local WorkerPool* t_pool = nullptr;  // the pool whose worker this thread is
thread_local int t_blocking_depth = 0;

size_t defaultActiveLimit() {
  return std::max<size_t>(2, std::thread::hardware_concurrency());
}

}  // namespace

WorkerPool::WorkerPool(size_t max_threads, size_t active_limit, std::chrono::milliseconds stall)
    : max_threads_(max_threads ? max_threads : 1),
      active_limit_(std::min(max_threads_, active_limit ? active_limit : defaultActiveLimit())),
      stall_(stall) {}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::submit(std::function<void()> task) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(Task{std::move(task), std::chrono::steady_clock::now()});
    wake = kickLocked();
  }
  // Outside the lock: a thread woken while we still held it would only block on it again.
  if (wake) cv_.notify_one();
}

bool WorkerPool::kickLocked() {
  if (tasks_.empty() || stopping_) return false;  // stopping: the threads there drain the queue
  if (running_ >= active_limit_ && watching_ > 0) {
    return false;  // every slot is taken; a watcher will step in if the queue stalls
  }
  if (idle_ > signaled_) {
    ++signaled_;
    return true;
  }
  if (threads_.size() < max_threads_) threads_.emplace_back([this] { workerMain(); });
  return false;
}

size_t WorkerPool::threadCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_.size();
}

void WorkerPool::workerMain() {
  t_pool = this;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!tasks_.empty()) {
      auto now = std::chrono::steady_clock::now();
      bool stalled = now - tasks_.front().queued >= stall_;
      if (running_ < active_limit_ || stalled || stopping_) {
        std::function<void()> fn = std::move(tasks_.front().fn);
        tasks_.pop_front();
        ++running_;
        // More waiting work that may run now: hand it to another thread.
        bool wake = kickLocked();
        lock.unlock();
        if (wake) cv_.notify_one();
        // A throw leaving this thread would std::terminate the server: the boundary logs it.
        // The task's captures (an invocation's completion among them) die here, off the lock,
        // and answer for it if they were never called (answer_on_drop.h).
        guarded(fault_site::kWorkerTask, "", [&] {
          injectFault(fault_site::kWorkerTask);
          fn();
        });
        fn = nullptr;
        lock.lock();
        --running_;
        continue;
      }
    } else if (stopping_) {
      return;
    }
    ++idle_;
    if (!tasks_.empty()) {
      // Work is waiting but every active slot is taken: watch for the queue's head to stall.
      ++watching_;
      cv_.wait_until(lock, tasks_.front().queued + stall_);
      --watching_;
    } else {
      cv_.wait(lock);
    }
    --idle_;
    if (signaled_ > 0) --signaled_;
  }
}

void WorkerPool::beginBlocking() {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
    wake = kickLocked();
  }
  if (wake) cv_.notify_one();
}

void WorkerPool::endBlocking() {
  std::lock_guard<std::mutex> lock(mu_);
  ++running_;  // may exceed the limit for a while: this thread then takes no more work
}

WorkerPool::BlockingScope::BlockingScope() : pool_(t_pool) {
  if (pool_ != nullptr && t_blocking_depth++ == 0) pool_->beginBlocking();
}

WorkerPool::BlockingScope::~BlockingScope() {
  if (pool_ != nullptr && --t_blocking_depth == 0) pool_->endBlocking();
}

}  // namespace stratus
