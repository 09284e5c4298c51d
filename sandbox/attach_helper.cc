#include "sandbox/attach_helper.h"

#include <csignal>

#include "runtime/base/clock.h"
#include "runtime/base/fault_boundary.h"
#include "runtime/base/log.h"
#include "sandbox/child_spawn.h"
#include "sandbox/exit_text.h"

namespace stratus::sandbox {

// One helper process. Outlives its place in AttachHelper (child_) until its exit is heard and
// both handles are closed: the requests sent to it are answered by it or by its death.
struct AttachHelper::Child {
  AttachHelper* owner = nullptr;  // null once the AttachHelper stopped or went away
  uv_process_t process{};
  uv_pipe_t channel{};
  int open_handles = 0;
  bool channel_open = false;
  bool exited = false;
  bool ready = false;    // said hello
  bool retired = false;  // no longer the one new requests go to
  pid_t pid = 0;
  std::string inbox;
  char buffer[4096];
  std::map<uint64_t, Done> pending;

  void closeHandle(uv_handle_t* h) {
    uv_close(h, [](uv_handle_t* handle) {
      auto* c = static_cast<Child*>(handle->data);
      if (--c->open_handles == 0) delete c;
    });
  }

  void closeChannel() {
    if (!channel_open) return;
    channel_open = false;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&channel));
    closeHandle(reinterpret_cast<uv_handle_t*>(&channel));
  }

  void kill() {
    if (!exited) uv_process_kill(&process, SIGKILL);
  }

  // Answers (or drops, with no owner) every request still waiting on this helper.
  void failPending(const std::string& why) {
    auto waiting = std::move(pending);
    pending.clear();
    if (!owner) return;
    for (auto& [id, done] : waiting) {
      guarded("attach helper answer", "request " + std::to_string(id), [&] { done(why); });
    }
  }

  void onFrame(std::string_view body) {
    auto answer = jail::decodeAttachAnswer(body);
    if (!answer) {
      logError("attach helper " + std::to_string(pid) + ": malformed answer; killing it");
      return kill();
    }
    if (answer->id == 0) {
      ready = true;
      if (owner && !retired) owner->backoff_.succeeded();
      return;
    }
    auto it = pending.find(answer->id);
    if (it == pending.end()) return;
    Done done = std::move(it->second);
    pending.erase(it);
    if (!owner) return;
    std::string error = answer->ok ? "" : answer->text();
    guarded("attach helper answer", "request " + std::to_string(answer->id), [&] { done(error); });
  }

  static void onRead(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
    auto* c = static_cast<Child*>(stream->data);
    if (n < 0) {
      // EOF or a broken socket: the helper is going (made sure of), and a new one takes over.
      c->closeChannel();
      c->kill();
      if (c->owner) c->owner->onChildExit(c, "");
      return;
    }
    c->inbox.append(buf->base, static_cast<size_t>(n));
    while (c->channel_open) {
      auto length = jail::attach_wire::announcedLength(c->inbox);
      if (!length) break;
      if (*length > jail::kMaxAttachFrame) {
        logError("attach helper " + std::to_string(c->pid) + ": oversized frame; killing it");
        c->inbox.clear();
        return c->kill();
      }
      if (c->inbox.size() < sizeof(uint32_t) + *length) break;
      std::string body = c->inbox.substr(sizeof(uint32_t), *length);
      c->inbox.erase(0, sizeof(uint32_t) + *length);
      c->onFrame(body);
    }
  }

  static void onExit(uv_process_t* p, int64_t exit_status, int term_signal) {
    auto* c = static_cast<Child*>(p->data);
    c->exited = true;
    std::string how = "attach helper exited: " + runtimeExitText(exit_status, term_signal);
    c->closeChannel();
    c->closeHandle(reinterpret_cast<uv_handle_t*>(&c->process));
    if (c->owner) c->owner->onChildExit(c, how);
    c->failPending(how);  // after a replacement is up: a retry from an answer goes to it
  }
};

AttachHelper::AttachHelper(Loop& loop, std::string jail_binary, RestartBackoffOptions backoff)
    : loop_(loop), jail_binary_(std::move(jail_binary)), backoff_(backoff), retry_(loop) {}

