// The Lambda-compatible HTTP API (REST 2015-03-31 and friends, as botocore sends it): routes
// requests to handlers and answers unknown routes in AWS's error shape. Every request passes
// the exposure policy (Host, Origin, SigV4 off loopback; exposure.h) before it is routed.
// Loop thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/base/http_server.h"
#include "triggers/api_context.h"
#include "triggers/exposure.h"
#include "triggers/request_limits.h"
#include "triggers/request_shape.h"

namespace stratus::triggers {

struct ApiServerOptions {
  ExposureOptions exposure;
  // Connection cap and read deadlines (HttpServerOptions); 0 connections: the default,
  // defaultMaxConnections().
  size_t max_connections = 0;
  uint64_t header_timeout_ms = 10 * 1000;
  uint64_t body_grace_ms = 10 * 1000;
  uint64_t min_body_bytes_per_s = 32 * 1024;
};

class ApiServer {
 public:
  explicit ApiServer(ApiContext context, ApiServerOptions options = {});
  Status listen(const std::string& host, int port);
  int port() const { return http_.port(); }
  void close() { http_.close(); }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" marks a parameter
    std::string query_key, query_value;  // a query parameter the route requires, if any
    std::string operation;               // the model's name; "" for Stratus's own routes
    const OperationParameters* parameters;  // its query/header members; nullptr: Stratus's own
    RouteHandler handler;
  };
  // `operation` names the model's operation whose query-string and header parameters are
  // decoded before `handler` runs (request_shape.h); "" for Stratus's own routes.
  void add(const std::string& method, const std::string& pattern, const std::string& operation,
           RouteHandler handler);
  void dispatch(HttpRequest&& request, HttpRespond respond);
  // The route `call` names (its path parameters into `params`, when given); nullptr if none.
  // `path_matched`: some route has this path (with another method).
  const Route* match(const ApiCall& call, const std::vector<std::string>& segments,
                     std::vector<std::string>* params, bool& path_matched) const;
  // How large a body the request's operation may send (request_limits.h).
  BodyLimit bodyLimit(const HttpRequest& request) const;
  HttpServerOptions httpOptions(const ApiServerOptions& options) const;

  ApiContext context_;
  Exposure exposure_;
  std::vector<Route> routes_;
  HttpServer http_;
};

}  // namespace stratus::triggers
