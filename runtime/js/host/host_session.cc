#include "runtime/js/host/host_session.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "runtime/js/host_protocol.h"

namespace stratus::js::host {

namespace {

constexpr int64_t kInitTimeoutMs = 10000;  // Lambda's init phase limit

// The sandbox whose call this thread runs (-1: none), for the fatal out-of-memory message.
thread_local int64_t t_sandbox = -1;
HostSession* g_session = nullptr;

int64_t epochNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double monotonicNowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HostSession::HostSession(int fd, size_t max_workers)
    : fd_(fd),
      workers_(max_workers),
      relief_(new ReaderRelief([this] { workers_.submit([this] { readLoop(); }); })) {
  g_session = this;
}

void HostSession::writeAll(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);  // the server is gone: so is this host
    done += static_cast<size_t>(n);
  }
}

void HostSession::send(const nlohmann::json& message) { sendFrame(encodeFrame(message)); }

void HostSession::sendFrame(std::string frame) {
  std::unique_lock<std::mutex> lock(out_mu_);
  if (out_.empty()) {
    out_ = std::move(frame);
  } else {
    out_ += frame;
  }
  if (writing_) return;  // the writer takes it with the rest
  writing_ = true;
  std::string batch;
  while (!out_.empty()) {
    batch.clear();
    batch.swap(out_);
    lock.unlock();
    writeAll(batch);
    lock.lock();
  }
  writing_ = false;
}

void HostSession::sendReady() { send({{"op", "ready"}, {"pid", static_cast<int64_t>(::getpid())}}); }

void HostSession::sendFatalFromThisThread() {
  if (g_session == nullptr) return;
  HostSession& s = *g_session;
  std::string frame = encodeFrame({{"op", "fatal"}, {"id", t_sandbox}});
  // V8 aborts the process when this returns, so the frame must be written by then: by this
  // thread, or by the writer already under way, which drains the queue before it stops (waited
  // for a little, never forever). The queue's mutex is only ever held for a moment.
  for (int i = 0; i < 200; ++i) {
    if (s.out_mu_.try_lock()) {
      if (!frame.empty()) {
        s.out_ += frame;
        frame.clear();
      }
      if (!s.writing_) {
        // Nobody writes: what is queued (this frame with it, unless a writer already took
        // and wrote it) is this thread's to write.
        s.writing_ = true;
        std::string batch;
        batch.swap(s.out_);
        s.out_mu_.unlock();
        if (!batch.empty()) s.writeAll(batch);
        return;
      }
      s.out_mu_.unlock();
    }
    ::usleep(1000);
  }
}

void HostSession::finish(int code) {
  std::fflush(stderr);
  _exit(code);  // isolates and threads go with the process; nothing to write back
}

void HostSession::run() {
  workers_.submit([this] { readLoop(); });
  for (;;) ::pause();  // the readers end the process
}

void HostSession::readLoop() {
  std::string& buf = read_buffer_;  // one reader at a time: the buffer is never shared
  for (;;) {
    while (auto body = decoder_.nextView()) {
      std::optional<Call> call;
      if (!handle(*body, &call)) finish(2);
      if (!call) continue;
      if (decoder_.buffered() == 0) {
        // The last frame read: this thread runs the call, then reads on, unless the call took
        // long enough for the relief to start another reader meanwhile.
        uint64_t token = relief_->vacate();
        runCall(*call);
        if (!relief_->reclaim(token)) return;
        continue;
      }
      workers_.submit([this, c = std::move(*call)]() mutable { runCall(c); });
    }
    if (decoder_.failed()) {
      std::fprintf(stderr, "stratus-isolate-host: oversized frame from the server\n");
      finish(2);
    }
    ssize_t n;
    {
      WorkerPool::BlockingScope waiting;  // not a JS slot while it waits for the server
      n = ::read(fd_, buf.data(), buf.size());
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) finish(0);
    decoder_.feed(buf.data(), static_cast<size_t>(n));
  }
}

bool HostSession::handle(std::string_view body, std::optional<Call>* call) {
  if (body.empty() || body[0] != kInvokeTag) return handleJson(body, call);
  Call c;
  c.invoke = true;
  if (!decodeInvoke(body, &c.msg)) {
    std::fprintf(stderr, "stratus-isolate-host: malformed invoke from the server\n");
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    auto it = sandboxes_.find(c.msg.id);
    if (it != sandboxes_.end()) c.sb = it->second;
  }
  if (!c.sb) {
    std::fprintf(stderr, "stratus-isolate-host: invoke for unknown sandbox %lld\n",
                 static_cast<long long>(c.msg.id));
    return false;
  }
  *call = std::move(c);
  return true;
}

