// The JSON answers the Runtime API and the Extensions API share: a body with its status, and
// Lambda's {errorMessage, errorType} error. Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/base/http_server.h"

namespace stratus::rapi {

inline HttpResponse jsonAnswer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

inline HttpResponse errorAnswer(int status, const std::string& type, const std::string& message) {
  return jsonAnswer(status, nlohmann::json{{"errorMessage", message}, {"errorType", type}}.dump());
}

}  // namespace stratus::rapi
