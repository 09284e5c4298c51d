// Who may talk to the AWS APIs, checked at the front door before a request is dispatched:
//  - Host must name this server (loopback names, *.localhost, the listen address or, for a
//    wildcard listen, any of this machine's addresses and its hostname, and --allow-host
//    additions), else 403; HTTP/1.1 without Host is 400. So DNS rebinding cannot reach the
//    APIs, and what handlers build from Host (GetFunction's Code.Location) names us.
//  - Origin, when a browser sends one, must be allowed with --allow-origin (or "*"), else
//    403: a web page cannot drive the APIs with "simple" requests. Allowed origins get CORS
//    answers (preflights and Access-Control-Allow-Origin).
//  - Off loopback, every request must carry a SigV4 signature (runtime/base/sigv4.h) by one of
//    the credentials given at start, or by a live sandbox's minted credentials with their
//    session token (runtime/base/minted_credentials.h: a function's SDK calling back); on
//    loopback any credentials, or none, are accepted.
// Function URLs will follow their own Cors configuration instead of --allow-origin: they are to
// be told apart here (by Host, <id>.lambda-url.*.localhost) before the Origin check.
// Loop thread; check() is pure apart from reading the clock.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/base/error.h"
#include "runtime/base/http_server.h"

namespace stratus::triggers {

struct ExposureOptions {
  std::string listen_host = "127.0.0.1";       // as given to --listen, without brackets
  std::map<std::string, std::string> credentials;  // access key id -> secret
  std::vector<std::string> allow_origins;      // exact origins, or "*"
  std::vector<std::string> allow_hosts;        // host names or addresses, no port
  std::string region = "us-east-1";            // credential scopes must name it
};

// 127.0.0.0/8, ::1 and "localhost"; a wildcard (0.0.0.0, ::, "") is not loopback.
bool isLoopbackHost(const std::string& host);

// Reads `path` into `into`: lines "ACCESS_KEY_ID:SECRET", or an AWS shared credentials file
// (aws_access_key_id / aws_secret_access_key in each profile). Blank and '#' lines skipped.
Status loadCredentialsFile(const std::string& path, std::map<std::string, std::string>& into);
// "ACCESS_KEY_ID:SECRET" (as --credentials takes it); false if malformed.
bool parseCredential(const std::string& text, std::map<std::string, std::string>& into);

class Exposure {
 public:
  explicit Exposure(ExposureOptions options);

  bool signaturesRequired() const { return signatures_required_; }

  // nullopt when the request may be dispatched; otherwise the answer to send instead (an
  // error in AWS's shape, or the answer to a CORS preflight).
  std::optional<HttpResponse> check(const HttpRequest& request,
                                    const std::string& request_id) const;

  // CORS headers for a response to a request from `origin` (the Origin header), if allowed.
  void decorate(const std::string& origin, HttpResponse& response) const;

 private:
  bool hostAllowed(const std::string& host_header) const;
  bool originAllowed(const std::string& origin) const;

  ExposureOptions options_;
  bool signatures_required_ = false;
  std::set<std::string> host_names_;  // lower case, no port, IPv6 without brackets
};

}  // namespace stratus::triggers