AttachHelper::~AttachHelper() { stop(); }

bool AttachHelper::start() {
  if (child_) return true;
  if (stopped_ || backoff_.gaveUp()) return false;
  auto* c = new Child;
  c->owner = this;
  uv_pipe_init(loop_.raw(), &c->channel, 0);
  c->channel.data = c;
  c->process.data = c;
  std::vector<std::string> args = {jail_binary_, "attach"};
  std::vector<char*> argv = cStrings(args);
  std::vector<char*> envp = cStrings({});
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_IGNORE;
  stdio[2].flags = UV_INHERIT_FD;  // its one line, should it fail, goes to the server's stderr
  stdio[2].data.fd = 2;
  stdio[3].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE | UV_WRITABLE_PIPE);
  stdio[3].data.stream = reinterpret_cast<uv_stream_t*>(&c->channel);
  uv_process_options_t options{};
  options.file = argv[0];
  options.args = argv.data();
  options.env = envp.data();
  options.stdio = stdio;
  options.stdio_count = 4;
  options.exit_cb = &Child::onExit;
  // Its own session: a terminal's Ctrl-C reaches the server, which decides what stops.
  options.flags = UV_PROCESS_DETACHED;
  c->open_handles = 2;
  ++starts_;
  if (int rc = uv_spawn(loop_.raw(), &c->process, &options); rc != 0) {
    c->owner = nullptr;
    c->exited = true;
    c->closeHandle(reinterpret_cast<uv_handle_t*>(&c->channel));
    c->closeHandle(reinterpret_cast<uv_handle_t*>(&c->process));
    std::string why = "spawn " + jail_binary_ + " attach: " + uv_strerror(rc);
    backoff_.failed(static_cast<uint64_t>(monotonicMs()), why);
    logError("attach helper: " + why);
    return false;
  }
  c->pid = c->process.pid;
  c->channel_open = true;
  child_ = c;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->channel),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* child = static_cast<Child*>(h->data);
        *buf = uv_buf_init(child->buffer, sizeof child->buffer);
      },
      &Child::onRead);
  return true;
}

void AttachHelper::onChildExit(Child* c, const std::string& how) {
  if (c->retired) return;
  c->retired = true;
  if (child_ == c) child_ = nullptr;
  if (stopped_) return;
  if (!c->ready) backoff_.failed(static_cast<uint64_t>(monotonicMs()), how.empty() ? "exited before it was up" : how);
  if (backoff_.gaveUp()) {
    logError("attach helper: giving up after " + std::to_string(backoff_.failures()) +
             " failed starts (" + backoff_.lastError() + "): prewarmed sandboxes cannot be claimed");
    return;
  }
  uint64_t delay = backoff_.failures() > 0 ? backoff_.delayMs() : 0;
  if (delay == 0) {
    start();
  } else {
    retry_.start(delay, [this] { start(); });
  }
}

void AttachHelper::attach(pid_t pid, std::vector<jail::AttachBind> binds, Done done) {
  if (!child_ && !start()) {
    std::string why = stopped_ ? "stopped" : backoff_.lastError();
    return done("attach helper unavailable: " + why);
  }
  jail::AttachRequest request{++next_id_, static_cast<long>(pid), std::move(binds)};
  Child* child = child_;
  // A write that fails means a broken socket: the helper goes, and its exit answers what was
  // sent to it.
  int rc = writeOwned(reinterpret_cast<uv_stream_t*>(&child_->channel), jail::encodeAttachRequest(request),
                      [child] { child->kill(); });
  if (rc != 0) {
    child_->kill();
    return done(std::string("attach helper: write: ") + uv_strerror(rc));
  }
  child_->pending.emplace(request.id, std::move(done));
}

void AttachHelper::stop() {
  stopped_ = true;
  retry_.stop();
  if (!child_) return;
  Child* c = child_;
  child_ = nullptr;
  c->owner = nullptr;
  c->retired = true;
  c->pending.clear();
  c->kill();
}

pid_t AttachHelper::pid() const { return child_ && !child_->exited ? child_->pid : 0; }

}  // namespace stratus::sandbox
