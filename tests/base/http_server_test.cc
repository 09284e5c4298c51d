// HttpServer over real sockets: the Loop runs on its own thread, the test talks to it with a
// blocking POSIX client whose every read and write has a timeout, and a watchdog aborts a test
// that hangs anyway.
#include "runtime/base/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stratus {
namespace {

using namespace std::chrono_literals;

constexpr int kIoTimeoutMs = 5000;

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased, repeats joined with ", "
  std::string body;
  const std::string& header(const std::string& name) const {
    static const std::string kEmpty;
    auto it = headers.find(name);
    return it == headers.end() ? kEmpty : it->second;
  }
};

// A blocking client for one connection. Responses are parsed with http_parser too, so the
// test checks the server's framing rather than trusting a second hand-written parser.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{kIoTimeoutMs / 1000, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() { closeNow(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // The next response (interim 100 Continue included); nullopt on timeout, EOF or garbage.
  std::optional<ClientResponse> read(bool head_request = false) {
    Ctx ctx;
    ctx.head = head_request;
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = &ctx;
    while (true) {
      if (!buffered_.empty()) {
        size_t n = http_parser_execute(&parser_, &settings(), buffered_.data(), buffered_.size());
        if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED) {
          buffered_.erase(0, n);
          return std::move(ctx.response);
        }
        if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) return std::nullopt;
        buffered_.clear();
      }
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return std::nullopt;
      buffered_.assign(buf, static_cast<size_t>(n));
    }
  }

  // True if the server closes (EOF or reset) within the timeout; unread data counts against.
  bool waitClosed() {
    if (!buffered_.empty()) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) return true;
    return n < 0 && (errno == ECONNRESET || errno == EPIPE);
  }

  // Everything the server sends until it closes (or the timeout), unparsed.
  std::string readUntilClosed() {
    std::string out = std::move(buffered_);
    buffered_.clear();
    char buf[65536];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void closeNow() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  struct Ctx {
    ClientResponse response;
    std::string field;
    std::string value;
    bool in_value = false;
    bool head = false;
    void commit() {
      if (!field.empty()) {
        auto [it, inserted] = response.headers.try_emplace(field, value);
        if (!inserted) it->second += ", " + value;
      }
      field.clear();
      value.clear();
      in_value = false;
    }
  };

  static const http_parser_settings& settings() {
    static const http_parser_settings s = [] {
      http_parser_settings s;
      http_parser_settings_init(&s);
      s.on_header_field = [](http_parser* p, const char* at, size_t len) {
        auto* c = static_cast<Ctx*>(p->data);
        if (c->in_value) c->commit();
        for (size_t i = 0; i < len; ++i) c->field += static_cast<char>(std::tolower(at[i]));
        return 0;
      };
      s.on_header_value = [](http_parser* p, const char* at, size_t len) {
        auto* c = static_cast<Ctx*>(p->data);
        c->in_value = true;
        c->value.append(at, len);
        return 0;
      };
      s.on_headers_complete = [](http_parser* p) {
        auto* c = static_cast<Ctx*>(p->data);
        c->commit();
        c->response.status = static_cast<int>(p->status_code);
        return c->head ? 1 : 0;  // 1: no body follows
      };
      s.on_body = [](http_parser* p, const char* at, size_t len) {
        static_cast<Ctx*>(p->data)->response.body.append(at, len);
        return 0;
      };
      s.on_message_complete = [](http_parser* p) {
        http_parser_pause(p, 1);  // stop at the message boundary; the rest stays buffered
        return 0;
      };
      return s;
    }();
    return s;
  }

  int fd_ = -1;
  http_parser parser_{};
  std::string buffered_;
};

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n";
}

