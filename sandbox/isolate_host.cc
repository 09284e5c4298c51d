#include "sandbox/isolate_host.h"

#include <unistd.h>

#include <csignal>

#include "runtime/base/fault_boundary.h"
#include "runtime/base/log.h"
#include "sandbox/child_spawn.h"
#include "sandbox/exit_text.h"

namespace stratus::sandbox {

IsolateHost::IsolateHost(Loop& loop, IsolateHostOptions options, ExitCallback on_exit)
    : loop_(loop), options_(std::move(options)), on_exit_(std::move(on_exit)) {}

IsolateHost::~IsolateHost() = default;

std::shared_ptr<IsolateHost> IsolateHost::spawn(Loop& loop, const IsolateHostOptions& options,
                                                ExitCallback on_exit, std::string* error) {
  std::shared_ptr<IsolateHost> host(new IsolateHost(loop, options, std::move(on_exit)));
  std::vector<std::string> args = {options.binary, "--memory-mb", std::to_string(options.memory_mb),
                                   "--prewarm", std::to_string(options.prewarm),
                                   "--max-workers", std::to_string(options.max_workers)};
  std::vector<char*> argv = cStrings(args), envp = cStrings(options.env);

  host->channel_ = new uv_pipe_t;
  uv_pipe_init(loop.raw(), host->channel_, 0);
  host->channel_->data = host.get();
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_IGNORE;
  // The host writes only diagnostics (V8's fatal messages): they belong in the server's log.
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = 2;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE | UV_WRITABLE_PIPE);
  stdio[3].data.stream = reinterpret_cast<uv_stream_t*>(host->channel_);
  uv_process_options_t opts{};
  opts.file = argv[0];
  opts.args = argv.data();
  opts.env = envp.data();
  opts.stdio = stdio;
  opts.stdio_count = 4;
  opts.exit_cb = &IsolateHost::onExitCb;
  // Its own session: a terminal's Ctrl-C reaches the server, which decides what stops.
  opts.flags = UV_PROCESS_DETACHED;
  host->process_ = new uv_process_t;
  host->process_->data = host.get();
  int rc = uv_spawn(loop.raw(), host->process_, &opts);
  if (rc != 0) {
    closeAndDelete(host->process_);
    closeAndDelete(host->channel_);
    host->process_ = nullptr;
    host->channel_ = nullptr;
    host->exited_ = true;
    *error = "spawn " + options.binary + ": " + uv_strerror(rc);
    return nullptr;
  }
  host->pid_ = host->process_->pid;
  host->flush_prepare_ = new uv_prepare_t;
  uv_prepare_init(loop.raw(), host->flush_prepare_);
  host->flush_prepare_->data = host.get();
  host->flush_check_ = new uv_check_t;
  uv_check_init(loop.raw(), host->flush_check_);
  host->flush_check_->data = host.get();
  host->open_handles_ = 4;
  host->self_ = host;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(host->channel_),
      [](uv_handle_t* handle, size_t, uv_buf_t* buf) {
        // One read at a time per stream, and the decoder copies what it keeps: one buffer.
        auto* h = static_cast<IsolateHost*>(handle->data);
        buf->base = h->read_buffer_.data();
        buf->len = h->read_buffer_.size();
      },
      &IsolateHost::onReadCb);
  return host;
}

void IsolateHost::onReadCb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* host = static_cast<IsolateHost*>(stream->data);
  std::shared_ptr<IsolateHost> keep = host->self_;
  if (nread > 0) {
    host->decoder_.feed(buf->base, static_cast<size_t>(nread));
  }
  if (nread < 0) {
    // EOF or an error: the host is dying (or broke the socket); its exit callback follows.
    host->channel_broken_ = true;
    uv_read_stop(stream);
    if (!host->exited_) host->kill(SIGKILL);
    return;
  }
  while (!host->exited_) {
    auto body = host->decoder_.nextView();
    if (!body) break;
    // A throw (from a completion the message runs, or a malformed field) stops at this message:
    // the completion's captures answer their request as they unwind (answer_on_drop.h).
    guarded("isolate host message", "host " + std::to_string(host->pid_),
            [&] { host->onMessage(*body); });
  }
  if (host->decoder_.failed() && !host->exited_) {
    logError("isolate host " + std::to_string(host->pid_) + ": oversized frame; killing it");
    host->kill(SIGKILL);
  }
}

void IsolateHost::onMessage(std::string_view body) {
  if (body.empty() || body[0] != js::host::kDoneTag) {
    onJsonMessage(body);
    return;
  }
  HostAnswer answer;
  if (!js::host::decodeDone(body, &answer.done)) {
    logError("isolate host " + std::to_string(pid_) + ": malformed done message; killing it");
    kill(SIGKILL);
    return;
  }
  auto it = pending_.find(answer.done.id);
  if (it == pending_.end() || it->second.seq != answer.done.seq) return;  // disposed
  HostAnswerCallback done = std::move(it->second.done);
  pending_.erase(it);
  done(std::move(answer));
}

void IsolateHost::onJsonMessage(std::string_view body) {
  nlohmann::json msg = nlohmann::json::parse(body, nullptr, false);
  if (!msg.is_object()) {
    logError("isolate host " + std::to_string(pid_) + ": malformed message; killing it");
    kill(SIGKILL);
    return;
  }
  std::string op = msg.value("op", "");
  if (op == "ready") {
    ready_ = true;
  } else if (op == "fatal") {
    fatal_oom_sandbox_ = msg.value("id", int64_t{-1});
  }
}

void IsolateHost::onExitCb(uv_process_t* process, int64_t exit_status, int term_signal) {
  auto* host = static_cast<IsolateHost*>(process->data);
  std::shared_ptr<IsolateHost> keep = host->self_;
  guarded("isolate host exit", "host " + std::to_string(host->pid_),
          [&] { host->onExit(exit_status, term_signal); });
}

