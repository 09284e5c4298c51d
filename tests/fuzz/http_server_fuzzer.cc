// The HTTP front door: the input is the raw bytes a client sends on one connection (one or more
// pipelined HTTP/1.1 requests, or garbage), written over loopback into the real HttpServer
// (runtime/base/http_server.h) on 127.0.0.1:0, then the client half-closes and reads until the
// server closes. The server and the client share the fuzzer's one Loop.
//
// The handler answers deterministically from the request (some answers on a later loop turn,
// some by throwing), echoes request text into response headers, and checks what it was given.
// After each input the harness checks what came back:
//  - the server closed the connection (never stalls a half-closed client that is owed nothing)
//  - every byte parses as HTTP/1.1 responses (http_parser), each with one Connection header and,
//    when it has a body, one Content-Length; nothing follows a "Connection: close" response
//  - every request the handler saw is answered, in order, with exactly the handler's status,
//    headers and body (a thrown handler: 500 ServiceException); echoed text (with CR/LF) forged
//    no header
//  - at most one answer the server wrote itself (400, 413, 431), last, with Connection: close
//  - no connection is left open afterwards.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/http_server.h"
#include "runtime/base/loop.h"
#include "tests/fuzz/common/http_stream.h"
#include "tests/fuzz/common/loopback_exchange.h"

namespace {

using namespace stratus;

constexpr uint64_t kMaxBody = 4096;  // small, so that 413s are reachable

[[noreturn]] void fail(const std::string& what, const std::string& received) {
  std::fprintf(stderr, "http_server invariant broken: %s\n--- received (%zu bytes) ---\n%.*s\n",
               what.c_str(), received.size(), static_cast<int>(std::min<size_t>(received.size(), 4000)),
               received.data());
  std::abort();
}

// The server replaces control characters in header text (so echoed text can neither forge a
// header nor break the response for strict clients): the echo is the raw text.
// (tests/fuzz/http_server/finding-control-char-in-header was the finding.)
std::string echoable(const std::string& text) { return text; }

struct Expected {
  bool head = false;
  int status = 200;
  std::string body;
  std::string seq;
};

struct Harness {
  Loop loop;
  std::unique_ptr<HttpServer> server;
  std::vector<Expected> expected;  // one per request the handler saw, this input
  std::string problem;             // a broken request invariant, reported after the exchange

  Harness() {
    HttpServerOptions options;
    options.max_body_bytes = kMaxBody;
    options.too_large_response = [](const HttpRequest&) {
      HttpResponse r;
      r.status = 413;
      r.body = R"({"message":"too large"})";
      return r;
    };
    server = std::make_unique<HttpServer>(
        loop, [this](HttpRequest&& req, HttpRespond respond) { handle(std::move(req), std::move(respond)); },
        options);
    Status s = server->listen("127.0.0.1", 0);
    if (!s.ok()) {
      std::fprintf(stderr, "listen failed: %s\n", s.error().message.c_str());
      std::abort();
    }
  }

  void checkRequest(const HttpRequest& req) {
    if (req.method.empty()) problem = "empty method";
    size_t q = req.target.find('?');
    std::string path = q == std::string::npos ? req.target : req.target.substr(0, q);
    std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
    if (req.path != path || req.query != query) problem = "path/query do not split the target";
    for (const auto& [name, value] : req.headers) {
      for (char c : name) {
        if (c >= 'A' && c <= 'Z') problem = "header name not lower-cased: " + name;
      }
    }
    if (req.body.size() > kMaxBody) problem = "body over max_body_bytes reached the handler";
  }

  void handle(HttpRequest&& req, HttpRespond respond) {
    checkRequest(req);
    size_t seq = expected.size();
    Expected e;
    e.head = req.method == "HEAD";
    e.seq = std::to_string(seq);
    static const int kStatuses[] = {200, 201, 204, 404, 500, 304};
    e.status = kStatuses[(req.target.size() + req.body.size()) % 6];
    HttpResponse r;
    r.status = e.status;
    r.headers.emplace_back("X-Seq", e.seq);
    // Request text echoed into headers: CR/LF in it must not forge a header or a response.
    r.headers.emplace_back("X-Path", echoable(req.path));
    r.headers.emplace_back("X-Echo", echoable(req.header("x-echo")));
    if (e.status != 204 && e.status != 304) {
      r.body = req.method + " " + req.target + " " + std::to_string(req.body.size());
    }
    e.body = r.body;
    if (req.body.find("throw") != std::string::npos) {
      e.status = 500;
      e.body.clear();  // the server's ServiceException body, checked by its type header
      expected.push_back(e);
      throw std::runtime_error("handler threw for " + req.target);
    }
    expected.push_back(e);
    if (req.target.size() % 2 == 1) {
      // Answered on a later loop turn, as asynchronous handlers do.
      auto shared = std::make_shared<HttpResponse>(std::move(r));
      loop.post([respond, shared] { respond(std::move(*shared)); });
    } else {
      respond(std::move(r));
    }
  }