std::string post(const std::string& target, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + target +
         " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

HttpResponse text(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    watchdog_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(watchdog_mu_);
      if (!watchdog_cv_.wait_for(lock, 60s, [this] { return finished_; })) {
        std::fprintf(stderr, "http_server_test: test hung for 60 s, aborting\n");
        std::abort();
      }
    });
  }
  ~HttpServerTest() override {
    {
      std::lock_guard<std::mutex> lock(watchdog_mu_);
      finished_ = true;
    }
    watchdog_cv_.notify_all();
    watchdog_.join();
  }

  void start(HttpHandler handler, HttpServerOptions options = {}) {
    thread_ = std::thread([this] { loop_.run(); });
    onLoop([&] {
      server_ = std::make_unique<HttpServer>(loop_, std::move(handler), std::move(options));
      Status st = server_->listen("127.0.0.1", 0);
      ASSERT_TRUE(st.ok()) << st.error().message;
      port_ = server_->port();
    });
    ASSERT_GT(port_, 0);
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    onLoop([&] {
      timers_.clear();
      held_.clear();
      server_.reset();
    });
    loop_.post([this] { loop_.stop(); });
    thread_.join();
  }

  // Runs `fn` on the loop thread and waits for it, at most a few seconds.
  void onLoop(std::function<void()> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    loop_.post([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    ASSERT_EQ(future.wait_for(5s), std::future_status::ready) << "loop did not run the task";
  }

  size_t connectionCount() {
    size_t n = 0;
    onLoop([&] { n = server_ ? server_->connectionCount() : 0; });
    return n;
  }

  // Loop thread: answers `reply` after `ms`.
  void later(uint64_t ms, std::function<void()> fn) {
    timers_.push_back(std::make_unique<Timer>(loop_));
    timers_.back()->start(ms, std::move(fn));
  }

  Loop loop_;
  std::thread thread_;
  std::unique_ptr<HttpServer> server_;  // loop thread only
  int port_ = 0;
  std::vector<std::unique_ptr<Timer>> timers_;  // loop thread only
  std::vector<HttpRespond> held_;               // loop thread only

  std::thread watchdog_;
  std::mutex watchdog_mu_;
  std::condition_variable watchdog_cv_;
  bool finished_ = false;
};

TEST_F(HttpServerTest, SimpleGet) {
  std::mutex mu;
  HttpRequest seen;
  start([&](HttpRequest&& req, HttpRespond respond) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen = req;
    }
    HttpResponse r = text("hello");
    r.headers.emplace_back("X-Custom", "yes");
    respond(std::move(r));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(get("/2015-03-31/functions/my%3Afn?Qualifier=%24LATEST&x=1",
                         "X-Amz-Date: 20240101T000000Z\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->header("content-length"), "5");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("x-custom"), "yes");
  EXPECT_EQ(r->header("connection"), "keep-alive");
  EXPECT_FALSE(r->header("date").empty());

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/2015-03-31/functions/my%3Afn?Qualifier=%24LATEST&x=1");
  EXPECT_EQ(seen.path, "/2015-03-31/functions/my%3Afn");
  EXPECT_EQ(seen.query, "Qualifier=%24LATEST&x=1");
  EXPECT_EQ(seen.header("host"), "localhost");
  EXPECT_EQ(seen.header("x-amz-date"), "20240101T000000Z");
  EXPECT_EQ(seen.header("missing"), "");
  EXPECT_TRUE(seen.body.empty());
}

TEST_F(HttpServerTest, PostWithBodyAndReasonPhrase) {
  start([](HttpRequest&& req, HttpRespond respond) {
    respond(text(req.method + ":" + req.body, 201));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(post("/echo", "{\"a\":1}", "Content-Type: application/json\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST:{\"a\":1}");
}

TEST_F(HttpServerTest, StatusLineHasReasonPhrase) {
  start([](HttpRequest&& req, HttpRespond respond) {
    respond(text("{}", req.path == "/404" ? 404 : 429));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/404") + get("/429", "Connection: close\r\n")));
  std::string raw = c.readUntilClosed();
  EXPECT_EQ(raw.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("HTTP/1.1 429 Too Many Requests\r\n"), std::string::npos) << raw;
}

TEST_F(HttpServerTest, HeadersLowerCasedAndRepeatsJoined) {
  std::mutex mu;
  std::map<std::string, std::string> headers;
  start([&](HttpRequest&& req, HttpRespond respond) {
    std::lock_guard<std::mutex> lock(mu);
    headers = req.headers;
    respond(text("ok"));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/", "X-Foo: a\r\nx-foo: b\r\nX-FOO:   c\r\nContent-TYPE: text/x\r\n")));
  ASSERT_TRUE(c.read());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(headers["x-foo"], "a, b, c");
  EXPECT_EQ(headers["content-type"], "text/x");
  EXPECT_EQ(headers.count("X-Foo"), 0u);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  start([&](HttpRequest&& req, HttpRespond respond) {
    ++calls;
    respond(text(req.path));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/one")));
  auto r1 = c.read();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "/one");
  ASSERT_TRUE(c.send(post("/two", "xyz")));
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "/two");
  EXPECT_EQ(r2->header("connection"), "keep-alive");
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(connectionCount(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  std::mutex mu;
  std::vector<std::string> events;  // what happened, in order
  auto note = [&](std::string e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(e));
  };
  start([&](HttpRequest&& req, HttpRespond respond) {
    note("req " + req.path);
    if (req.path == "/slow") {
      later(50, [&, respond] {
        note("resp /slow");
        respond(text("slow"));
      });
    } else {
      respond(text("fast:" + req.body));
    }
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/slow") + post("/fast", "b1") + get("/slow") + post("/fast", "b2")));
  for (const char* want : {"slow", "fast:b1", "slow", "fast:b2"}) {
    auto r = c.read();
    ASSERT_TRUE(r) << want;
    EXPECT_EQ(r->body, want);
  }
  std::lock_guard<std::mutex> lock(mu);
  // The second request is not even handed over before the first is answered.
  std::vector<std::string> want = {"req /slow", "resp /slow", "req /fast",
                                   "req /slow", "resp /slow", "req /fast"};
  EXPECT_EQ(events, want);
}

TEST_F(HttpServerTest, PipelinedBodiesBeyondTheQueueLimitStillArrive) {
  // Three 600 KB requests behind a slow answer overflow the 1 MB input queue, so the server
  // stops reading and must resume once the answers are written.
  start([&](HttpRequest&& req, HttpRespond respond) {
    later(20, [respond, size = req.body.size(), tag = req.header("x-tag")] {
      respond(text(tag + ":" + std::to_string(size)));
    });
  });
  RawClient c(port_);
  std::string body(600 * 1024, 'p');
  std::string all;
  for (int i = 0; i < 3; ++i) all += post("/p", body, "X-Tag: " + std::to_string(i) + "\r\n");
  std::thread sender([&] { EXPECT_TRUE(c.send(all)); });
  for (int i = 0; i < 3; ++i) {
    auto r = c.read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i) + ":" + std::to_string(body.size()));
  }
  sender.join();
}

TEST_F(HttpServerTest, AsyncHandlerAnswersLater) {
  start([&](HttpRequest&& req, HttpRespond respond) {
    later(30, [respond, body = req.body] { respond(text("later:" + body)); });
  });
  RawClient c(port_);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send(post("/invoke", "payload")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "later:payload");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  // The connection is still good for the next one.
  ASSERT_TRUE(c.send(post("/invoke", "again")));
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "later:again");
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  start([](HttpRequest&& req, HttpRespond respond) { respond(text("got:" + req.body)); });
  RawClient c(port_);
  std::string body(10000, 'x');
  ASSERT_TRUE(
      c.send("PUT /2015-03-31/functions/f/code HTTP/1.1\r\nHost: h\r\n"
             "Expect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = c.read();  // must arrive without the body having been sent
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send(body));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got:" + body);
}

TEST_F(HttpServerTest, ChunkedRequestBody) {
  std::mutex mu;
  std::map<std::string, std::string> headers;
  start([&](HttpRequest&& req, HttpRespond respond) {
    {
      std::lock_guard<std::mutex> lock(mu);
      headers = req.headers;
    }
    respond(text(req.body));
  });
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n"));
  std::this_thread::sleep_for(10ms);  // arrives in two reads
  ASSERT_TRUE(c.send("7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello, world");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(headers["transfer-encoding"], "chunked");
  EXPECT_EQ(headers["x-trailer"], "t");
}

HttpServerOptions smallLimit() {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  o.too_large_response = [](const HttpRequest& partial) {
    HttpResponse r;
    r.status = 413;
    r.headers.emplace_back("x-amzn-ErrorType", "RequestEntityTooLargeException");
    r.body = "{\"Type\":\"User\",\"message\":\"too large for " + partial.path + "\"}";
    return r;
  };
  return o;
}

TEST_F(HttpServerTest, ContentLengthOverLimitGets413AndClose) {
  std::atomic<int> calls{0};
  start(
      [&](HttpRequest&&, HttpRespond respond) {
        ++calls;
        respond(text("no"));
      },
      smallLimit());
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n" +
                     std::string(2000, 'a')));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, "{\"Type\":\"User\",\"message\":\"too large for /big\"}");
  EXPECT_EQ(r->header("x-amzn-errortype"), "RequestEntityTooLargeException");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.waitClosed());
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpServerTest, HugeBodyWithoutExpectStillSeesThe413) {
  // The client writes its whole body before reading; the server must drain (not reset) the
  // connection after answering, or the 413 would be lost.
  start([](HttpRequest&&, HttpRespond respond) { respond(text("no")); }, smallLimit());
  RawClient c(port_);
  std::string body(4 * 1024 * 1024, 'h');
  ASSERT_TRUE(c.send(post("/huge", body)));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, ExpectContinueOverLimitGets413WithoutContinue) {
  start([](HttpRequest&&, HttpRespond respond) { respond(text("no")); }, smallLimit());
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("POST /big HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
             "Content-Length: 4096\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitGets413) {
  start([](HttpRequest&&, HttpRespond respond) { respond(text("no")); }, smallLimit());
  RawClient c(port_);
  std::string chunk(800, 'z');
  ASSERT_TRUE(
      c.send("POST /chunky HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "320\r\n" +
             chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("/chunky"), std::string::npos);
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, DefaultTooLargeIsJson413) {
  HttpServerOptions o;
  o.max_body_bytes = 10;
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); }, o);
  RawClient c(port_);
  ASSERT_TRUE(c.send(post("/", std::string(10, 'a'))));  // exactly the limit is fine
  auto ok = c.read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  ASSERT_TRUE(c.send(post("/", std::string(11, 'a'))));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body.front(), '{');
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, EachRequestGetsTheLimitItsTargetIsGiven) {
  HttpServerOptions o;
  o.max_body_bytes = 100;
  o.body_limit = [](const HttpRequest& partial) -> uint64_t {
    if (partial.path == "/throws") throw std::runtime_error("no limit for you");
    return partial.path == "/small" ? 10 : 1000;  // above max_body_bytes: max_body_bytes holds
  };
  o.too_large_response = [](const HttpRequest& partial) {
    HttpResponse r;
    r.status = 413;
    r.body = "{\"path\":\"" + partial.path + "\"}";
    return r;
  };
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); }, o);
  {
    RawClient c(port_);
    ASSERT_TRUE(c.send(post("/large", std::string(100, 'a'))));
    auto ok = c.read();
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
    ASSERT_TRUE(c.send(post("/small", std::string(11, 'a'))));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->body, "{\"path\":\"/small\"}");
    EXPECT_TRUE(c.waitClosed());
  }
  for (const char* path : {"/large", "/throws"}) {
    RawClient c(port_);
    ASSERT_TRUE(c.send(post(path, std::string(101, 'a'))));
    auto r = c.read();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 413) << path;
  }
}

TEST_F(HttpServerTest, GarbageGets400AndClose) {
  std::atomic<int> calls{0};
  start([&](HttpRequest&&, HttpRespond respond) {
    ++calls;
    respond(text("no"));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send("\x01\x02 this is not http\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.waitClosed());
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpServerTest, BadHeaderAfterGoodRequestStillAnswersTheGoodOne) {
  start([](HttpRequest&& req, HttpRespond respond) { respond(text(req.path)); });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/fine") + "GET /bad HTTP/1.1\r\nBad Header\r\n\r\n"));
  auto r1 = c.read();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "/fine");
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start([](HttpRequest&&, HttpRespond respond) { respond(text("bye")); });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/", "Connection: close\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "bye");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, HandlerMayAskToClose) {
  start([](HttpRequest&&, HttpRespond respond) {
    HttpResponse r = text("bye");
    r.headers.emplace_back("Connection", "close");
    respond(std::move(r));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAlive) {
  start([](HttpRequest&&, HttpRespond respond) { respond(text("old")); });
  {
    RawClient c(port_);
    ASSERT_TRUE(c.send("GET / HTTP/1.0\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.waitClosed());
  }
  RawClient c(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
    EXPECT_EQ(r->body, "old");
  }
}

TEST_F(HttpServerTest, HalfClosedClientStillGetsItsResponse) {
  start(
      [&](HttpRequest&&, HttpRespond respond) { later(30, [respond] { respond(text("done")); }); });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/")));
  c.shutdownWrite();
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  start([](HttpRequest&& req, HttpRespond respond) {
    if (req.path == "/throw") throw std::runtime_error("boom \"quoted\"");
    respond(text("fine"));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/throw")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->header("x-amzn-errortype"), "ServiceException");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body, "{\"Type\":\"Service\",\"message\":\"boom \\\"quoted\\\"\"}");
  ASSERT_TRUE(c.send(get("/ok")));  // the connection survives
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "fine");
}

TEST_F(HttpServerTest, SecondRespondIsIgnored) {
  start([&](HttpRequest&& req, HttpRespond respond) {
    if (req.path == "/first") {
      respond(text("one"));
      respond(text("two"));
      held_.push_back(respond);  // and once more, after the next request has started
    } else {
      later(20, [this, respond] {
        held_.front()(text("stale"));
        respond(text("next"));
      });
    }
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/first")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "one");
  ASSERT_TRUE(c.send(get("/second")));
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "next");
}

TEST_F(HttpServerTest, NoContentHasNoBodyOrLength) {
  start([](HttpRequest&& req, HttpRespond respond) {
    respond(req.path == "/204" ? text("ignored", 204) : text("after"));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/204") + get("/next")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->header("content-length"), "");
  EXPECT_EQ(r->body, "");
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "after");
}

TEST_F(HttpServerTest, HeadGetsLengthButNoBody) {
  start([](HttpRequest&&, HttpRespond respond) { respond(text("twelve bytes")); });
  RawClient c(port_);
  ASSERT_TRUE(c.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n" + get("/")));
  auto r = c.read(/*head_request=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-length"), "12");
  EXPECT_EQ(r->body, "");
  auto r2 = c.read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "twelve bytes");
}

TEST_F(HttpServerTest, LargeBodiesBothWays) {
  start([](HttpRequest&& req, HttpRespond respond) {
    HttpResponse r;
    r.body = std::move(req.body);
    std::reverse(r.body.begin(), r.body.end());
    respond(std::move(r));
  });
  std::string body(7 * 1024 * 1024 + 3, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  RawClient c(port_);
  ASSERT_TRUE(c.send(post("/big", body)));
  auto r = c.read();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->body.size(), body.size());
  std::reverse(body.begin(), body.end());
  EXPECT_TRUE(r->body == body);
}

TEST_F(HttpServerTest, ClientGoneBeforeAsyncResponse) {
  std::atomic<int> calls{0};
  start([&](HttpRequest&&, HttpRespond respond) {
    held_.push_back(std::move(respond));
    ++calls;
  });
  {
    RawClient c(port_);
    ASSERT_TRUE(c.send(get("/")));
    ASSERT_TRUE(waitUntil([&] { return calls.load() == 1; }));
  }  // closed without reading
  std::this_thread::sleep_for(20ms);
  // The server may still hold the socket (the peer might only have half-closed); answering
  // it, twice, must be harmless and must release it.
  onLoop([&] {
    held_[0](text("nobody listens"));
    held_[0](text("again"));
  });
  EXPECT_TRUE(waitUntil([&] { return connectionCount() == 0; }));
  onLoop([&] { held_[0](text("and once more")); });
}

TEST_F(HttpServerTest, RespondAfterServerClosedIsHarmless) {
  std::atomic<int> calls{0};
  start([&](HttpRequest&&, HttpRespond respond) {
    held_.push_back(std::move(respond));
    ++calls;
  });
  RawClient pending(port_);
  ASSERT_TRUE(pending.send(get("/pending")));
  ASSERT_TRUE(waitUntil([&] { return calls.load() == 1; }));
  RawClient idle(port_);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(waitUntil([&] { return connectionCount() == 2; }));

  onLoop([&] { server_->close(); });
  EXPECT_TRUE(pending.waitClosed());
  EXPECT_TRUE(idle.waitClosed());
  onLoop([&] {
    server_.reset();  // destroyed while close callbacks may still be pending
    held_[0](text("too late"));
  });
  RawClient refused(port_);
  EXPECT_FALSE(refused.connected());
}

TEST_F(HttpServerTest, CloseFromInsideHandler) {
  start([&](HttpRequest&&, HttpRespond respond) {
    server_->close();
    respond(text("dropped"));
  });
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/")));
  EXPECT_TRUE(c.waitClosed());
}

TEST_F(HttpServerTest, IdleConnectionsAreClosed) {
  HttpServerOptions o;
  o.idle_timeout_ms = 100;
  start(
      [&](HttpRequest&& req, HttpRespond respond) {
        if (req.path == "/slow") {
          later(400, [respond] { respond(text("slow but not idle")); });
        } else {
          respond(text("ok"));
        }
      },
      o);
  RawClient waiting(port_);
  ASSERT_TRUE(waiting.send(get("/slow")));
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/")));
  ASSERT_TRUE(c.read());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.waitClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  // A request in progress is not idle, however long the handler takes.
  auto r = waiting.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "slow but not idle");
}

TEST_F(HttpServerTest, HeadersMustArriveBeforeTheirDeadline) {
  HttpServerOptions o;
  o.header_timeout_ms = 200;
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); }, o);
  // Slowloris: a header line dribbled a byte every 50 ms, never finished.
  RawClient slow(port_);
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    for (int i = 0; i < 100 && !stop; ++i) {  // at most 5 s
      if (!slow.send("a")) break;
      std::this_thread::sleep_for(50ms);
    }
  });
  RawClient other(port_);
  ASSERT_TRUE(other.send(get("/")));
  auto ok = other.read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto r = slow.read();
  stop = true;
  dribble.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_NE(r->body.find("Request headers not received in time"), std::string::npos);
  EXPECT_TRUE(slow.waitClosed());  // after the linger that lets the 408 reach it
}

TEST_F(HttpServerTest, IdleKeepAliveIsNotHeldToTheHeaderDeadline) {
  HttpServerOptions o;
  o.header_timeout_ms = 100;
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); }, o);
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/")));
  ASSERT_TRUE(c.read());
  std::this_thread::sleep_for(400ms);  // idle between requests: not a slow request
  ASSERT_TRUE(c.send(get("/")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, BodyBelowTheMinimumRateIsCut) {
  HttpServerOptions o;
  o.body_grace_ms = 100;
  o.min_body_bytes_per_s = 1024 * 1024;
  std::atomic<int> handled{0};
  start(
      [&](HttpRequest&&, HttpRespond respond) {
        ++handled;
        respond(text("ok"));
      },
      o);
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n"
                     "0123456789"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_NE(r->body.find("Request body arrived too slowly"), std::string::npos);
  EXPECT_EQ(handled, 0);
  // A body sent at once is far above the rate.
  RawClient fast(port_);
  ASSERT_TRUE(fast.send(post("/", std::string(200000, 'x'))));
  auto ok = fast.read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, AtTheCapTheLongestIdleConnectionMakesRoom) {
  HttpServerOptions o;
  o.max_connections = 3;
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); }, o);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(idle.back()->connected());
    ASSERT_TRUE(waitUntil([&] { return connectionCount() == static_cast<size_t>(i + 1); }));
  }
  RawClient fresh(port_);
  ASSERT_TRUE(fresh.send(get("/")));
  auto r = fresh.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(idle[0]->waitClosed());  // the first to go idle went first
  EXPECT_TRUE(waitUntil([&] { return connectionCount() == 3; }));
  // The other two are untouched and still served.
  ASSERT_TRUE(idle[2]->send(get("/")));
  auto again = idle[2]->read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServerTest, AtTheCapWithNoneIdleAcceptingPausesThenResumes) {
  HttpServerOptions o;
  o.max_connections = 2;
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); }, o);
  // Two connections each in the middle of a request: neither may be cut for a newcomer.
  RawClient a(port_), b(port_);
  ASSERT_TRUE(a.send("GET / HTTP/1.1\r\nHost: local"));
  ASSERT_TRUE(b.send("GET / HTTP/1.1\r\nHost: local"));
  ASSERT_TRUE(waitUntil([&] { return connectionCount() == 2; }));
  RawClient waiting(port_);  // the kernel completes the handshake; it waits in the backlog
  ASSERT_TRUE(waiting.connected());
  ASSERT_TRUE(waiting.send(get("/")));
  bool paused = false;
  ASSERT_TRUE(waitUntil([&] {
    onLoop([&] { paused = server_->acceptPaused(); });
    return paused;
  }));
  EXPECT_EQ(connectionCount(), 2u);
  // Existing connections keep working at the cap.
  ASSERT_TRUE(a.send("host\r\n\r\n"));
  auto ra = a.read();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->status, 200);
  // Once a connection goes, the waiting client is accepted and served.
  b.closeNow();
  auto r = waiting.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  onLoop([&] { paused = server_->acceptPaused(); });
  EXPECT_FALSE(paused);
}

TEST(HttpServerLimits, DefaultMaxConnectionsLeavesFdsSpare) {
  size_t cap = defaultMaxConnections();
  EXPECT_GE(cap, 16u);
  EXPECT_LE(cap, 16384u);
}

TEST_F(HttpServerTest, ListenErrors) {
  start([](HttpRequest&&, HttpRespond respond) { respond(text("ok")); });
  onLoop([&] {
    EXPECT_FALSE(server_->listen("127.0.0.1", 0).ok());  // already listening
    HttpServer other(loop_, [](HttpRequest&&, HttpRespond) {});
    Status st = other.listen("127.0.0.1", port_);
    EXPECT_FALSE(st.ok());
    EXPECT_FALSE(HttpServer(loop_, nullptr).listen("not an address", 0).ok());
    HttpServer local(loop_, nullptr);
    EXPECT_TRUE(local.listen("localhost", 0).ok());
    EXPECT_GT(local.port(), 0);
    // IPv6 may be unavailable where this runs; the literal must at least parse.
    HttpServer v6(loop_, nullptr);
    Status st6 = v6.listen("[::1]", 0);
    if (st6.ok()) {
      EXPECT_GT(v6.port(), 0);
    } else {
      EXPECT_EQ(st6.error().message.find("not an IP address"), std::string::npos);
    }
  });
}

TEST(HttpUrlTest, PercentDecode) {
  EXPECT_EQ(percentDecode("my%3Afunction"), "my:function");
  EXPECT_EQ(percentDecode("%24LATEST"), "$LATEST");
  EXPECT_EQ(percentDecode("a+b"), "a+b");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(percentDecode("%e2%82%AC"), "\xe2\x82\xac");
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode("%4"), "%4");
  EXPECT_EQ(percentDecode("%zz%2"), "%zz%2");
  EXPECT_EQ(percentDecode("%00x"), std::string("\0x", 2));
  EXPECT_EQ(percentDecode(""), "");
}

TEST(HttpUrlTest, ParseQuery) {
  auto q = parseQuery("Qualifier=%24LATEST&tag=a&tag=b&flag&&x=1%2B1+2&=v&e=");
  EXPECT_EQ(q.count("Qualifier"), 1u);
  EXPECT_EQ(q.find("Qualifier")->second, "$LATEST");
  auto [b, e] = q.equal_range("tag");
  std::vector<std::string> tags;
  for (auto it = b; it != e; ++it) tags.push_back(it->second);
  EXPECT_EQ(tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(q.find("flag")->second, "");
  EXPECT_EQ(q.find("x")->second, "1+1 2");
  EXPECT_EQ(q.find("")->second, "v");
  EXPECT_EQ(q.find("e")->second, "");
  EXPECT_EQ(q.size(), 7u);
  EXPECT_TRUE(parseQuery("").empty());
}

}  // namespace
}  // namespace stratus
