// One request to the Lambda API while it is being answered: the parsed request, its id, and
// the ways to answer it (once). Shared by the route handlers; asynchronous handlers keep a
// shared_ptr to it. Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/base/http_server.h"

namespace stratus::triggers {

class ApiCall {
 public:
  ApiCall(HttpRequest request, HttpRespond respond, std::string request_id);

  const HttpRequest& request() const { return request_; }
  const std::string& requestId() const { return request_id_; }
  // Decoded path parameters, in the order the route names them.
  std::vector<std::string> params;
  // First value of a query parameter, "" when absent.
  std::string query(const std::string& name) const;
  std::vector<std::string> queryAll(const std::string& name) const;
  bool hasQuery(const std::string& name) const { return query_.count(name) > 0; }
  const std::multimap<std::string, std::string>& queryMap() const { return query_; }
  // The operation's query-string and header members, decoded and validated from the model
  // before the handler runs (request_decoder.h decodeParameters): typed reads cannot fail.
  nlohmann::json parameters = nlohmann::json::object();

  // Moves the body out, for a decoder that runs off the loop (decoded_call.h); the request's
  // body is empty afterwards. Bodies are decoded through lambda_requests.h, never read as
  // free-form JSON.
  std::string takeBody() { return std::move(request_.body); }

  void reply(int status, const nlohmann::json& body);
  void replyEmpty(int status);
  void reply(HttpResponse response);  // adds x-amzn-RequestId
  void fail(const Error& error);

 private:
  HttpRequest request_;
  HttpRespond respond_;
  std::string request_id_;
  std::multimap<std::string, std::string> query_;
  bool answered_ = false;
};

using ApiCallPtr = std::shared_ptr<ApiCall>;

}  // namespace stratus::triggers
