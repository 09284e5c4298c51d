#include "triggers/cli/lambda_client.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "runtime/base/crypto.h"
#include "runtime/base/http_server.h"
#include "runtime/base/sigv4.h"

namespace stratus::triggers::cli {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

size_t collectBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t collectHeader(char* data, size_t size, size_t count, void* out) {
  std::string line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * count;
}

std::string amzDate() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

}  // namespace

std::string defaultEndpoint() {
  for (const char* name : {"AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"}) {
    if (std::string v = env(name); !v.empty()) return v;
  }
  return "http://127.0.0.1:9000";
}

std::string defaultRegion() {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::string v = env(name); !v.empty()) return v;
  }
  return "us-east-1";
}

// SigV4's encoding (RFC 3986 unreserved characters kept), so a path is signed as it is sent.
std::string percentEncode(const std::string& text) { return sigv4::uriEncode(text, false); }

std::string functionPath(const std::string& name) { return "/2015-03-31/functions/" + percentEncode(name); }

LambdaClient::LambdaClient(std::string endpoint, std::string region, std::string service)
    : endpoint_(std::move(endpoint)), region_(std::move(region)), service_(std::move(service)) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  size_t scheme = endpoint_.find("://");
  host_ = scheme == std::string::npos ? endpoint_ : endpoint_.substr(scheme + 3);
  if (size_t slash = host_.find('/'); slash != std::string::npos) host_ = host_.substr(0, slash);
}

ClientResponse LambdaClient::call(const std::string& method, const std::string& path, const std::string& body,
                                  const std::map<std::string, std::string>& headers) {
  ClientResponse out;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    out.transport_error = "cannot start an HTTP client";
    return out;
  }
  // Sign what will be sent: the path and query as given, host, x-amz-date, the payload hash.
  HttpRequest signed_request;
  signed_request.method = method;
  signed_request.target = path;
  size_t q = path.find('?');
  signed_request.path = path.substr(0, q);
  signed_request.query = q == std::string::npos ? "" : path.substr(q + 1);
  signed_request.body = body;
  std::string date = amzDate();
  signed_request.headers = {{"host", host_},
                            {"x-amz-date", date},
                            {"x-amz-content-sha256", sha256Hex(body)}};
  std::vector<std::string> signed_names = {"host", "x-amz-content-sha256", "x-amz-date"};
  std::string token = env("AWS_SESSION_TOKEN");
  if (!token.empty()) {
    signed_request.headers["x-amz-security-token"] = token;
    signed_names.push_back("x-amz-security-token");
  }
  std::string key = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY");
  if (key.empty() || secret.empty()) key = "test", secret = "test";
  std::string authorization =
      sigv4::authorizationHeader(signed_request, {key, secret, region_, service_, date}, signed_names);

  curl_slist* list = nullptr;
  auto add = [&](const std::string& name, const std::string& value) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  };
  for (const auto& [name, value] : signed_request.headers) {
    if (name != "host") add(name, value);
  }
  add("Authorization", authorization);
  bool typed = false;
  for (const auto& [name, value] : headers) {
    add(name, value);
    typed = typed || name == "Content-Type";
  }
  if (!typed) add("Content-Type", "application/json");
  add("Expect", "");  // no 100-continue round trip for big uploads
  std::string url = endpoint_ + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST" || method == "PUT" || !body.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collectBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, collectHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 960000L);  // past Lambda's 900 s timeout
  CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    out.transport_error = curl_easy_strerror(rc);
    return out;
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

std::string describeFailure(const ClientResponse& r, const std::string& endpoint) {
  if (r.status == 0) {
    return "cannot reach " + endpoint + " (" + r.transport_error +
           "). Is the server running? Start it with `stratus serve --listen 127.0.0.1:9000 --data-dir DIR`, or "
           "pass --endpoint.";
  }
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  // Lambda names the error in x-amzn-ErrorType (its body's Type is only "User" or "Service").
  std::string type, message;
  if (auto it = r.headers.find("x-amzn-errortype"); it != r.headers.end()) type = it->second;
  if (j.is_object()) {
    if (type.empty()) type = j.value("__type", std::string());
    message = j.value("Message", j.value("message", std::string()));
  }
  if (size_t colon = type.find(':'); colon != std::string::npos) type = type.substr(0, colon);
  if (message.empty()) message = r.body;
  return "HTTP " + std::to_string(r.status) + (type.empty() ? "" : " " + type) + ": " + message;
}

}  // namespace stratus::triggers::cli
