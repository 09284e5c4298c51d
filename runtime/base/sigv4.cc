#include "runtime/base/sigv4.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include "runtime/base/crypto.h"

namespace stratus::sigv4 {

namespace {

constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trimall: trimmed, each run of whitespace inside one space (botocore: ' '.join(v.split())).
std::string trimAll(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                 : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// The value of query parameter `name` (decoded), if present.
std::optional<std::string> queryParam(std::string_view raw_query, std::string_view name) {
  for (std::string_view part : split(raw_query, '&')) {
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    if (percentDecode(std::string(key)) != name) continue;
    return percentDecode(std::string(eq == std::string_view::npos ? "" : part.substr(eq + 1)));
  }
  return std::nullopt;
}

Verdict fail(Outcome outcome, std::string type, std::string message, int status = 403) {
  Verdict v;
  v.outcome = outcome;
  v.status = status;
  v.error_type = std::move(type);
  v.message = std::move(message);
  return v;
}

Verdict incomplete(std::string message) {
  return fail(Outcome::kIncomplete, "IncompleteSignatureException", std::move(message));
}

// What a request claims: from its Authorization header or its presigned query.
struct Claim {
  bool presigned = false;
  std::string credential;  // "AKID/20150830/us-east-1/service/aws4_request"
  std::string signed_headers;
  std::string signature;
  std::string amz_date;
  int64_t expires_s = 0;  // presigned only
};

std::optional<Verdict> readHeaderClaim(const HttpRequest& r, Claim& claim) {
  std::string_view auth = trimSpaces(r.header("authorization"));
  if (auth.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (auth.size() > kAlgorithm.size() && auth[kAlgorithm.size()] != ' ')) {
    return incomplete("Authorization header requires 'Credential' parameter. Authorization "
                      "header requires 'Signature' parameter. Authorization header requires "
                      "'SignedHeaders' parameter. Authorization header requires existence of "
                      "either a 'X-Amz-Date' or a 'Date' header. Authorization=" +
                      std::string(auth.substr(0, auth.find(' '))));
  }
  for (std::string_view part : split(auth.substr(kAlgorithm.size()), ',')) {
    part = trimSpaces(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq);
    std::string value(trimSpaces(part.substr(eq + 1)));
    if (key == "Credential") claim.credential = value;
    if (key == "SignedHeaders") claim.signed_headers = value;
    if (key == "Signature") claim.signature = value;
  }
  std::string missing;
  if (claim.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (claim.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (claim.signed_headers.empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  claim.amz_date = r.header("x-amz-date");
  if (claim.amz_date.empty()) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
               "header. ";
  }
  if (!missing.empty()) {
    return incomplete(missing + "Authorization=" + std::string(auth.substr(0, 512)));
  }
  return std::nullopt;
}

std::optional<Verdict> readQueryClaim(const HttpRequest& r, Claim& claim) {
  claim.presigned = true;
  std::string algorithm = queryParam(r.query, "X-Amz-Algorithm").value_or("");
  if (algorithm != kAlgorithm) {
    return incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  const char* required[] = {"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature",
                            "X-Amz-Date"};
  std::string* into[] = {&claim.credential, &claim.signed_headers, &claim.signature,
                         &claim.amz_date};
  std::string missing;
  for (size_t i = 0; i < 4; ++i) {
    *into[i] = queryParam(r.query, required[i]).value_or("");
    if (into[i]->empty()) missing += std::string(" ") + required[i];
  }
  std::string expires = queryParam(r.query, "X-Amz-Expires").value_or("");
  if (expires.empty()) missing += " X-Amz-Expires";
  if (!missing.empty()) {
    return incomplete("AWS query-string parameters must include" + missing +
                      ". Re-examine the query-string parameters.");
  }
  if (expires.size() > 7 || expires.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(expires) > 604800) {
    return incomplete("X-Amz-Expires must be a number of seconds no larger than 604800");
  }
  claim.expires_s = std::stoll(expires);
  return std::nullopt;
}

std::string payloadHashFor(const HttpRequest& r, bool presigned, bool& mismatch) {
  mismatch = false;
  const std::string& claimed = r.header("x-amz-content-sha256");
  if (claimed.empty()) return presigned ? std::string(kUnsignedPayload) : sha256Hex(r.body);
  if (claimed == kUnsignedPayload) return claimed;
  // A hash that is not the body's would let a body be swapped under a valid signature.
  if (claimed.size() == 64 && claimed != sha256Hex(r.body)) mismatch = true;
  return claimed;
}

}  // namespace

// ---- Steps ----

std::string uriEncode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (isUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string canonicalUri(std::string_view raw_path, std::string_view service) {
  if (service == "s3") return raw_path.empty() ? "/" : std::string(raw_path);
  if (raw_path.empty()) return "/";
  // RFC 3986 remove_dot_segments, and empty segments dropped (botocore's normalize_url_path).
  std::vector<std::string_view> kept;
  for (std::string_view segment : split(raw_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(segment);
  }
  std::string path = raw_path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) path += '/';
    path += kept[i];
  }
  if (raw_path.back() == '/' && !kept.empty()) path += '/';
  return uriEncode(path, true);
}

std::string canonicalQuery(std::string_view raw_query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!raw_query.empty()) {
    for (std::string_view part : split(raw_query, '&')) {
      if (part.empty()) continue;
      size_t eq = part.find('=');
      std::string name = percentDecode(std::string(part.substr(0, eq)));
      if (drop_signature && name == "X-Amz-Signature") continue;
      std::string value =
          eq == std::string_view::npos ? "" : percentDecode(std::string(part.substr(eq + 1)));
      pairs.emplace_back(uriEncode(name, false), uriEncode(value, false));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string canonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query,
                             const std::map<std::string, std::string>& headers,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash) {
  std::string out;
  out += method;
  out += '\n';
  out += canonical_uri;
  out += '\n';
  out += canonical_query;
  out += '\n';
  for (const std::string& name : signed_headers) {
    auto it = headers.find(name);
    out += name;
    out += ':';
    if (it != headers.end()) out += trimAll(it->second);
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string stringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256Hex(canonical_request);
  return out;
}

std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string key = hmacSha256Raw("AWS4" + std::string(secret), date);
  key = hmacSha256Raw(key, region);
  key = hmacSha256Raw(key, service);
  return hmacSha256Raw(key, kTerminator);
}

std::string signature(std::string_view signing_key, std::string_view string_to_sign) {
  return hexEncode(hmacSha256Raw(signing_key, string_to_sign));
}

// ---- Signing ----

std::string authorizationHeader(const HttpRequest& request, const SigningInput& in,
                                std::vector<std::string> signed_headers) {
  std::sort(signed_headers.begin(), signed_headers.end());
  std::string date = in.amz_date.substr(0, 8);
  std::string scope = date + "/" + in.region + "/" + in.service + "/" + std::string(kTerminator);
  bool mismatch = false;
  std::string creq = canonicalRequest(request.method, canonicalUri(request.path, in.service),
                                      canonicalQuery(request.query, false), request.headers,
                                      signed_headers, payloadHashFor(request, false, mismatch));
  std::string sig = signature(signingKey(in.secret, date, in.region, in.service),
                              stringToSign(in.amz_date, scope, creq));
  std::string names;
  for (const std::string& h : signed_headers) names += (names.empty() ? "" : ";") + h;
  return std::string(kAlgorithm) + " Credential=" + in.access_key + "/" + scope +
         ", SignedHeaders=" + names + ", Signature=" + sig;
}

// ---- Verification ----

std::optional<int64_t> parseAmzDate(std::string_view t) {
  if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (t[i] < '0' || t[i] > '9')) return std::nullopt;
  }
  auto num = [&](size_t at, size_t len) { return std::stoi(std::string(t.substr(at, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string formatAmzDate(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Verdict verify(const HttpRequest& request, const SecretLookup& secret_for,
               const VerifyOptions& options) {
  Claim claim;
  bool has_header = !request.header("authorization").empty();
  bool has_query = queryParam(request.query, "X-Amz-Algorithm").has_value();
  if (!has_header && !has_query) {
    return fail(Outcome::kMissing, "MissingAuthenticationTokenException",
                "Missing Authentication Token");
  }
  if (auto bad = has_header ? readHeaderClaim(request, claim) : readQueryClaim(request, claim)) {
    return *bad;
  }

  // Credential: AKID/date/region/service/aws4_request (the key id may not hold '/').
  std::vector<std::string_view> scope = split(claim.credential, '/');
  if (scope.size() != 5 || scope[0].empty()) {
    return incomplete("Credential should be scoped to a valid region. Credential should be "
                      "scoped to correct service. Credential should be scoped with a valid "
                      "terminator: 'aws4_request'. Credential=" + claim.credential.substr(0, 256));
  }
  if (scope[4] != kTerminator) {
    return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', "
                      "not '" + std::string(scope[4].substr(0, 64)) + "'.");
  }
  std::string access_key(scope[0]);
  std::string date(scope[1]), region(scope[2]), service(scope[3]);

  std::optional<int64_t> when = parseAmzDate(claim.amz_date);
  if (!when) {
    return incomplete("Date must be in ISO-8601 'basic format'. Got '" +
                      claim.amz_date.substr(0, 64) + "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  if (date != claim.amz_date.substr(0, 8)) {
    return fail(Outcome::kBadSignature, "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                "from HTTP: '" + date.substr(0, 16) + "' != '" + claim.amz_date.substr(0, 8) +
                    "', from '" + claim.amz_date + "'.");
  }
  if (!options.region.empty() && region != options.region) {
    return fail(Outcome::kBadSignature, "InvalidSignatureException",
                "Credential should be scoped to a valid region, not '" + region.substr(0, 64) +
                    "'. ");
  }

  std::vector<std::string> signed_headers;
  for (std::string_view h : split(claim.signed_headers, ';')) {
    if (!h.empty()) signed_headers.emplace_back(h);
  }
  if (std::find(signed_headers.begin(), signed_headers.end(), "host") == signed_headers.end()) {
    return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                      "Authorization.");
  }

  // The clock: the skew window for signed headers, X-Amz-Expires for presigned URLs.
  int64_t now = options.now_unix_s;
  int minutes = static_cast<int>(options.max_skew_s / 60);
  if (claim.presigned) {
    if (now > *when + claim.expires_s) {
      return fail(Outcome::kExpired, "InvalidSignatureException",
                  "Signature expired: " + claim.amz_date + " is now earlier than " +
                      formatAmzDate(now - claim.expires_s) + " (" + formatAmzDate(now) + " - " +
                      std::to_string(claim.expires_s) + " sec.)");
    }
    if (*when > now + options.max_skew_s) {
      return fail(Outcome::kExpired, "InvalidSignatureException",
                  "Signature not yet current: " + claim.amz_date + " is still later than " +
                      formatAmzDate(now + options.max_skew_s) + " (" + formatAmzDate(now) +
                      " + " + std::to_string(minutes) + " min.)");
    }
  } else if (*when < now - options.max_skew_s) {
    return fail(Outcome::kExpired, "InvalidSignatureException",
                "Signature expired: " + claim.amz_date + " is now earlier than " +
                    formatAmzDate(now - options.max_skew_s) + " (" + formatAmzDate(now) + " - " +
                    std::to_string(minutes) + " min.)");
  } else if (*when > now + options.max_skew_s) {
    return fail(Outcome::kExpired, "InvalidSignatureException",
                "Signature not yet current: " + claim.amz_date + " is still later than " +
                    formatAmzDate(now + options.max_skew_s) + " (" + formatAmzDate(now) + " + " +
                    std::to_string(minutes) + " min.)");
  }

  std::optional<std::string> secret = secret_for ? secret_for(access_key) : std::nullopt;
  if (!secret) {
    Verdict v = fail(Outcome::kUnknownKey, "UnrecognizedClientException",
                     "The security token included in the request is invalid.");
    v.access_key = access_key;
    return v;
  }

  bool mismatch = false;
  std::string payload_hash = payloadHashFor(request, claim.presigned, mismatch);
  std::string scope_text = date + "/" + region + "/" + service + "/" + std::string(kTerminator);
  std::string key = signingKey(*secret, date, region, service);
  auto matches = [&](std::string_view hash) {
    std::string creq = canonicalRequest(request.method, canonicalUri(request.path, service),
                                        canonicalQuery(request.query, claim.presigned),
                                        request.headers, signed_headers, hash);
    return constantTimeEquals(signature(key, stringToSign(claim.amz_date, scope_text, creq)),
                              claim.signature);
  };
  // A presigned URL for any service but S3 signs the body's hash (botocore's SigV4QueryAuth);
  // S3's sign UNSIGNED-PAYLOAD. Either is accepted.
  bool ok = !mismatch && (matches(payload_hash) ||
                          (claim.presigned && request.header("x-amz-content-sha256").empty() &&
                           matches(sha256Hex(request.body))));
  Verdict v;
  if (ok) {
    v.outcome = Outcome::kOk;
    v.status = 200;
  } else {
    v = fail(Outcome::kBadSignature, "InvalidSignatureException", std::string(kSignatureMismatch));
  }
  v.access_key = access_key;
  v.service = service;
  return v;
}

}  // namespace stratus::sigv4
