#include "triggers/exposure.h"

#include <arpa/inet.h>
#include <uv.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/base/crypto.h"
#include "runtime/base/minted_credentials.h"
#include "runtime/base/sigv4.h"
#include "triggers/error_mapper.h"

namespace stratus::triggers {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

bool isWildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

// A DNS name's characters (letters, digits, '-', '.'): what may go into a URL we build.
bool isHostName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

// The name in a Host header ("name", "name:port", "[v6]", "[v6]:port"), lower case, without
// brackets; nullopt if it is not one (a stray character, a non-numeric port).
std::optional<std::string> hostName(const std::string& header) {
  std::string h = lower(trim(header));
  std::string name, port;
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close == std::string::npos) return std::nullopt;
    name = h.substr(1, close - 1);
    std::string rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
    in6_addr addr{};
    if (inet_pton(AF_INET6, name.c_str(), &addr) != 1) return std::nullopt;
  } else {
    size_t colon = h.find(':');
    name = h.substr(0, colon);
    if (colon != std::string::npos) port = h.substr(colon + 1);
    if (!isHostName(name)) return std::nullopt;
  }
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  if (h.find(':') != std::string::npos && h.front() != '[' && port.empty()) return std::nullopt;
  return name;
}

HttpResponse authError(const sigv4::Verdict& v, const std::string& request_id) {
  HttpResponse r;
  r.status = v.status;
  r.headers = {{"Content-Type", "application/json"},
               {"x-amzn-ErrorType", v.error_type},
               {"x-amzn-RequestId", request_id}};
  nlohmann::json body = {{"message", v.message}};
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

// Routes that need no signature even off loopback. Health says nothing. A code download is
// addressed by the SHA-256 of the zip, which only a signed caller (GetFunction) or someone
// holding the very bytes can know: the hash is the capability, as a presigned URL's is.
bool signatureExempt(const HttpRequest& r) {
  return r.method == "GET" &&
         (r.path == "/_stratus/health" || r.path.rfind("/_stratus/code/", 0) == 0);
}

// X-Amz-Security-Token, as a header or (presigned URLs) a query parameter; "" if absent.
std::string securityToken(const HttpRequest& r) {
  const std::string& header = r.header("x-amz-security-token");
  if (!header.empty()) return header;
  auto query = parseQuery(r.query);
  auto it = query.find("X-Amz-Security-Token");
  return it == query.end() ? std::string() : it->second;
}

}  // namespace

bool isLoopbackHost(const std::string& host) {
  std::string h = lower(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool parseCredential(const std::string& text, std::map<std::string, std::string>& into) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string key = trim(text.substr(0, colon));
  std::string secret = trim(text.substr(colon + 1));
  if (key.empty() || secret.empty() || key.find('/') != std::string::npos) return false;
  into[key] = secret;
  return true;
}

Status loadCredentialsFile(const std::string& path, std::map<std::string, std::string>& into) {
  std::ifstream in(path);
  if (!in) return Error::service("cannot read credentials file " + path);
  std::string line, pending_key, pending_secret;
  size_t before = into.size();
  auto flush = [&] {
    if (!pending_key.empty() && !pending_secret.empty()) into[pending_key] = pending_secret;
    pending_key.clear();
    pending_secret.clear();
  };
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {  // a profile of a shared credentials file
      flush();
      continue;
    }
    size_t eq = t.find('=');
    if (eq != std::string::npos) {
      std::string name = lower(trim(t.substr(0, eq)));
      std::string value = trim(t.substr(eq + 1));
      if (name == "aws_access_key_id") pending_key = value;
      if (name == "aws_secret_access_key") pending_secret = value;
      continue;
    }
    if (!parseCredential(t, into)) {
      return Error::service(path + ":" + std::to_string(number) +
                            ": expected ACCESS_KEY_ID:SECRET");
    }
  }
  flush();
  if (into.size() == before) return Error::service("no credentials in " + path);
  return okStatus();
}

Exposure::Exposure(ExposureOptions options) : options_(std::move(options)) {
  signatures_required_ = !isLoopbackHost(options_.listen_host);
  for (const char* name : {"localhost", "127.0.0.1", "::1"}) host_names_.insert(name);
  for (const std::string& h : options_.allow_hosts) {
    if (auto name = hostName(h)) host_names_.insert(*name);
  }
  if (!isWildcard(options_.listen_host)) {
    host_names_.insert(lower(options_.listen_host));
    return;
  }
  // A wildcard listen serves every address of this machine, and its name.
  uv_interface_address_t* addresses = nullptr;
  int count = 0;
  if (uv_interface_addresses(&addresses, &count) == 0) {
    for (int i = 0; i < count; ++i) {
      char text[INET6_ADDRSTRLEN] = {0};
      if (addresses[i].address.address4.sin_family == AF_INET) {
        uv_ip4_name(&addresses[i].address.address4, text, sizeof text);
      } else {
        uv_ip6_name(&addresses[i].address.address6, text, sizeof text);
      }
      if (text[0] != '\0') host_names_.insert(lower(text));
    }
    uv_free_interface_addresses(addresses, count);
  }
  char name[256];
  size_t size = sizeof name;
  if (uv_os_gethostname(name, &size) == 0) host_names_.insert(lower(name));
}

