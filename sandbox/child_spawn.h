// Small pieces every child process the sandbox module spawns with uv_spawn needs (process
// sandboxes, isolate hosts). Loop thread only.
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <vector>

namespace stratus::sandbox {

// NUL-terminated pointers into `strings`, for uv_spawn's args and env.
std::vector<char*> cStrings(const std::vector<std::string>& strings);

// While it lives, the calling thread runs under SCHED_BATCH, so that a child forked then (and
// everything that child starts) inherits it; the thread's own policy comes back at the end.
// Process sandboxes' runtimes are spawned so: a batch task never preempts the task that woke
// it, so the server's loop finishes its turn (answering a burst of invocations, each a wake-up
// of some runtime) before the runtimes it woke take the CPU, instead of being switched out at
// every write. Runtimes still get their full share of CPU (cgroup cpu shares decide that);
// only wake-up preemption changes. Nothing a function can observe but sched_getscheduler(2).
class BatchSchedulingScope {
 public:
  BatchSchedulingScope();
  ~BatchSchedulingScope();
  BatchSchedulingScope(const BatchSchedulingScope&) = delete;
  BatchSchedulingScope& operator=(const BatchSchedulingScope&) = delete;

 private:
  int policy_ = -1;  // the thread's own policy, or -1 when it could not be changed
};

// Closes a handle allocated with `new T` and deletes it in the close callback.
template <typename T>
void closeAndDelete(T* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<T*>(h); });
}

// Writes `bytes` to a child's channel, keeping them alive until the write completes.
// `failed` (may be empty) runs on the loop when a started write fails, but not when it is
// cancelled because the channel closed. Returns uv_write's result: non-zero means nothing was
// started and `failed` will not run.
int writeOwned(uv_stream_t* stream, std::string bytes, std::function<void()> failed);

}  // namespace stratus::sandbox
