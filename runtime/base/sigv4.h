// AWS Signature Version 4 (AWS4-HMAC-SHA256), verified as AWS's front ends verify it: the
// Authorization header form and the presigned query-string form (X-Amz-Algorithm, ...). Not
// tied to any one service: the credential scope names the service, and only S3 is signed over
// its path as sent (every other service's path is normalized and percent-encoded once more,
// which is why botocore's Lambda paths arrive "double-encoded"). Pure functions; any thread.
//
// A limit of our HttpRequest: repeated headers reach us joined with ", ", whereas AWS signs
// them joined with ","; a request that repeats a signed header fails verification (no AWS SDK
// repeats one).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/http_server.h"

namespace stratus::sigv4 {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// ---- The steps of the algorithm (public so tests check each against AWS's suite) ----

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~),
// upper-case hex; '/' kept if keep_slash.
std::string uriEncode(std::string_view s, bool keep_slash);
// The canonical URI of a path as received (still percent-encoded). For every service but S3:
// dot segments and empty segments removed, then encoded again. S3: the path as is.
std::string canonicalUri(std::string_view raw_path, std::string_view service);
// The canonical query string of a raw query: each name and value decoded, encoded again,
// sorted by name then value. drop_signature leaves X-Amz-Signature out (presigned requests).
std::string canonicalQuery(std::string_view raw_query, bool drop_signature);
// Lower-case header names -> values; values are trimmed and inner runs of spaces collapsed.
std::string canonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query,
                             const std::map<std::string, std::string>& headers,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash);
std::string stringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);
// Hex HMAC of the string to sign with the signing key.
std::string signature(std::string_view signing_key, std::string_view string_to_sign);

// ---- Signing (as botocore signs: for tests and for Stratus's own clients) ----

struct SigningInput {
  std::string access_key;
  std::string secret;
  std::string region;
  std::string service;
  std::string amz_date;  // "20150830T123600Z"
};
// The Authorization header value for `request` (path, query, headers, body as they will be
// sent), signing all of `signed_headers` (lower case; must include "host").
std::string authorizationHeader(const HttpRequest& request, const SigningInput& in,
                                std::vector<std::string> signed_headers);

// ---- Verification ----

enum class Outcome {
  kOk,
  kMissing,       // no Authorization header and no X-Amz-Algorithm parameter
  kIncomplete,    // malformed: a part missing, another algorithm, a bad credential scope
  kUnknownKey,    // the access key id is not one of ours
  kBadSignature,  // the signature does not match, or the scope names another region
  kExpired,       // X-Amz-Date outside the allowed skew, or a presigned URL past X-Amz-Expires
};

struct Verdict {
  Outcome outcome = Outcome::kMissing;
  int status = 403;         // what AWS answers
  std::string error_type;   // AWS's error type, e.g. "InvalidSignatureException"
  std::string message;      // AWS's message
  std::string access_key;   // the caller's key id, when it could be read
  std::string service;      // the credential scope's service, when it could be read
  bool ok() const { return outcome == Outcome::kOk; }
};

struct VerifyOptions {
  int64_t now_unix_s = 0;
  int64_t max_skew_s = 15 * 60;
  std::string region;  // the region a credential scope must name; empty: any
};

// Secret for an access key id, or nullopt for a key we do not know.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key)>;

Verdict verify(const HttpRequest& request, const SecretLookup& secret_for,
               const VerifyOptions& options);

// "20150830T123600Z" <-> Unix seconds; nullopt if malformed.
std::optional<int64_t> parseAmzDate(std::string_view text);
std::string formatAmzDate(int64_t unix_s);

}  // namespace stratus::sigv4
