// A blocking client of a running server's Lambda API, for the stratus command: libcurl, each
// request signed with SigV4 under the caller's credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; test ones otherwise, which a loopback server
// accepts), so the command works against a server exposed with --credentials too. The CLI's
// main thread only.
#pragma once

#include <map>
#include <string>

namespace stratus::triggers::cli {

struct ClientResponse {
  long status = 0;                            // 0: no answer (transport_error says why)
  std::map<std::string, std::string> headers;  // names lower case
  std::string body;
  std::string transport_error;
};

class LambdaClient {
 public:
  // `endpoint`: "http://127.0.0.1:9000" (a trailing slash is dropped). `service` names the
  // signature's scope ("lambda", "logs").
  LambdaClient(std::string endpoint, std::string region, std::string service = "lambda");

  // `path`: path and query, percent-encoded as sent ("/2015-03-31/functions?MaxItems=5").
  ClientResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {});
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string endpoint_, host_, region_, service_;
};

// The server a command talks to by default: $AWS_ENDPOINT_URL_LAMBDA, $AWS_ENDPOINT_URL, then
// http://127.0.0.1:9000.
std::string defaultEndpoint();
// The region: $AWS_REGION, $AWS_DEFAULT_REGION, then us-east-1.
std::string defaultRegion();
// "/2015-03-31/functions/" + the name percent-encoded (a name, an ARN or a partial ARN).
std::string functionPath(const std::string& name);
std::string percentEncode(const std::string& text);
// What went wrong, as one line a person can act on: AWS's error type and message from the
// answer's body, or the transport error with the endpoint named.
std::string describeFailure(const ClientResponse& r, const std::string& endpoint);

}  // namespace stratus::triggers::cli
