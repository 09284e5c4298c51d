#include "runtime/js/isolate_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "runtime/js/js_function.h"

namespace stratus::js {
namespace {

// Low enough that cold starts and warm invokes on the worker threads win the CPU whenever they
// want it, high enough that the pool still refills on a busy host.
constexpr int kRefillNice = 10;

// How long the refill waits after a claim while the pool is at least half full.
constexpr std::chrono::milliseconds kQuietAfterTake{3};

}  // namespace

IsolatePool& IsolatePool::instance() {
  // Leaked on purpose: its threads outlive main(). At exit they are stopped between isolates
  // (quiesceAtExit), so none is inside V8 while the process's static destructors run.
  static IsolatePool* pool = [] {
    auto* p = new IsolatePool();
    std::atexit([] { instance().quiesceAtExit(); });
    return p;
  }();
  return *pool;
}

void IsolatePool::quiesceAtExit() {
  constexpr auto kBound = std::chrono::seconds(5);  // one isolate's creation or disposal
  exiting_.store(true);
  refill_cv_.notify_all();
  dispose_cv_.notify_all();
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_cv_.wait_for(lock, kBound, [this] { return !refill_busy_; });
  }
  std::unique_lock<std::mutex> lock(dispose_mu_);
  dispose_idle_cv_.wait_for(lock, kBound, [this] { return !dispose_busy_; });
  // Shells still queued or ready are left to the process's end, like any live isolate.
}

void IsolatePool::setTarget(size_t count, size_t heap_limit_bytes) {
  size_t limit = IsolateShell::effectiveHeapLimit(heap_limit_bytes);
  std::vector<std::unique_ptr<IsolateShell>> surplus;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (count == 0) {
      targets_.erase(limit);
    } else {
      targets_[limit] = count;
    }
    auto it = ready_.find(limit);
    while (it != ready_.end() && it->second.size() > count) {
      surplus.push_back(std::move(it->second.back()));
      it->second.pop_back();
    }
    if (count > 0 && !refill_started_) {
      refill_started_ = true;
      std::thread([this] { refillMain(); }).detach();
    }
  }
  refill_cv_.notify_all();
  for (auto& shell : surplus) retire(std::move(shell));
}

std::unique_ptr<IsolateShell> IsolatePool::take(size_t heap_limit_bytes) {
  size_t limit = IsolateShell::effectiveHeapLimit(heap_limit_bytes);
  std::unique_ptr<IsolateShell> shell;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (targets_.find(limit) == targets_.end()) return nullptr;  // not prewarmed: no miss
    auto it = ready_.find(limit);
    if (it == ready_.end() || it->second.empty()) {
      ++stats_.misses;
    } else {
      // Oldest first: every shell ages the same way and none lingers for ever.
      shell = std::move(it->second.front());
      it->second.erase(it->second.begin());
      ++stats_.hits;
      last_take_ = std::chrono::steady_clock::now();
    }
  }
  refill_cv_.notify_all();
  return shell;
}

void IsolatePool::retire(std::unique_ptr<IsolateShell> shell) {
  if (!shell) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.retired;
  }
  {
    std::lock_guard<std::mutex> lock(dispose_mu_);
    to_dispose_.push_back(std::move(shell));
    if (!dispose_started_) {
      dispose_started_ = true;
      std::thread([this] { disposeMain(); }).detach();
    }
  }
  dispose_cv_.notify_one();
}

IsolatePool::Stats IsolatePool::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.ready = 0;
  for (const auto& [limit, shells] : ready_) s.ready += shells.size();
  return s;
}

bool IsolatePool::waitForReady(size_t count, std::chrono::milliseconds timeout, size_t heap_limit_bytes) {
  size_t limit = IsolateShell::effectiveHeapLimit(heap_limit_bytes);
  std::unique_lock<std::mutex> lock(mu_);
  return changed_cv_.wait_for(lock, timeout, [&] {
    auto it = ready_.find(limit);
    return it != ready_.end() && it->second.size() >= count;
  });
}

bool IsolatePool::waitForDisposals(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stats_.disposed == stats_.retired) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void IsolatePool::refillMain() {
  pthread_setname_np(pthread_self(), "stratus-prewarm");
  setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kRefillNice);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (exiting_.load()) {
      refill_cv_.wait(lock, [] { return false; });  // parked until the process ends
    }
    size_t want = 0;
    for (const auto& [limit, count] : targets_) {
      if (ready_[limit].size() < count) {
        want = limit;
        break;
      }
    }
    if (want == 0) {
      refill_cv_.wait(lock);
      continue;
    }
    // A shell was just claimed: its cold start (configure, load, first invoke) is running now.
    // Unless the pool runs low, let it finish before competing with it for the CPU, the memory
    // map and the allocator.
    auto quiet_until = last_take_ + kQuietAfterTake;
    if (ready_[want].size() * 2 >= targets_[want] && std::chrono::steady_clock::now() < quiet_until) {
      refill_cv_.wait_until(lock, quiet_until);
      continue;
    }
    refill_busy_ = true;
    lock.unlock();
    std::unique_ptr<IsolateShell> shell = IsolateShell::create(want);
    lock.lock();
    refill_busy_ = false;
    if (exiting_.load()) {
      changed_cv_.notify_all();
      (void)shell.release();  // the process is ending: no disposal now
      continue;
    }
    auto target = targets_.find(want);
    if (target != targets_.end() && ready_[want].size() < target->second) {
      ready_[want].push_back(std::move(shell));
      ++stats_.made;
      changed_cv_.notify_all();
    } else {
      lock.unlock();
      retire(std::move(shell));  // the target shrank meanwhile
      lock.lock();
    }
  }
}

void IsolatePool::disposeMain() {
  pthread_setname_np(pthread_self(), "stratus-dispose");
  std::unique_lock<std::mutex> lock(dispose_mu_);
  for (;;) {
    dispose_cv_.wait(lock, [this] { return !to_dispose_.empty() && !exiting_.load(); });
    std::unique_ptr<IsolateShell> shell = std::move(to_dispose_.front());
    to_dispose_.pop_front();
    dispose_busy_ = true;
    lock.unlock();
    shell.reset();
    {
      std::lock_guard<std::mutex> stats_lock(mu_);
      ++stats_.disposed;
    }
    lock.lock();
    dispose_busy_ = false;
    dispose_idle_cv_.notify_all();
  }
}

void prewarmIsolates(size_t count, uint64_t heap_limit_bytes) {
  IsolatePool::instance().setTarget(count, static_cast<size_t>(heap_limit_bytes));
}

}  // namespace stratus::js
