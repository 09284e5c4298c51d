// HTTP/1.1 server on the Loop, parsing with libhttp-parser (never by hand). Loop thread only.
// Keep-alive and pipelining: requests on one connection are answered in order; the parser is
// paused while a response is outstanding (bytes that arrive meanwhile are queued, and reading
// stops if too many queue up). Bodies larger than max_body_bytes are refused with 413 before
// they are buffered whole; malformed requests get 400 and the connection closes. Expect:
// 100-continue is answered before the body is read (botocore sends it for large payloads).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/base/loop.h"

namespace stratus {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target: path plus "?query", still percent-encoded
  std::string path;    // target before '?', still percent-encoded
  std::string query;   // target after '?', without it; empty if none
  // Header names lower-cased; a repeated header keeps its values joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;

  // Convenience: header value or "" if absent. `name` must be lower case.
  const std::string& header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is added for you
  std::string body;
};

// Called once per response; may be called later, on the loop thread only (asynchronous
// handlers). Calls after the first, and calls after the connection or server closed, are
// ignored, so holders need not track the connection's life.
using HttpRespond = std::function<void(HttpResponse)>;
// A handler that throws std::exception gets a 500 ServiceException answered for it. It may call
// HttpServer::close() but must not destroy the HttpServer while it runs.
using HttpHandler = std::function<void(HttpRequest&&, HttpRespond)>;

struct HttpServerOptions {
  uint64_t max_body_bytes = 72 * 1024 * 1024;
  // Body of the 413 sent when a request body exceeds max_body_bytes (content type JSON).
  // The connection is closed after it is written.
  std::function<HttpResponse(const HttpRequest& partial)> too_large_response;
  // A connection with no request in progress and no traffic for this long is closed, so
  // clients that vanish without a FIN do not leak. Checked about once a second.
  uint64_t idle_timeout_ms = 120 * 1000;
  // Called for each accepted connection with the peer's TCP port (IPv4 loopback servers): false
  // closes it before anything is read. Lets a server admit only one client process.
  std::function<bool(int peer_port)> accept_filter;
};

class HttpServer {
 public:
  HttpServer(Loop& loop, HttpHandler handler, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 picks a free one) and starts accepting.
  Status listen(const std::string& host, int port);
  int port() const;  // the bound port, after listen()

  // Stops accepting and closes every connection; handlers' later responses are dropped. The
  // server may be destroyed right after (its uv handles free themselves in close callbacks).
  void close();

  // Open connections, including ones still closing this loop turn. For tests and metrics.
  size_t connectionCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-decodes one URI component ("%3A" -> ":"). '+' is left as is (paths) unless
// plus_as_space (query strings).
std::string percentDecode(const std::string& s, bool plus_as_space = false);

// Parses "a=1&b=2&b=3" into name -> values, decoding each part.
std::multimap<std::string, std::string> parseQuery(const std::string& query);

}  // namespace stratus