bool Exposure::hostAllowed(const std::string& host_header) const {
  std::optional<std::string> name = hostName(host_header);
  if (!name) return false;
  if (host_names_.count(*name)) return true;
  // RFC 6761: *.localhost resolves to loopback (function URLs will live there).
  const std::string suffix = ".localhost";
  return name->size() > suffix.size() &&
         name->compare(name->size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool Exposure::originAllowed(const std::string& origin) const {
  for (const std::string& allowed : options_.allow_origins) {
    if (allowed == "*" || allowed == origin) return true;
  }
  return false;
}

std::optional<HttpResponse> Exposure::check(const HttpRequest& request,
                                            const std::string& request_id) const {
  auto host = request.headers.find("host");
  if (host == request.headers.end()) {
    if (request.http_major == 1 && request.http_minor >= 1) {
      return errorResponse(Error::validation("HTTP/1.1 requests must carry a Host header"),
                           request_id);
    }
  } else if (!hostAllowed(host->second)) {
    return errorResponse(
        {ErrorCode::kAccessDenied,
         "Host '" + host->second.substr(0, 256) +
             "' does not name this server; start it with --allow-host NAME to accept a name "
             "other than the loopback names and the listen address",
         {}},
        request_id);
  }

  // Function URLs (later) answer by their own Cors configuration, before this check.
  const std::string& origin = request.header("origin");
  if (!origin.empty()) {
    if (!originAllowed(origin)) {
      return errorResponse({ErrorCode::kAccessDenied,
                            "Origin '" + origin.substr(0, 256) +
                                "' is not allowed to call this server's AWS APIs; start it "
                                "with --allow-origin " + origin.substr(0, 256) +
                                " (or --allow-origin '*') to allow it",
                            {}},
                           request_id);
    }
    // A preflight carries no credentials: answer it before verifying any.
    if (request.method == "OPTIONS" && !request.header("access-control-request-method").empty()) {
      HttpResponse r;
      r.status = 200;
      r.headers = {{"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD"},
                   {"Access-Control-Max-Age", "600"},
                   {"x-amzn-RequestId", request_id}};
      const std::string& wanted = request.header("access-control-request-headers");
      if (!wanted.empty()) r.headers.emplace_back("Access-Control-Allow-Headers", wanted);
      decorate(origin, r);
      return r;
    }
  }

  if (!signatures_required_ || signatureExempt(request)) return std::nullopt;
  // The server's own credentials, or a live sandbox's (a function calling back through its SDK).
  std::optional<TemporaryCredentials> minted;
  sigv4::Verdict verdict = sigv4::verify(
      request,
      [this, &minted](const std::string& key) -> std::optional<std::string> {
        auto it = options_.credentials.find(key);
        if (it != options_.credentials.end()) return it->second;
        minted = MintedCredentials::find(key);
        if (minted) return minted->secret_access_key;
        return std::nullopt;
      },
      {static_cast<int64_t>(std::time(nullptr)), 15 * 60, options_.region});
  if (verdict.ok() && minted && !constantTimeEquals(securityToken(request), minted->session_token)) {
    // Temporary credentials are only good with their session token, as STS's are.
    verdict.outcome = sigv4::Outcome::kUnknownKey;
    verdict.status = 403;
    verdict.error_type = "UnrecognizedClientException";
    verdict.message = "The security token included in the request is invalid.";
  }
  if (verdict.ok()) return std::nullopt;
  HttpResponse r = authError(verdict, request_id);
  decorate(request.header("origin"), r);
  return r;
}

void Exposure::decorate(const std::string& origin, HttpResponse& response) const {
  if (origin.empty() || !originAllowed(origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", origin);
  response.headers.emplace_back("Vary", "Origin");
  response.headers.emplace_back(
      "Access-Control-Expose-Headers",
      "x-amzn-RequestId, x-amzn-ErrorType, x-amz-function-error, x-amz-log-result, "
      "x-amz-executed-version");
}

}  // namespace stratus::triggers
