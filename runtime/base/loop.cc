#include "runtime/base/loop.h"

#include <cstdlib>
#include <utility>

#include "runtime/base/fault_boundary.h"

namespace stratus {

Loop::Loop() {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, &Loop::onAsync);
  async_.data = this;
  thread_ = uv_thread_self();
}

Loop::~Loop() {
  // Tasks still queued are dropped, not run; dropping one may post again (a callback that
  // answers on drop), so drain until nothing comes back, then refuse further posts.
  for (;;) {
    std::vector<std::function<void()>> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty()) {
        closed_ = true;
        break;
      }
      left.swap(queue_);
    }
  }
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&async_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  }
  // Let close callbacks run, then close the loop.
  uv_run(&loop_, UV_RUN_NOWAIT);
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void Loop::run() {
  thread_ = uv_thread_self();
  running_ = true;
  uv_run(&loop_, UV_RUN_DEFAULT);
  running_ = false;
}

void Loop::stop() { uv_stop(&loop_); }

bool Loop::onLoopThread() const {
  uv_thread_t self = uv_thread_self();
  return uv_thread_equal(&self, &thread_) != 0;
}

void Loop::post(std::function<void()> fn) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) {
      queue_.push_back(std::move(fn));
      queued = true;
    }
  }
  // Closed: `fn` dies here, outside the lock (its captures may post again).
  if (queued) uv_async_send(&async_);
}

void Loop::onAsync(uv_async_t* handle) { static_cast<Loop*>(handle->data)->drain(); }

void Loop::drain() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  for (auto& fn : batch) {
    guarded(fault_site::kPostedTask, "", [&] {
      injectFault(fault_site::kPostedTask);
      fn();
    });
    fn = nullptr;  // its captures die inside the turn that ran it
  }
}

namespace {
struct PoolJob {
  uv_work_t req;
  std::function<void()> work;
  std::function<void()> done;
};
}  // namespace

void Loop::runInPool(std::function<void()> work, std::function<void()> done) {
  auto* job = new PoolJob{{}, std::move(work), std::move(done)};
  job->req.data = job;
  // A `work` that throws still gets its `done`: that is where callers answer (from the results
  // `work` left unset).
  uv_queue_work(
      &loop_, &job->req,
      [](uv_work_t* r) {
        auto* j = static_cast<PoolJob*>(r->data);
        guarded(fault_site::kPoolWork, "", [&] {
          injectFault(fault_site::kPoolWork);
          j->work();
        });
      },
      [](uv_work_t* r, int) {
        auto* j = static_cast<PoolJob*>(r->data);
        guarded(fault_site::kPoolDone, "", [&] {
          injectFault(fault_site::kPoolDone);
          if (j->done) j->done();
        });
        delete j;
      });
}

struct Timer::State {
  uv_timer_t handle;
  std::function<void()> cb;
};

Timer::Timer(Loop& loop) : state_(new State) {
  uv_timer_init(loop.raw(), &state_->handle);
  state_->handle.data = state_;
}

Timer::~Timer() {
  uv_timer_stop(&state_->handle);
  state_->cb = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&state_->handle),
           [](uv_handle_t* h) { delete static_cast<State*>(h->data); });
}

void Timer::start(uint64_t timeout_ms, std::function<void()> cb, uint64_t repeat_ms) {
  state_->cb = std::move(cb);
  uv_timer_start(&state_->handle, &Timer::onFire, timeout_ms, repeat_ms);
}

void Timer::stop() { uv_timer_stop(&state_->handle); }

void Timer::onFire(uv_timer_t* t) {
  auto* s = static_cast<State*>(t->data);
  // Copy: the callback may destroy the Timer (which clears s->cb) while it runs.
  auto cb = s->cb;
  if (!cb) return;
  guarded(fault_site::kTimer, "", [&] {
    injectFault(fault_site::kTimer);
    cb();
  });
}

}  // namespace stratus
