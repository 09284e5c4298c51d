// Isolates made ahead of demand, and disposed behind it.
//
// Prewarm: for each configured heap limit the pool keeps `count` IsolateShells ready (an isolate
// with the runtime's bootstrap run: everything JsFunction::create() does that does not depend on
// the function), refilled by one background thread at low CPU priority (nice 10), so a cold start
// only configures a shell and loads the function's code. A shell is handed out once and never
// comes back: the claimant's isolate is disposed when it is done, so nothing of one function can
// reach another. Heap limits are fixed when an isolate is made, so shells are keyed by the
// (effective) heap limit; a request for a limit with no ready shell gets none and the caller
// makes a fresh one itself, exactly as without the pool. Off (count 0) until setTarget().
//
// Why shells are made by running the bootstrap (from the process-wide code cache) rather than
// from a V8 startup snapshot of it: measured with this pool in place (V8 10.2, figures in
// bootstrap_script.h), a snapshot only makes the background refill somewhat cheaper, while the
// claim (configure, load, first invoke), the part a request waits for, got 1.4-2.5x slower:
// bootstrap functions come out of the snapshot without the compiled state the code cache gives.
//
// Dispose: retire() disposes a shell on the pool's own disposal thread (normal priority), so an
// isolate is never torn down on the thread that drops its last reference (the libuv loop, say).
//
// Threads: any. The pool is process-wide and never destroyed; its threads start on first use
// and stop, between two isolates, when the process exits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/js/isolate_shell.h"

namespace stratus::js {

class IsolatePool {
 public:
  static constexpr size_t kDefaultHeapLimit = size_t{128} << 20;  // MemorySize 128, the default

  static IsolatePool& instance();

  // Keeps `count` ready shells of `heap_limit_bytes` (made effective; see IsolateShell). 0 stops
  // prewarming that limit and disposes its ready shells.
  void setTarget(size_t count, size_t heap_limit_bytes = kDefaultHeapLimit);

  // A ready shell for `heap_limit_bytes`, or null (none ready, or that limit is not prewarmed).
  std::unique_ptr<IsolateShell> take(size_t heap_limit_bytes);

  // Disposes `shell` on the disposal thread. Null is ignored.
  void retire(std::unique_ptr<IsolateShell> shell);

  struct Stats {
    size_t ready = 0;       // shells ready now, all limits
    uint64_t hits = 0;      // take() that returned a shell
    uint64_t misses = 0;    // take() for a prewarmed limit that found none ready
    uint64_t made = 0;      // shells made by the refill thread
    uint64_t retired = 0;   // shells handed to retire()
    uint64_t disposed = 0;  // of those, disposed
  };
  Stats stats();

  // Tests: wait until `count` shells of the limit are ready / every retired shell is disposed.
  bool waitForReady(size_t count, std::chrono::milliseconds timeout,
                    size_t heap_limit_bytes = kDefaultHeapLimit);
  bool waitForDisposals(std::chrono::milliseconds timeout);

  IsolatePool(const IsolatePool&) = delete;
  IsolatePool& operator=(const IsolatePool&) = delete;

 private:
  IsolatePool() = default;
  void refillMain();
  void disposeMain();
  // atexit: stops both threads between isolates and waits for the one in progress.
  void quiesceAtExit();

  std::mutex mu_;
  std::condition_variable refill_cv_;   // the refill thread waits for work
  std::condition_variable changed_cv_;  // waiters of waitFor*()
  std::map<size_t, size_t> targets_;                                   // guarded by mu_
  std::map<size_t, std::vector<std::unique_ptr<IsolateShell>>> ready_;  // guarded by mu_
  bool refill_started_ = false;                                        // guarded by mu_
  std::chrono::steady_clock::time_point last_take_;                    // guarded by mu_
  bool refill_busy_ = false;  // making a shell; guarded by mu_
  std::atomic<bool> exiting_{false};
  Stats stats_;                                                        // guarded by mu_

  std::mutex dispose_mu_;
  std::condition_variable dispose_cv_;
  std::deque<std::unique_ptr<IsolateShell>> to_dispose_;  // guarded by dispose_mu_
  bool dispose_started_ = false;                          // guarded by dispose_mu_
  bool dispose_busy_ = false;                             // guarded by dispose_mu_
  std::condition_variable dispose_idle_cv_;
};

}  // namespace stratus::js
