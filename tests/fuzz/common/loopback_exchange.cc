#include "tests/fuzz/common/loopback_exchange.h"

#include <netinet/in.h>
#include <signal.h>

#include <cstdlib>
#include <cstring>

namespace stratus::fuzz {

namespace {

// Owned by the libuv handles: freed when both are closed, after the loop has stopped using them.
struct Client {
  Loop* loop = nullptr;
  uv_tcp_t tcp{};
  uv_timer_t timer{};
  uv_check_t check{};  // runs after each poll phase: counts loop turns that brought nothing
  uv_connect_t connect_req{};
  uv_write_t write_req{};
  uv_shutdown_t shutdown_req{};
  std::string bytes;  // what is written; must outlive the write
  Exchange result;
  ExchangeLimits limits;
  uint64_t started_ms = 0;
  uint64_t last_activity_ms = 0;
  bool written = false;
  bool finished = false;
  uint64_t activity = 0;       // bumped by every read and write completion
  uint64_t activity_seen = 0;  // its value at the last check
  int idle_turns = 0;          // loop turns in a row without activity
  int open_handles = 3;
  bool* done_flag = nullptr;
  Exchange* out = nullptr;
  char buffer[64 * 1024];
};

void onClosed(uv_handle_t* handle) {
  auto* c = static_cast<Client*>(handle->data);
  if (--c->open_handles == 0) {
    *c->out = std::move(c->result);
    *c->done_flag = true;
    c->loop->stop();
    delete c;
  }
}

void finish(Client* c) {
  if (c->finished) return;
  c->finished = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->check), onClosed);
}

// Quiet means time *and* turns: a process descheduled for longer than quiet_ms wakes with its
// timer due before the poll phase has read what arrived meanwhile, so time alone would end an
// exchange whose answers are sitting in the socket. Every step of a server's answer (read,
// posted task, write) takes a turn, so a few idle turns mean nothing more is coming.
constexpr int kQuietTurns = 5;

void onCheck(uv_check_t* check) {
  auto* c = static_cast<Client*>(check->data);
  if (c->activity != c->activity_seen) {
    c->activity_seen = c->activity;
    c->idle_turns = 0;
  } else {
    ++c->idle_turns;
  }
}

void onTick(uv_timer_t* timer) {
  auto* c = static_cast<Client*>(timer->data);
  uint64_t now = uv_now(c->loop->raw());
  if (now - c->started_ms >= c->limits.deadline_ms) {
    c->result.timed_out = true;
    return finish(c);
  }
  if (c->limits.quiet_ms > 0 && c->written && now - c->last_activity_ms >= c->limits.quiet_ms &&
      c->idle_turns >= kQuietTurns) {
    c->result.quiet = true;
    return finish(c);
  }
}

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Client*>(stream->data);
  if (nread > 0) {
    c->result.received.append(buf->base, static_cast<size_t>(nread));
    c->last_activity_ms = uv_now(c->loop->raw());
    ++c->activity;
    return;
  }
  if (nread < 0) {  // EOF or a reset: the server is done with us
    c->result.server_closed = true;
    finish(c);
  }
}

void onWritten(uv_write_t* req, int status) {
  auto* c = static_cast<Client*>(req->handle->data);
  if (c->finished) return;
  c->written = true;
  c->last_activity_ms = uv_now(c->loop->raw());
  ++c->activity;
  if (status < 0) return;  // the server closed early; reading reports it
  uv_shutdown(&c->shutdown_req, reinterpret_cast<uv_stream_t*>(&c->tcp),
              [](uv_shutdown_t*, int) {});
}

void onConnected(uv_connect_t* req, int status) {
  auto* c = static_cast<Client*>(req->handle->data);
  if (c->finished) return;
  if (status < 0) return finish(c);
  c->result.connected = true;
  auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
  uv_read_start(
      stream,
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* cl = static_cast<Client*>(h->data);
        *buf = uv_buf_init(cl->buffer, sizeof cl->buffer);
      },
      onRead);
  uv_buf_t buf = uv_buf_init(c->bytes.data(), static_cast<unsigned>(c->bytes.size()));
  uv_write(&c->write_req, stream, &buf, 1, onWritten);
}

}  // namespace

Exchange exchangeOverLoopback(Loop& loop, int port, std::string_view bytes,
                              const ExchangeLimits& limits) {
  // A write to a connection the peer has closed raises SIGPIPE, which would end the fuzzer
  // silently; the server process ignores it too (triggers/main.cc).
  static const bool ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)ignored;
  Exchange out;
  bool done = false;
  auto* c = new Client;
  c->loop = &loop;
  c->bytes.assign(bytes);
  c->limits = limits;
  c->done_flag = &done;
  c->out = &out;
  uv_update_time(loop.raw());
  c->started_ms = c->last_activity_ms = uv_now(loop.raw());
  uv_tcp_init(loop.raw(), &c->tcp);
  uv_timer_init(loop.raw(), &c->timer);
  uv_check_init(loop.raw(), &c->check);
  c->tcp.data = c->timer.data = c->check.data = c;
  uv_check_start(&c->check, onCheck);
  uv_tcp_nodelay(&c->tcp, 1);
  uv_timer_start(&c->timer, onTick, 5, 5);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  if (uv_tcp_connect(&c->connect_req, &c->tcp, reinterpret_cast<const sockaddr*>(&addr),
                     onConnected) != 0) {
    finish(c);
  }
  // Bounded: the timer ends the exchange by the deadline at the latest.
  while (!done) loop.run();
  return out;
}

}  // namespace stratus::fuzz