bool HostSession::handleJson(std::string_view body, std::optional<Call>* call) {
  nlohmann::json msg = nlohmann::json::parse(body, nullptr, false);
  if (!msg.is_object() || !msg.contains("op") || !msg["op"].is_string()) {
    std::fprintf(stderr, "stratus-isolate-host: malformed message from the server\n");
    return false;
  }
  try {
    const std::string op = msg["op"].get<std::string>();
    int64_t id = msg.value("id", int64_t{-1});
    if (op == "create") {
      auto sb = std::make_shared<Sandbox>();
      sb->spec = functionSpecFromJson(msg.at("spec"));
      std::lock_guard<std::mutex> lock(map_mu_);
      sandboxes_[id] = std::move(sb);
      return true;
    }
    std::shared_ptr<Sandbox> sb;
    {
      std::lock_guard<std::mutex> lock(map_mu_);
      auto it = sandboxes_.find(id);
      if (it != sandboxes_.end()) sb = it->second;
      if (op == "dispose" && it != sandboxes_.end()) sandboxes_.erase(it);
    }
    if (op == "dispose") {
      if (sb) {
        sb->disposed = true;
        std::lock_guard<std::mutex> lock(sb->fn_mu);
        if (sb->fn) sb->fn->terminate();
      }
      return true;
    }
    if (op == "prestart") {
      if (!sb) {
        std::fprintf(stderr, "stratus-isolate-host: prestart for unknown sandbox %lld\n",
                     static_cast<long long>(id));
        return false;
      }
      Call c;
      c.sb = std::move(sb);
      c.msg.id = id;
      c.msg.seq = msg.value("seq", int64_t{0});
      *call = std::move(c);
      return true;
    }
    std::fprintf(stderr, "stratus-isolate-host: unknown op '%s'\n", op.c_str());
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratus-isolate-host: bad message: %s\n", e.what());
    return false;
  }
}

void HostSession::runCall(Call& c) {
  const int64_t id = c.msg.id;
  const std::shared_ptr<Sandbox>& sb = c.sb;
  std::unique_lock<std::mutex> run_lock(sb->run_mu, std::try_to_lock);
  if (!run_lock.owns_lock()) {
    WorkerPool::BlockingScope blocking;  // the previous call's housekeeping
    run_lock.lock();
  }
  if (sb->disposed) return;  // the server no longer waits for it
  t_sandbox = id;
  DoneMessage answer;
  answer.id = id;
  answer.seq = c.msg.seq;
  bool ready = static_cast<bool>(sb->fn);
  if (!ready) {
    double t0 = monotonicNowMs();
    std::unique_ptr<JsFunction> fn = JsFunction::create(sb->spec);
    {
      std::lock_guard<std::mutex> lock(sb->fn_mu);
      sb->fn = std::move(fn);
    }
    if (sb->disposed) sb->fn->terminate();
    answer.init = sb->fn->init(epochNowMs() + kInitTimeoutMs);
    answer.init_ms = monotonicNowMs() - t0;
    ready = answer.init->outcome == JsOutcome::kOk;
  }
  if (ready && c.invoke) {
    JsInvokeRequest& req = c.msg.request;
    double t0 = monotonicNowMs();
    req.deadline_epoch_ms = epochNowMs() + c.msg.timeout_ms;
    answer.result = sb->fn->invoke(req);
    answer.duration_ms = monotonicNowMs() - t0;
    ready = answer.result->reusable;
  }
  if (!ready) {
    std::lock_guard<std::mutex> lock(sb->fn_mu);
    sb->fn.reset();  // free the isolate now; the server condemns the sandbox
  }
  t_sandbox = -1;
  sendFrame(encodeDoneFrame(answer));
  // The answer is on its way: now the work that only later cold starts profit from.
  if (sb->fn && !sb->disposed) {
    t_sandbox = id;
    sb->fn->runDeferredWork();
    t_sandbox = -1;
  }
  if (sb->disposed) {
    std::lock_guard<std::mutex> lock(sb->fn_mu);
    sb->fn.reset();
  }
}

}  // namespace stratus::js::host
