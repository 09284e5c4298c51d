#include "runtime/base/http_server.h"

#include <http_parser.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <exception>
#include <list>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "runtime/base/answer_on_drop.h"

namespace stratus {

namespace {

// One read buffer per server: libuv calls alloc, read and our read callback back to back for a
// single stream, and whatever the parser leaves unconsumed is copied out, so it is never shared.
constexpr size_t kReadBufferSize = 64 * 1024;
// Bodies up to this size are copied behind the headers (one buffer); larger ones are written
// from the handler's own string, saving a copy of a 6 MB payload.
constexpr size_t kInlineBodyMax = 16 * 1024;
// Bytes queued behind an unanswered request before we stop reading (pipelining backpressure).
constexpr size_t kMaxQueuedInput = 1024 * 1024;
// Do not trust a claimed Content-Length with more than this up front.
constexpr size_t kMaxBodyReserve = 8 * 1024 * 1024;
// After a final "Connection: close" response, keep draining input this long so the kernel
// does not answer unread bytes with an RST that would destroy the response in flight.
constexpr uint64_t kLingerMs = 2000;
constexpr uint64_t kMaxSweepMs = 1000;
constexpr size_t kMaxFreeWrites = 2;
// After a fault in the accept callback, the socket it left is taken this much later.
constexpr uint64_t kAcceptRetryMs = 10;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

// Whether a comma-separated header value lists `token` (e.g. Connection: keep-alive, close).
bool listsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (equalsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The few bodies this file writes itself. Invalid UTF-8 (an exception's what()) is replaced
// rather than thrown about.
HttpResponse jsonResponse(int status, std::string_view message, const char* type = nullptr) {
  nlohmann::json body = {{"message", message}};
  if (type != nullptr) body["Type"] = type;
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

// What a handler exception turns into: the ServiceException shape the AWS SDKs understand.
HttpResponse serviceError(std::string_view message) {
  HttpResponse r = jsonResponse(500, message, "Service");
  r.headers.emplace_back("x-amzn-ErrorType", "ServiceException");
  return r;
}

// A control character (other than HTAB) in header text: CR and LF would let echoed request
// data forge headers, the others make strict clients refuse the whole response.
bool isHeaderControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

void appendHeaderText(std::string& out, std::string_view s) {
  if (std::none_of(s.begin(), s.end(), isHeaderControl)) {
    out += s;
    return;
  }
  for (char c : s) out += isHeaderControl(c) ? ' ' : c;
}

// Status codes that never carry a body (RFC 9110 6.4.1).
bool statusHasBody(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string kEmpty;
  auto it = headers.find(name);
  return it == headers.end() ? kEmpty : it->second;
}

// Shared by the server and its connections; lives as long as the HttpServer.
struct HttpServer::Impl {
  struct Connection;

  Impl(Loop& loop, HttpHandler handler, HttpServerOptions options)
      : loop_(loop), handler_(std::move(handler)), options_(std::move(options)) {}
  ~Impl() { close(); }

  Status listen(const std::string& host, int port);
  void close();
  const std::string& dateLine();

  static void onConnection(uv_stream_t* server, int status);
  static void onSweep(uv_timer_t* timer);
  void sweep();

  // The connection cap (see the header comment): whether a new connection may be accepted now,
  // closing the longest-idle connection to make room if need be.
  bool makeRoom();
  void acceptPending();
  void setUpAccepted(Connection* c);
  void slotFreed();
  static void onResume(uv_timer_t* timer);
  // Called in the catch block of a fault while accepting: whatever libuv still holds is taken
  // a little later, so the listener never stays paused.
  void acceptFailed(const char* site) noexcept;

  Loop& loop_;
  HttpHandler handler_;
  HttpServerOptions options_;
  uv_tcp_t* listener_ = nullptr;  // freed in its close callback
  uv_timer_t* sweep_ = nullptr;   // idle/linger sweeper; freed in its close callback
  bool closed_ = false;
  int port_ = 0;
  std::unordered_set<Connection*> connections_;
  size_t open_ = 0;                 // connections not yet closing: what the cap counts
  std::list<Connection*> idle_;     // idle connections, longest idle first
  bool accept_pending_ = false;     // libuv holds an accepted socket until we take it
  uv_timer_t* resume_ = nullptr;    // takes it on the next turn once a slot frees
  std::unique_ptr<char[]> read_buffer_{new char[kReadBufferSize]};
  std::time_t date_second_ = -1;
  std::string date_line_;  // "Date: ...\r\n" for date_second_
};

// One accepted socket. Owned by its uv handle: deleted only in the close callback, after libuv
// has cancelled its outstanding writes and shutdown, so every callback may still touch it.
struct HttpServer::Impl::Connection {
  // What an HttpRespond holds: expires when the connection starts closing, so a late respond
  // finds nothing instead of a dangling Connection*.
  struct Alive {
    Connection* connection;
  };

  struct WriteReq {
    uv_write_t req;
    Connection* connection;
    std::string head;  // status line and headers, plus small bodies
    std::string body;  // large bodies, moved in from the handler's response
  };

  enum class State {
    kOpen,          // reading and parsing requests
    kClosingAfter,  // a final response is being written; then shut down and linger
    kLingering,     // write side shut down; discarding input until EOF or the deadline
    kClosed,        // uv_close called; waiting for the close callback
  };

  explicit Connection(Impl* server) : server_(server), alive_(std::make_shared<Alive>()) {
    alive_->connection = this;
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
  }
  ~Connection() {
    for (WriteReq* w : free_writes_) delete w;
  }

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  uint64_t now() { return uv_now(server_->loop_.raw()); }

  void startReading();
  void stopReading();
  void closeNow();
  void feed(const char* data, size_t len);
  void processQueued();
  void afterWrite();
  void startLinger();
  void setIdle(bool idle);
  bool missedDeadline(uint64_t now_ms) const;
  void rejectSlow();

  // The fault boundary of this connection's callbacks; see the definition.
  void failed(const char* site) noexcept;
  void readDone(ssize_t nread, const uv_buf_t* buf);
  void writeDone(WriteReq* w, int status);

  void dispatch();
  void respond(uint64_t id, HttpResponse&& response);
  void sendFinal(HttpResponse&& response);
  void rejectTooLarge();
  void rejectMalformed(http_errno err);
  bool writeResponse(HttpResponse&& response, bool keep_alive, bool head_request);
  bool writeBuffers(WriteReq* w);
  WriteReq* takeWrite();
  void releaseWrite(WriteReq* w);
  void commitHeader();

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onClose(uv_handle_t* handle);

  static int onMessageBegin(http_parser* p);
  static int onUrl(http_parser* p, const char* at, size_t len);
  static int onHeaderField(http_parser* p, const char* at, size_t len);
  static int onHeaderValue(http_parser* p, const char* at, size_t len);
  static int onHeadersComplete(http_parser* p);
  static int onBody(http_parser* p, const char* at, size_t len);
  static int onMessageComplete(http_parser* p);
  // Parser callbacks run inside libhttp-parser's C frames, which an exception must not cross:
  // a throw is kept here, the callback stops the parser, and feed() rethrows it.
  template <int (*Fn)(http_parser*)>
  static int shielded(http_parser* p) noexcept;
  template <int (*Fn)(http_parser*, const char*, size_t)>
  static int shielded(http_parser* p, const char* at, size_t len) noexcept;
  static const http_parser_settings kSettings;

  uv_tcp_t tcp_;
  uv_shutdown_t shutdown_req_;
  Impl* server_;  // null once the server closed (or is gone)
  std::shared_ptr<Alive> alive_;
  http_parser parser_;
  std::exception_ptr parser_fault_;  // see shielded()
  State state_ = State::kOpen;

  // The request being parsed; moved into the handler when complete.
  HttpRequest request_;
  std::string field_;  // header name being assembled (callbacks may split it), lower-cased
  std::string value_;
  bool in_value_ = false;

  // The one request handed to the handler and not yet answered.
  bool awaiting_ = false;
  uint64_t awaiting_id_ = 0;
  uint64_t next_id_ = 0;
  bool keep_alive_ = true;
  bool head_request_ = false;

  std::string queued_;   // input that arrived while awaiting_
  std::string scratch_;  // swapped with queued_ while it is parsed
  bool reading_ = false;
  bool peer_eof_ = false;
  uint64_t last_active_ms_ = 0;
  uint64_t linger_deadline_ms_ = 0;
  int writes_in_flight_ = 0;
  std::vector<WriteReq*> free_writes_;  // reused so steady keep-alive traffic allocates less

  // Deadlines of the request being read (from its first byte to its last).
  bool in_request_ = false;
  bool headers_done_ = false;
  uint64_t body_limit_ = 0;  // this request's, set when its headers are done
  uint64_t request_started_ms_ = 0;
  uint64_t headers_done_ms_ = 0;
  // Place in the server's idle_ list, if listed.
  bool idle_listed_ = false;
  std::list<Connection*>::iterator idle_pos_;
};

const http_parser_settings HttpServer::Impl::Connection::kSettings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_begin = &Connection::shielded<&Connection::onMessageBegin>;
  s.on_url = &Connection::shielded<&Connection::onUrl>;
  s.on_header_field = &Connection::shielded<&Connection::onHeaderField>;
  s.on_header_value = &Connection::shielded<&Connection::onHeaderValue>;
  s.on_headers_complete = &Connection::shielded<&Connection::onHeadersComplete>;
  s.on_body = &Connection::shielded<&Connection::onBody>;
  s.on_message_complete = &Connection::shielded<&Connection::onMessageComplete>;
  return s;
}();

template <int (*Fn)(http_parser*)>
int HttpServer::Impl::Connection::shielded(http_parser* p) noexcept {
  try {
    return Fn(p);
  } catch (...) {
    static_cast<Connection*>(p->data)->parser_fault_ = std::current_exception();
    return -1;
  }
}

template <int (*Fn)(http_parser*, const char*, size_t)>
int HttpServer::Impl::Connection::shielded(http_parser* p, const char* at, size_t len) noexcept {
  try {
    return Fn(p, at, len);
  } catch (...) {
    static_cast<Connection*>(p->data)->parser_fault_ = std::current_exception();
    return -1;
  }
}

// ---- Server ----

Status HttpServer::Impl::listen(const std::string& host, int port) {
  if (closed_) return Error::service("HTTP server already closed");
  if (listener_ != nullptr) return Error::service("HTTP server already listening");
  if (port < 0 || port > 65535) return Error::service("invalid port " + std::to_string(port));

  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty() || name == "*") name = "0.0.0.0";
  if (name == "localhost") name = "127.0.0.1";
  sockaddr_storage addr{};
  if (uv_ip4_addr(name.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(name.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return Error::service("cannot listen on '" + host + "': not an IP address");
  }

  listener_ = new uv_tcp_t;
  uv_tcp_init(loop_.raw(), listener_);
  listener_->data = this;
  int rc = uv_tcp_bind(listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 511, &onConnection);
  if (rc == 0) {
    sockaddr_storage bound{};
    int len = sizeof(bound);
    rc = uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
    if (rc == 0) {
      port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
  }
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    listener_ = nullptr;
    return Error::service("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                          uv_strerror(rc));
  }

  sweep_ = new uv_timer_t;
  uv_timer_init(loop_.raw(), sweep_);
  sweep_->data = this;
  uint64_t shortest = std::min({options_.idle_timeout_ms, options_.header_timeout_ms,
                                options_.body_grace_ms});
  uint64_t period = std::clamp<uint64_t>(shortest / 4, 10, kMaxSweepMs);
  uv_timer_start(sweep_, &onSweep, period, period);
  // The sweeper alone must not keep a loop alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(sweep_));
  resume_ = new uv_timer_t;
  uv_timer_init(loop_.raw(), resume_);
  resume_->data = this;
  return okStatus();
}

void HttpServer::Impl::close() {
  if (closed_) return;
  closed_ = true;
  if (listener_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    listener_ = nullptr;
  }
  for (uv_timer_t** timer : {&sweep_, &resume_}) {
    if (*timer == nullptr) continue;
    uv_timer_stop(*timer);
    uv_close(reinterpret_cast<uv_handle_t*>(*timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    *timer = nullptr;
  }
  // Detach too: their close callbacks may run after this Impl is gone.
  for (Connection* c : connections_) {
    c->closeNow();
    c->server_ = nullptr;
  }
  connections_.clear();
  idle_.clear();
}

const std::string& HttpServer::Impl::dateLine() {
  std::time_t t = std::time(nullptr);
  if (t != date_second_) {
    // Formatted by hand: strftime's %a/%b follow the locale, HTTP dates must not.
    static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    snprintf(buf, sizeof(buf), "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n", kDays[tm.tm_wday],
             tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    date_line_ = buf;
    date_second_ = t;
  }
  return date_line_;
}

void HttpServer::Impl::onConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Impl*>(listener->data);
  if (status < 0 || self->closed_) return;
  try {
    injectFault(fault_site::kHttpAccept);
    if (!self->makeRoom()) {
      // Not taking the socket makes libuv stop polling the listener (no busy loop) until
      // uv_accept is called; the kernel's backlog holds further clients meanwhile.
      self->accept_pending_ = true;
      return;
    }
    self->acceptPending();
  } catch (...) {
    self->acceptFailed(fault_site::kHttpAccept);
  }
}

void HttpServer::Impl::acceptFailed(const char* site) noexcept {
  reportFault(site, "accepting an HTTP connection");
  // libuv may still hold the socket, with the listener paused until it is taken: take it (or
  // find none, and close the attempt) on the resume timer.
  if (closed_ || resume_ == nullptr) return;
  accept_pending_ = true;
  uv_timer_start(resume_, &onResume, kAcceptRetryMs, 0);
}

bool HttpServer::Impl::makeRoom() {
  size_t cap = options_.max_connections;
  if (cap == 0 || open_ < cap) return true;
  if (idle_.empty()) return false;
  // Its fd is released by uv_close at once, so the slot is free now.
  idle_.front()->closeNow();
  return open_ < cap;
}

// A connection started closing: a client waiting in the backlog may have its slot. Taken on
// the next loop turn, never from inside closeNow (callers may be iterating connections_).
void HttpServer::Impl::slotFreed() {
  if (accept_pending_ && !closed_ && resume_ != nullptr) uv_timer_start(resume_, &onResume, 0, 0);
}

void HttpServer::Impl::onResume(uv_timer_t* timer) {
  auto* self = static_cast<Impl*>(timer->data);
  try {
    if (!self->accept_pending_ || self->closed_ || !self->makeRoom()) return;
    self->accept_pending_ = false;
    self->acceptPending();  // uv_accept also resumes polling the listener
  } catch (...) {
    self->acceptFailed(fault_site::kHttpAccept);
  }
}

void HttpServer::Impl::acceptPending() {
  auto* listener = reinterpret_cast<uv_stream_t*>(listener_);
  auto* c = new Connection(this);
  uv_tcp_init(loop_.raw(), &c->tcp_);
  c->tcp_.data = c;
  connections_.insert(c);
  ++open_;
  if (uv_accept(listener, c->stream()) != 0) {
    c->closeNow();
    return;
  }
  try {
    setUpAccepted(c);
  } catch (...) {
    c->failed(fault_site::kHttpAccept);  // this connection closes; the listener goes on
  }
}

void HttpServer::Impl::setUpAccepted(Connection* c) {
  if (options_.accept_filter) {
    sockaddr_storage peer{};
    int len = sizeof peer;
    bool allowed = false;
    if (uv_tcp_getpeername(&c->tcp_, reinterpret_cast<sockaddr*>(&peer), &len) == 0 &&
        peer.ss_family == AF_INET) {
      int port = ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
      try {
        allowed = options_.accept_filter(port);
      } catch (const std::exception&) {
        allowed = false;  // a filter that fails admits nobody
      }
    }
    if (!allowed) {
      c->closeNow();
      return;
    }
  }
  // Responses go out in one write each; Nagle would hold the tail of one for ~40 ms.
  uv_tcp_nodelay(&c->tcp_, 1);
  c->last_active_ms_ = c->now();
  c->setIdle(true);
  c->startReading();
}

void HttpServer::Impl::onSweep(uv_timer_t* timer) {
  auto* self = static_cast<Impl*>(timer->data);
  try {
    injectFault(fault_site::kHttpTimer);
  } catch (...) {
    reportFault(fault_site::kHttpTimer, "HTTP connection sweep");
    return;  // this turn is skipped; the next one comes as usual
  }
  self->sweep();
}

void HttpServer::Impl::sweep() {
  uint64_t now = uv_now(loop_.raw());
  // closeNow() does not touch connections_ (the close callback does), so iterating is safe.
  for (Connection* c : connections_) {
    using State = Connection::State;
    try {
      if (c->state_ == State::kLingering && now >= c->linger_deadline_ms_) {
        c->closeNow();
      } else if (c->state_ == State::kOpen && c->in_request_ && !c->awaiting_ &&
                 c->missedDeadline(now)) {
        c->rejectSlow();
      } else if (c->state_ != State::kClosed && c->state_ != State::kLingering &&
                 !c->awaiting_ && now - c->last_active_ms_ >= options_.idle_timeout_ms) {
        c->closeNow();
      }
    } catch (...) {
      c->failed(fault_site::kHttpTimer);  // that connection closes; the sweep goes on
    }
  }
}

// ---- Connection: lifetime and I/O ----

void HttpServer::Impl::Connection::startReading() {
  if (reading_ || state_ == State::kClosed || peer_eof_) return;
  if (uv_read_start(stream(), &onAlloc, &onRead) == 0) reading_ = true;
}

void HttpServer::Impl::Connection::stopReading() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void HttpServer::Impl::Connection::closeNow() {
  if (state_ == State::kClosed) return;
  setIdle(false);
  state_ = State::kClosed;
  alive_.reset();  // later responds become no-ops
  awaiting_ = false;
  stopReading();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &onClose);
  if (server_ != nullptr) {
    --server_->open_;
    server_->slotFreed();
  }
}

void HttpServer::Impl::Connection::setIdle(bool idle) {
  if (server_ == nullptr || idle == idle_listed_) return;
  if (idle) {
    idle_pos_ = server_->idle_.insert(server_->idle_.end(), this);
  } else {
    server_->idle_.erase(idle_pos_);
  }
  idle_listed_ = idle;
}

bool HttpServer::Impl::Connection::missedDeadline(uint64_t now_ms) const {
  const HttpServerOptions& o = server_->options_;
  if (!headers_done_) return now_ms - request_started_ms_ >= o.header_timeout_ms;
  uint64_t elapsed = now_ms - headers_done_ms_;
  if (elapsed <= o.body_grace_ms) return false;
  uint64_t owed = (elapsed - o.body_grace_ms) * o.min_body_bytes_per_s / 1000;
  return request_.body.size() < owed;
}

void HttpServer::Impl::Connection::rejectSlow() {
  sendFinal(jsonResponse(408, headers_done_ ? "Request body arrived too slowly"
                                            : "Request headers not received in time"));
}

void HttpServer::Impl::Connection::onClose(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  // Nothing below throws; the boundary is for what may be added here later (and for the
  // injection test), and the connection is forgotten and freed whatever happens in it.
  guarded(fault_site::kHttpClose, "closing an HTTP connection",
          [] { injectFault(fault_site::kHttpClose); });
  if (c->server_ != nullptr) c->server_->connections_.erase(c);
  delete c;
}

void HttpServer::Impl::Connection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(handle->data);
  if (c->server_ == nullptr) {
    *buf = uv_buf_init(nullptr, 0);  // libuv reports UV_ENOBUFS; we close
    return;
  }
  *buf = uv_buf_init(c->server_->read_buffer_.get(), kReadBufferSize);
}

// The connection outlives a throw from any of its callbacks (it is freed only in onClose),
// so failed() may still answer and close it.
void HttpServer::Impl::Connection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(stream->data);
  try {
    c->readDone(nread, buf);
  } catch (...) {
    c->failed(fault_site::kHttpRead);
  }
}

// A throw from one of this connection's callbacks, caught there and still in flight: logged
// with its site; a request being read, or handed to the handler and not yet answered, gets
// 500 ServiceException if the connection can still write; then the connection closes. The
// server and its other connections go on.
void HttpServer::Impl::Connection::failed(const char* site) noexcept {
  std::string context;
  try {
    context = "HTTP connection";
    if (in_request_) context += ", reading " + request_.target;
    if (awaiting_) context += ", awaiting the answer to a request";
  } catch (...) {
  }
  reportFault(site, context);
  parser_fault_ = nullptr;
  bool answered = false;
  if (state_ == State::kOpen && (in_request_ || awaiting_)) {
    answered = guarded(site, "answering after a fault",
                       [&] { sendFinal(serviceError("An internal error occurred.")); });
  }
  if (!answered) closeNow();
}

void HttpServer::Impl::Connection::readDone(ssize_t nread, const uv_buf_t* buf) {
  if (state_ == State::kClosed) return;
  if (nread > 0) {
    last_active_ms_ = now();
    if (state_ != State::kOpen) return;  // closing: input is drained and dropped
    injectFault(fault_site::kHttpRead);
    if (awaiting_) {
      queued_.append(buf->base, static_cast<size_t>(nread));
      if (queued_.size() > kMaxQueuedInput) stopReading();
      return;
    }
    feed(buf->base, static_cast<size_t>(nread));
    return;
  }
  if (nread == 0) return;  // EAGAIN
  if (nread != UV_EOF) {
    closeNow();
    return;
  }
  // The peer finished sending. It may only have half-closed and still want its responses, so
  // close once nothing is owed to it.
  peer_eof_ = true;
  reading_ = false;  // libuv stops reading at EOF
  if (state_ == State::kLingering) {
    closeNow();
  } else if (state_ == State::kOpen && !awaiting_ && queued_.empty() &&
             writes_in_flight_ == 0) {
    closeNow();
  }
}

void HttpServer::Impl::Connection::feed(const char* data, size_t len) {
  while (len > 0 && state_ == State::kOpen) {
    if (awaiting_) {
      queued_.append(data, len);
      if (queued_.size() > kMaxQueuedInput) stopReading();
      return;
    }
    size_t n = http_parser_execute(&parser_, &kSettings, data, len);
    if (parser_fault_) std::rethrow_exception(std::exchange(parser_fault_, nullptr));
    if (state_ != State::kOpen) return;  // a callback answered and is closing
    auto err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
      // on_message_complete pauses so that each request is answered before the next is read.
      http_parser_pause(&parser_, 0);
    } else if (err != HPE_OK) {
      rejectMalformed(err);
      return;
    } else if (parser_.upgrade) {
      return;  // the rest is another protocol; the response to it closes the connection
    }
    data += n;
    len -= n;
  }
}

void HttpServer::Impl::Connection::processQueued() {
  if (state_ != State::kOpen || awaiting_ || queued_.empty()) return;
  // feed() may queue again (into the now empty queued_), so parse from the other buffer.
  scratch_.swap(queued_);
  feed(scratch_.data(), scratch_.size());
  scratch_.clear();
  if (scratch_.capacity() > kReadBufferSize) std::string().swap(scratch_);  // a rare burst
}

void HttpServer::Impl::Connection::afterWrite() {
  if (writes_in_flight_ > 0) return;
  if (state_ == State::kClosingAfter) {
    startLinger();
    return;
  }
  if (state_ != State::kOpen) return;
  processQueued();
  if (state_ != State::kOpen || awaiting_ || writes_in_flight_ > 0) return;
  if (peer_eof_) {
    closeNow();
    return;
  }
  if (!in_request_ && queued_.empty()) setIdle(true);
  if (queued_.size() <= kMaxQueuedInput) startReading();
}

void HttpServer::Impl::Connection::startLinger() {
  state_ = State::kLingering;
  std::string().swap(queued_);
  if (peer_eof_ || server_ == nullptr) {
    closeNow();
    return;
  }
  linger_deadline_ms_ = now() + kLingerMs;
  if (uv_shutdown(&shutdown_req_, stream(), &onShutdown) != 0) {
    closeNow();
    return;
  }
  startReading();
}

void HttpServer::Impl::Connection::onShutdown(uv_shutdown_t* req, int status) {
  auto* c = static_cast<Connection*>(req->handle->data);
  try {
    if (status < 0 && c->state_ != State::kClosed) c->closeNow();
  } catch (...) {
    c->failed(fault_site::kHttpWrite);
  }
}

// ---- Connection: parser callbacks ----

int HttpServer::Impl::Connection::onMessageBegin(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  HttpRequest& r = c->request_;
  r.method.clear();
  r.target.clear();
  r.path.clear();
  r.query.clear();
  r.headers.clear();
  r.body.clear();
  c->field_.clear();
  c->value_.clear();
  c->in_value_ = false;
  // The header deadline runs from here: a request's first byte.
  c->setIdle(false);
  c->in_request_ = true;
  c->headers_done_ = false;
  c->request_started_ms_ = c->now();
  return 0;
}

int HttpServer::Impl::Connection::onUrl(http_parser* p, const char* at, size_t len) {
  static_cast<Connection*>(p->data)->request_.target.append(at, len);
  return 0;
}

void HttpServer::Impl::Connection::commitHeader() {
  if (!field_.empty()) {
    auto it = request_.headers.lower_bound(field_);
    if (it != request_.headers.end() && it->first == field_) {
      it->second += ", ";
      it->second += value_;
    } else {
      request_.headers.emplace_hint(it, field_, std::move(value_));
    }
  }
  field_.clear();
  value_.clear();  // moved-from: make it definitely empty
  in_value_ = false;
}

int HttpServer::Impl::Connection::onHeaderField(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  if (c->in_value_) c->commitHeader();
  size_t start = c->field_.size();
  c->field_.append(at, len);
  for (size_t i = start; i < c->field_.size(); ++i) c->field_[i] = lowerAscii(c->field_[i]);
  return 0;
}

int HttpServer::Impl::Connection::onHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  c->in_value_ = true;
  c->value_.append(at, len);
  return 0;
}

int HttpServer::Impl::Connection::onHeadersComplete(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  c->commitHeader();
  HttpRequest& r = c->request_;
  c->headers_done_ = true;
  c->headers_done_ms_ = c->now();
  r.http_major = p->http_major;
  r.http_minor = p->http_minor;
  r.method = http_method_str(static_cast<http_method>(p->method));
  size_t q = r.target.find('?');
  if (q == std::string::npos) {
    r.path = r.target;
  } else {
    r.path.assign(r.target, 0, q);
    r.query.assign(r.target, q + 1, std::string::npos);
  }

  bool chunked = (p->flags & F_CHUNKED) != 0;
  bool has_length = !chunked && p->content_length != ULLONG_MAX;
  const HttpServerOptions& opts = c->server_->options_;
  uint64_t max = opts.max_body_bytes;
  if (opts.body_limit) {
    try {
      max = std::min(max, opts.body_limit(r));
    } catch (const std::exception&) {
      // keep max_body_bytes: a failing limit must not let the request through unbounded
    }
  }
  c->body_limit_ = max;
  if (has_length && p->content_length > max) {
    // Refused before a byte of the body is read, and without 100 Continue so that a client
    // that waits for it never sends the body at all.
    c->rejectTooLarge();
    return -1;  // stops the parser; the connection is closing
  }
  if (has_length && p->content_length > 0) {
    r.body.reserve(std::min<uint64_t>(p->content_length, kMaxBodyReserve));
  }
  bool has_body = chunked || (has_length && p->content_length > 0);
  if (has_body && p->http_major == 1 && p->http_minor >= 1) {
    auto it = r.headers.find("expect");
    if (it != r.headers.end() && equalsIgnoreCase(it->second, "100-continue")) {
      WriteReq* w = c->takeWrite();
      w->head.assign(kContinue);
      if (!c->writeBuffers(w)) return -1;
    }
  }
  return 0;
}

int HttpServer::Impl::Connection::onBody(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  if (c->request_.body.size() + len > c->body_limit_) {
    c->rejectTooLarge();  // only chunked bodies get here; Content-Length was checked up front
    return -1;
  }
  c->request_.body.append(at, len);
  return 0;
}

int HttpServer::Impl::Connection::onMessageComplete(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  c->commitHeader();  // a trailer of a chunked body
  c->in_request_ = false;
  c->awaiting_ = true;
  c->awaiting_id_ = ++c->next_id_;
  // An upgrade (or CONNECT) leaves bytes we cannot parse behind it: answer, then close.
  c->keep_alive_ = http_should_keep_alive(p) != 0 && p->upgrade == 0;
  c->head_request_ = p->method == HTTP_HEAD;
  c->last_active_ms_ = c->now();
  http_parser_pause(p, 1);
  c->dispatch();
  return 0;
}

// ---- Connection: requests and responses ----

void HttpServer::Impl::Connection::dispatch() {
  uint64_t id = awaiting_id_;
  // A handler that loses every copy of `reply` without calling it (it threw, or dropped the
  // task holding it) still answers: 500 ServiceException (answer_on_drop.h).
  std::weak_ptr<Alive> alive = alive_;
  HttpRespond reply = answerOnDrop<HttpResponse>(
      server_->loop_, fault_site::kHttpHandler, request_.method + " " + request_.path,
      [alive, id](HttpResponse response) {
        if (auto a = alive.lock()) a->connection->respond(id, std::move(response));
      },
      [] { return serviceError("An internal error occurred."); },
      [alive] { return !alive.expired(); });
  // The handler may close the server (server_ goes null) but must not destroy it. If it throws
  // after answering, or after keeping `reply` for later, respond() ignores the stale id.
  Impl* server = server_;
  HttpRespond on_throw = reply;  // answering through a copy marks the request answered
  try {
    injectFault(fault_site::kHttpHandler);
    server->handler_(std::move(request_), std::move(reply));
  } catch (const std::exception& e) {
    reportFault(fault_site::kHttpHandler, "");
    on_throw(serviceError(e.what()));
  } catch (...) {
    reportFault(fault_site::kHttpHandler, "");
    on_throw(serviceError("unknown exception in request handler"));
  }
}

void HttpServer::Impl::Connection::respond(uint64_t id, HttpResponse&& response) {
  if (state_ != State::kOpen || !awaiting_ || id != awaiting_id_) return;
  awaiting_ = false;
  last_active_ms_ = now();
  bool keep_alive =
      keep_alive_ && server_ != nullptr && !server_->closed_ && !(peer_eof_ && queued_.empty());
  bool kept = writeResponse(std::move(response), keep_alive, head_request_);
  if (state_ == State::kOpen && !kept) state_ = State::kClosingAfter;
}

void HttpServer::Impl::Connection::sendFinal(HttpResponse&& response) {
  setIdle(false);
  in_request_ = false;
  awaiting_ = false;
  writeResponse(std::move(response), false, false);
  if (state_ == State::kOpen) state_ = State::kClosingAfter;
  std::string().swap(queued_);
}

void HttpServer::Impl::Connection::rejectTooLarge() {
  const auto& make = server_->options_.too_large_response;
  HttpResponse response;
  bool made = false;
  if (make) {
    try {
      response = make(request_);
      made = true;
    } catch (const std::exception&) {
      // fall through to the plain 413
    }
  }
  if (!made) {
    response = jsonResponse(413, "Request must be smaller than " + std::to_string(body_limit_) +
                                     " bytes for the operation");
  }
  bool has_type = false;
  for (auto& [name, value] : response.headers) {
    if (equalsIgnoreCase(name, "content-type")) has_type = true;
  }
  if (!has_type) response.headers.emplace_back("Content-Type", "application/json");
  sendFinal(std::move(response));
}

void HttpServer::Impl::Connection::rejectMalformed(http_errno err) {
  if (err == HPE_HEADER_OVERFLOW) {
    sendFinal(jsonResponse(431, "Request header fields too large"));
    return;
  }
  sendFinal(
      jsonResponse(400, std::string("Malformed HTTP request: ") + http_errno_description(err)));
}

// Returns whether the connection stays open after this response.
bool HttpServer::Impl::Connection::writeResponse(HttpResponse&& response, bool keep_alive,
                                                 bool head_request) {
  WriteReq* w = takeWrite();
  std::string& out = w->head;
  int status = response.status;
  if (status < 100 || status > 999) status = 500;
  const char* reason = http_status_str(static_cast<http_status>(status));
  if (reason == nullptr || reason[0] == '<') reason = "Unknown";
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason;
  out += "\r\n";

  bool has_date = false;
  for (auto& [name, value] : response.headers) {
    // Framing headers are ours to write; a handler asking to close is honoured.
    if (equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "transfer-encoding")) {
      continue;
    }
    if (equalsIgnoreCase(name, "connection")) {
      if (listsToken(value, "close")) keep_alive = false;
      continue;
    }
    if (equalsIgnoreCase(name, "date")) has_date = true;
    appendHeaderText(out, name);
    out += ": ";
    appendHeaderText(out, value);
    out += "\r\n";
  }
  if (!has_date && server_ != nullptr) out += server_->dateLine();
  bool has_body = statusHasBody(status);
  if (has_body) {
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (has_body && !head_request && !response.body.empty()) {
    if (response.body.size() <= kInlineBodyMax) {
      out += response.body;
    } else {
      w->body = std::move(response.body);
    }
  }
  if (!writeBuffers(w)) return false;
  return keep_alive;
}

bool HttpServer::Impl::Connection::writeBuffers(WriteReq* w) {
  uv_buf_t bufs[2];
  unsigned n = 0;
  bufs[n++] = uv_buf_init(w->head.data(), static_cast<unsigned>(w->head.size()));
  if (!w->body.empty()) {
    bufs[n++] = uv_buf_init(w->body.data(), static_cast<unsigned>(w->body.size()));
  }
  ++writes_in_flight_;
  if (uv_write(&w->req, stream(), bufs, n, &onWrite) != 0) {
    releaseWrite(w);
    closeNow();
    return false;
  }
  return true;
}

HttpServer::Impl::Connection::WriteReq* HttpServer::Impl::Connection::takeWrite() {
  WriteReq* w;
  if (free_writes_.empty()) {
    w = new WriteReq;
    w->connection = this;
    w->req.data = w;
  } else {
    w = free_writes_.back();
    free_writes_.pop_back();
  }
  return w;
}

void HttpServer::Impl::Connection::releaseWrite(WriteReq* w) {
  --writes_in_flight_;
  w->head.clear();
  if (w->head.capacity() > 4 * kInlineBodyMax) std::string().swap(w->head);
  std::string().swap(w->body);
  if (free_writes_.size() < kMaxFreeWrites) {
    free_writes_.push_back(w);
  } else {
    delete w;
  }
}

void HttpServer::Impl::Connection::onWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Connection* c = w->connection;
  try {
    c->writeDone(w, status);
  } catch (...) {
    c->failed(fault_site::kHttpWrite);
  }
}

void HttpServer::Impl::Connection::writeDone(WriteReq* w, int status) {
  releaseWrite(w);
  if (state_ == State::kClosed) return;  // cancelled by uv_close
  if (status < 0) {
    closeNow();
    return;
  }
  last_active_ms_ = now();
  injectFault(fault_site::kHttpWrite);
  afterWrite();
}

// ---- HttpServer ----

HttpServer::HttpServer(Loop& loop, HttpHandler handler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(handler), std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::listen(const std::string& host, int port) { return impl_->listen(host, port); }

int HttpServer::port() const { return impl_->port_; }

void HttpServer::close() { impl_->close(); }

size_t HttpServer::connectionCount() const { return impl_->connections_.size(); }

bool HttpServer::acceptPaused() const { return impl_->accept_pending_; }

size_t defaultMaxConnections() {
  rlimit limit{};
  uint64_t fds = 1024;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    fds = limit.rlim_cur;
  }
  return static_cast<size_t>(std::clamp<uint64_t>(fds / 2, 16, 16384));
}

// ---- URL helpers ----

std::string percentDecode(const std::string& s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;  // a stray '%' stays as is rather than failing the whole request
    }
  }
  return out;
}

std::multimap<std::string, std::string> parseQuery(const std::string& query) {
  std::multimap<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    if (end > start) {
      std::string_view part(query.data() + start, end - start);
      size_t eq = part.find('=');
      std::string name(part.substr(0, eq));
      std::string value =
          eq == std::string_view::npos ? std::string() : std::string(part.substr(eq + 1));
      out.emplace(percentDecode(name, true), percentDecode(value, true));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace stratus
