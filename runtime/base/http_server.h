// HTTP/1.1 server on the Loop, parsing with libhttp-parser (never by hand). Loop thread only.
// Keep-alive and pipelining: requests on one connection are answered in order; the parser is
// paused while a response is outstanding (bytes that arrive meanwhile are queued, and reading
// stops if too many queue up). Bodies larger than max_body_bytes are refused with 413 before
// they are buffered whole; malformed requests get 400 and the connection closes. Expect:
// 100-continue is answered before the body is read (botocore sends it for large payloads).
//
// Slow and idle clients (slowloris): a request's headers must arrive within header_timeout_ms
// of its first byte, and its body at min_body_bytes_per_s after a grace period; a request that
// misses its deadline gets 408 and the connection closes. Open connections are capped
// (max_connections): at the cap, a new connection closes the connection idle the longest
// (none of a request read, nothing owed to it); if none is idle, accepting pauses and the
// kernel's listen backlog holds new clients until a connection closes. Nothing spins, nobody
// is answered with a reset, and a flood of idle connections cannot lock new clients out.
//
// Faults (runtime/base/fault_boundary.h): every libuv callback of the server (accept, read,
// write, shutdown, close, the sweep timer) and every parser callback is a boundary. A throw
// there is logged with its site (http-accept, http-read, http-write, http-close, http-timer);
// the connection it happened on answers its pending request, if any and if it can still write,
// with 500 ServiceException, and closes; the listener and every other connection go on. A throw
// while accepting leaves the socket to be taken again 10 ms later. Off the fault path this
// costs one predictable branch per read and per write (zero-cost exception tables otherwise).
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
  int http_major = 1;  // the request line's HTTP version
  int http_minor = 1;
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
  // The limit for one request, from its method, target and headers (called once its headers
  // are read; at most max_body_bytes counts). Unset: max_body_bytes for every request.
  std::function<uint64_t(const HttpRequest& partial)> body_limit;
  // Body of the 413 sent when a request body exceeds its limit (content type JSON).
  // The connection is closed after it is written.
  std::function<HttpResponse(const HttpRequest& partial)> too_large_response;
  // A connection with no request in progress and no traffic for this long is closed, so
  // clients that vanish without a FIN do not leak. Checked about once a second.
  uint64_t idle_timeout_ms = 120 * 1000;
  // Called for each accepted connection with the peer's TCP port (IPv4 loopback servers): false
  // closes it before anything is read. Lets a server admit only one client process.
  std::function<bool(int peer_port)> accept_filter;
  // Open connections at most (0: no cap). See the file comment for what happens at the cap.
  size_t max_connections = 0;
  // From a request's first byte until its headers are complete.
  uint64_t header_timeout_ms = 10 * 1000;
  // A body must arrive at this rate on average, after a grace period counted from the end of
  // its headers: after t ms, at least (t - body_grace_ms) * rate / 1000 bytes. 32 KiB/s lets
  // a 70 MB CreateFunction through a 256 kbit/s uplink; a client dribbling bytes is cut.
  uint64_t body_grace_ms = 10 * 1000;
  uint64_t min_body_bytes_per_s = 32 * 1024;
};

// A connection cap that leaves file descriptors for everything else the process opens
// (sandboxes' pipes and sockets, SQLite, code files): half of RLIMIT_NOFILE's soft limit,
// at least 16, at most 16384.
size_t defaultMaxConnections();

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
  // Whether accepting is paused at max_connections (a connection waits in the backlog).
  bool acceptPaused() const;

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