void IsolateHost::onExit(int64_t exit_status, int term_signal) {
  exited_ = true;
  std::string text = runtimeExitText(exit_status, term_signal);
  exit_text_ = text;
  // What is still unread (a "done" or "fatal" written just before the end) counts first.
  uv_os_fd_t fd;
  if (channel_ != nullptr && !channel_broken_ &&
      uv_fileno(reinterpret_cast<uv_handle_t*>(channel_), &fd) == 0) {
    char buf[65536];
    for (int i = 0; i < 4096; ++i) {  // bounded: the host is gone, the socket drains
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      decoder_.feed(buf, static_cast<size_t>(n));
    }
  }
  while (auto body = decoder_.nextView()) {
    guarded("isolate host message", "host " + std::to_string(pid_), [&] { onMessage(*body); });
  }
  exited_ = true;
  out_.clear();
  std::map<int64_t, Pending> pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    HostAnswer answer;
    answer.host_died = true;
    answer.out_of_memory = id == fatal_oom_sandbox_;
    answer.exit_text = text;
    guarded("isolate host exit", "host " + std::to_string(pid_), [&] { p.done(std::move(answer)); });
  }
  if (on_exit_) on_exit_(*this, ready_);
  closeHandles();
}

void IsolateHost::closeHandles() {
  auto closed = [](uv_handle_t* h) {
    auto* host = static_cast<IsolateHost*>(h->data);
    switch (h->type) {
      case UV_PROCESS: delete reinterpret_cast<uv_process_t*>(h); break;
      case UV_PREPARE: delete reinterpret_cast<uv_prepare_t*>(h); break;
      case UV_CHECK: delete reinterpret_cast<uv_check_t*>(h); break;
      default: delete reinterpret_cast<uv_pipe_t*>(h); break;
    }
    if (--host->open_handles_ == 0) host->self_.reset();  // may destroy the host
  };
  if (channel_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(channel_), closed);
    channel_ = nullptr;
  }
  if (process_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(process_), closed);
    process_ = nullptr;
  }
  if (flush_prepare_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(flush_prepare_), closed);
    flush_prepare_ = nullptr;
  }
  if (flush_check_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(flush_check_), closed);
    flush_check_ = nullptr;
  }
}

void IsolateHost::send(const nlohmann::json& message) { sendFrame(js::host::encodeFrame(message)); }

void IsolateHost::sendFrame(std::string frame) {
  if (exited_ || channel_broken_ || channel_ == nullptr) return;
  if (out_.empty()) {
    out_ = std::move(frame);
    // Written at the end of this turn's poll phase, or before the loop waits if the frame was
    // queued outside it (a timer, a posted task): whichever comes first.
    uv_prepare_start(flush_prepare_, [](uv_prepare_t* h) { onFlushCb(reinterpret_cast<uv_handle_t*>(h)); });
    uv_check_start(flush_check_, [](uv_check_t* h) { onFlushCb(reinterpret_cast<uv_handle_t*>(h)); });
  } else {
    out_ += frame;
  }
}

void IsolateHost::onFlushCb(uv_handle_t* handle) {
  auto* host = static_cast<IsolateHost*>(handle->data);
  host->flush();
}

void IsolateHost::flush() {
  uv_prepare_stop(flush_prepare_);
  uv_check_stop(flush_check_);
  if (out_.empty() || exited_ || channel_broken_ || channel_ == nullptr) {
    out_.clear();
    return;
  }
  std::string bytes = std::move(out_);
  out_.clear();
  // A failed write is answered by the host's exit (the exit callback answers what is pending).
  writeOwned(reinterpret_cast<uv_stream_t*>(channel_), std::move(bytes), nullptr);
}

int64_t IsolateHost::create(const js::JsFunctionSpec& spec) {
  int64_t id = ++next_id_;
  ++live_sandboxes_;
  send({{"op", "create"}, {"id", id}, {"spec", js::host::toJson(spec)}});
  return id;
}

bool IsolateHost::expect(int64_t id, HostAnswerCallback& done, int64_t* seq) {
  if (exited_) {
    HostAnswer answer;
    answer.host_died = true;
    answer.exit_text = "Runtime exited without providing a reason";
    done(std::move(answer));
    return false;
  }
  *seq = ++next_seq_;
  pending_[id] = Pending{*seq, std::move(done)};
  return true;
}

void IsolateHost::prestart(int64_t id, HostAnswerCallback done) {
  int64_t seq;
  if (!expect(id, done, &seq)) return;
  send({{"op", "prestart"}, {"id", id}, {"seq", seq}});
}

void IsolateHost::invoke(int64_t id, js::host::InvokeMessage message, HostAnswerCallback done) {
  if (!expect(id, done, &message.seq)) return;
  message.id = id;
  sendFrame(js::host::encodeInvokeFrame(message));
}

void IsolateHost::dispose(int64_t id) {
  if (auto it = pending_.find(id); it != pending_.end()) {
    // Whoever waits for it still gets an answer, on a later turn (not from inside its own call).
    auto done = std::make_shared<HostAnswerCallback>(std::move(it->second.done));
    pending_.erase(it);
    loop_.post([done] {
      HostAnswer answer;
      answer.host_died = true;
      answer.exit_text = "Runtime exited without providing a reason";
      (*done)(std::move(answer));
    });
  }
  if (live_sandboxes_ > 0) --live_sandboxes_;
  send({{"op", "dispose"}, {"id", id}});
}

void IsolateHost::kill(int signal) {
  if (process_ != nullptr && !exited_) uv_process_kill(process_, signal);
}

}  // namespace stratus::sandbox
