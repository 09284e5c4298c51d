#include "triggers/api_call.h"

#include "triggers/error_mapper.h"

namespace stratus::triggers {

ApiCall::ApiCall(HttpRequest request, HttpRespond respond, std::string request_id)
    : request_(std::move(request)),
      respond_(std::move(respond)),
      request_id_(std::move(request_id)),
      query_(parseQuery(request_.query)) {}

std::string ApiCall::query(const std::string& name) const {
  auto it = query_.find(name);
  return it == query_.end() ? std::string() : it->second;
}

std::vector<std::string> ApiCall::queryAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = query_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

void ApiCall::reply(HttpResponse response) {
  if (answered_) return;
  answered_ = true;
  response.headers.emplace_back("x-amzn-RequestId", request_id_);
  respond_(std::move(response));
}

void ApiCall::reply(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  reply(std::move(r));
}

void ApiCall::replyEmpty(int status) {
  HttpResponse r;
  r.status = status;
  reply(std::move(r));
}

void ApiCall::fail(const Error& error) {
  if (answered_) return;
  answered_ = true;
  respond_(errorResponse(error, request_id_));
}

}  // namespace stratus::triggers
