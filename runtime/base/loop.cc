#include "runtime/base/loop.h"

#include <cstdlib>
#include <utility>

namespace stratus {

Loop::Loop() {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, &Loop::onAsync);
  async_.data = this;
  thread_ = uv_thread_self();
}

Loop::~Loop() {
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void Loop::onAsync(uv_async_t* handle) { static_cast<Loop*>(handle->data)->drain(); }

void Loop::drain() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  for (auto& fn : batch) fn();
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
  uv_queue_work(
      &loop_, &job->req, [](uv_work_t* r) { static_cast<PoolJob*>(r->data)->work(); },
      [](uv_work_t* r, int) {
        auto* j = static_cast<PoolJob*>(r->data);
        if (j->done) j->done();
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
  if (cb) cb();
}

}  // namespace stratus