  void checkExchange(const fuzz::Exchange& ex) {
    const std::string& got = ex.received;
    if (!problem.empty()) fail(problem, got);
    if (!ex.connected) fail("could not connect", got);
    if (ex.timed_out || !ex.server_closed) fail("the server did not close the connection", got);
    fuzz::ParsedStream stream = fuzz::parseResponses(got, [this](size_t i, int) {
      return i < expected.size() && expected[i].head;
    });
    if (!stream.error.empty()) fail("response stream does not parse: " + stream.error, got);
    size_t finals = 0;
    bool closed = false;
    for (const fuzz::ParsedResponse& r : stream.responses) {
      if (closed) fail("a response after Connection: close", got);
      if (!r.complete) fail("an incomplete response", got);
      if (r.http_major != 1 || r.http_minor != 1) fail("not HTTP/1.1", got);
      if (r.status == 100) {
        if (!r.headers.empty() || !r.body.empty()) fail("100 Continue with headers", got);
        continue;
      }
      if (r.status < 200) fail("unexpected 1xx " + std::to_string(r.status), got);
      if (r.headerCount("connection") != 1) fail("not one Connection header", got);
      std::string connection = r.header("connection");
      if (connection != "keep-alive" && connection != "close") fail("Connection: " + connection, got);
      closed = connection == "close";
      bool bodied = r.status != 204 && r.status != 304;
      if (r.headerCount("content-length") != (bodied ? 1u : 0u)) fail("Content-Length count", got);
      size_t index = finals++;
      if (index < expected.size()) {
        const Expected& e = expected[index];
        if (r.status != e.status) fail("status differs from the handler's at #" + e.seq, got);
        if (r.headerCount("x-seq") != 1 || r.header("x-seq") != e.seq) {
          if (!(e.status == 500 && e.body.empty())) fail("X-Seq missing or forged at #" + e.seq, got);
        }
        if (e.status == 500 && e.body.empty()) {
          if (r.header("x-amzn-errortype") != "ServiceException") fail("a throw not answered 500 ServiceException", got);
        } else if (!e.head && r.body != e.body) {
          fail("body differs from the handler's at #" + e.seq, got);
        }
        if (e.head && !r.body.empty()) fail("a body answered HEAD", got);
        if (bodied && !e.head && r.header("content-length") != std::to_string(r.body.size())) {
          fail("Content-Length does not match the body", got);
        }
        continue;
      }
      // Beyond the handler's answers: only the server's own final refusal.
      if (index > expected.size()) fail("more than one response the handler did not write", got);
      if (r.status != 400 && r.status != 413 && r.status != 431) {
        fail("server-written status " + std::to_string(r.status), got);
      }
      if (!closed) fail("a refusal that keeps the connection open", got);
      if (!nlohmann::json::accept(r.body)) fail("refusal body is not JSON", got);
    }
    if (finals < expected.size()) fail("a request the handler answered got no response", got);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* h = new Harness;  // one server for the whole run, like the real one
  h->expected.clear();
  h->problem.clear();
  fuzz::ExchangeLimits limits;
  limits.deadline_ms = 10000;
  fuzz::Exchange ex = fuzz::exchangeOverLoopback(
      h->loop, h->server->port(), std::string_view(reinterpret_cast<const char*>(data), size), limits);
  h->checkExchange(ex);
  // The server's side of the connection is closing; let its close callbacks run.
  for (int i = 0; i < 100 && h->server->connectionCount() > 0; ++i) {
    uv_run(h->loop.raw(), UV_RUN_NOWAIT);
  }
  if (h->server->connectionCount() != 0) fail("a connection outlived its exchange", ex.received);
  return 0;
}
