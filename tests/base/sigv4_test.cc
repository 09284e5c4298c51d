// SigV4 against AWS's published Signature Version 4 test suite (service "service", us-east-1,
// the documented example key, 2015-08-30T12:36:00Z) and the S3 examples of AWS's "Authenticating
// Requests" pages; then verification outcomes. botocore itself is checked end to end in
// tests/e2e/test_exposure.py.
#include "runtime/base/sigv4.h"

#include <gtest/gtest.h>

#include "runtime/base/crypto.h"

namespace stratus::sigv4 {
namespace {

constexpr const char* kKey = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kDate = "20150830T123600Z";

HttpRequest suiteRequest(const std::string& method, const std::string& target,
                         std::map<std::string, std::string> extra = {}, std::string body = "") {
  HttpRequest r;
  r.method = method;
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  r.headers = std::move(extra);
  r.headers["host"] = "example.amazonaws.com";
  r.headers["x-amz-date"] = kDate;
  r.body = std::move(body);
  return r;
}

std::string suiteSignature(const HttpRequest& r, std::vector<std::string> signed_headers) {
  std::string auth =
      authorizationHeader(r, {kKey, kSecret, "us-east-1", "service", kDate}, signed_headers);
  return auth.substr(auth.rfind('=') + 1);
}

struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;
  std::map<std::string, std::string> headers;
  const char* body;
  std::vector<std::string> signed_headers;
  const char* signature;
};

TEST(SigV4Suite, PublishedVectors) {
  const std::vector<std::string> basic = {"host", "x-amz-date"};
  const std::vector<SuiteCase> cases = {
      {"get-vanilla", "GET", "/", {}, "", basic,
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", {}, "", basic,
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved", "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {}, "", basic, "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query", "GET", "/?\xE1\x88\xB4=bar", {}, "", basic,
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-unreserved", "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {}, "", basic,
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8", "GET", "/\xE1\x88\xB4", {}, "", basic,
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-header-value-trim", "GET", "/",
       {{"my-header1", " value1"}, {"my-header2", " \"a   b   c\""}}, "",
       {"host", "my-header1", "my-header2", "x-amz-date"},
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate", "GET", "/", {{"my-header1", "value2,value2,value1"}}, "",
       {"host", "my-header1", "x-amz-date"},
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"post-vanilla", "POST", "/", {}, "", basic,
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query", "POST", "/?Param1=value1", {}, "", basic,
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-key-sort", "POST", "/", {{"my-header1", "value1"}}, "",
       {"host", "my-header1", "x-amz-date"},
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case", "POST", "/", {{"my-header1", "VALUE1"}}, "",
       {"host", "my-header1", "x-amz-date"},
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded", "POST", "/",
       {{"content-type", "application/x-www-form-urlencoded"}}, "Param1=value1",
       {"content-type", "host", "x-amz-date"},
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-sts-header-before", "POST", "/",
       {{"x-amz-security-token",
         "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmx"
         "fpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0"
         "KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64l"
         "IZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="}},
       "", {"host", "x-amz-date", "x-amz-security-token"},
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
  for (const SuiteCase& c : cases) {
    HttpRequest r = suiteRequest(c.method, c.target, c.headers, c.body);
    EXPECT_EQ(suiteSignature(r, c.signed_headers), c.signature) << c.name;
    // And the verifier accepts what it was given, at the suite's instant.
    r.headers["authorization"] =
        authorizationHeader(r, {kKey, kSecret, "us-east-1", "service", kDate}, c.signed_headers);
    Verdict v = verify(
        r, [](const std::string& k) -> std::optional<std::string> {
          return k == kKey ? std::optional<std::string>(kSecret) : std::nullopt;
        },
        {*parseAmzDate(kDate), 900, "us-east-1"});
    EXPECT_TRUE(v.ok()) << c.name << ": " << v.message;
  }
}

TEST(SigV4Suite, CanonicalRequestAndStringToSignOfGetVanilla) {
  HttpRequest r = suiteRequest("GET", "/");
  std::string creq = canonicalRequest("GET", canonicalUri(r.path, "service"),
                                      canonicalQuery(r.query, false), r.headers,
                                      {"host", "x-amz-date"}, sha256Hex(""));
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(stringToSign(kDate, "20150830/us-east-1/service/aws4_request", creq),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SigV4Suite, NormalizePath) {
  // The suite's normalize-path group: get-relative, get-relative-relative, get-slash,
  // get-slash-dot-slash, get-slash-pointless-dot, get-slashes, get-space.
  EXPECT_EQ(canonicalUri("/example/..", "service"), "/");
  EXPECT_EQ(canonicalUri("/example1/example2/../..", "service"), "/");
  EXPECT_EQ(canonicalUri("//", "service"), "/");
  EXPECT_EQ(canonicalUri("/./", "service"), "/");
  EXPECT_EQ(canonicalUri("/./example", "service"), "/example");
  EXPECT_EQ(canonicalUri("//example//", "service"), "/example/");
  EXPECT_EQ(canonicalUri("/example space/", "service"), "/example%20space/");
  EXPECT_EQ(canonicalUri("", "service"), "/");
}

TEST(SigV4, LambdaPathsAreEncodedTwiceButS3PathsAreNot) {
  // botocore sends GetFunction of "arn:aws:lambda:...:function:f" as .../arn%3Aaws%3A...
  EXPECT_EQ(canonicalUri("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A0%3Afunction%3Af"
                         "/invocations",
                         "lambda"),
            "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A0%253Afunction%253Af"
            "/invocations");
  EXPECT_EQ(canonicalUri("/my%20bucket/a//b", "s3"), "/my%20bucket/a//b");
}

TEST(SigV4, CanonicalQueryDecodesThenEncodesAndSorts) {
  EXPECT_EQ(canonicalQuery("b=2&a=%7e&a=1&Marker=x%2Fy&empty", false), "Marker=x%2Fy&a=1&a=~&b=2&empty=");
  EXPECT_EQ(canonicalQuery("X-Amz-Signature=abc&X-Amz-Date=1", true), "X-Amz-Date=1");
  EXPECT_EQ(canonicalQuery("q=a+b", false), "q=a%2Bb");  // '+' is literal, as AWS SDKs send it
}

// S3's example from "Authenticating Requests: Using Query Parameters" (a presigned GET).
TEST(SigV4, PresignedS3ExampleVerifies) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/test.txt";
  r.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
      "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  r.headers["host"] = "examplebucket.s3.amazonaws.com";
  auto secrets = [](const std::string& k) -> std::optional<std::string> {
    if (k != "AKIAIOSFODNN7EXAMPLE") return std::nullopt;
    return std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  };
  int64_t signed_at = *parseAmzDate("20130524T000000Z");
  Verdict v = verify(r, secrets, {signed_at + 3600, 900, "us-east-1"});
  EXPECT_TRUE(v.ok()) << v.message;
  // Past X-Amz-Expires (a day) it is refused.
  v = verify(r, secrets, {signed_at + 86401, 900, ""});
  EXPECT_EQ(v.outcome, Outcome::kExpired) << v.message;
  // A changed parameter breaks it.
  r.query.replace(r.query.find("86400"), 5, "86401");
  v = verify(r, secrets, {signed_at + 60, 900, ""});
  EXPECT_EQ(v.outcome, Outcome::kBadSignature) << v.message;
  EXPECT_EQ(v.error_type, "InvalidSignatureException");
}

// S3's example from "Authenticating Requests: Using the Authorization Header" (GET with Range).
TEST(SigV4, HeaderS3ExampleSigns) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/test.txt";
  r.headers = {{"host", "examplebucket.s3.amazonaws.com"},
               {"range", "bytes=0-9"},
               {"x-amz-content-sha256", sha256Hex("")},
               {"x-amz-date", "20130524T000000Z"}};
  std::string auth = authorizationHeader(
      r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3",
          "20130524T000000Z"},
      {"host", "range", "x-amz-content-sha256", "x-amz-date"});
  EXPECT_EQ(auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

class SigV4Verify : public ::testing::Test {
 protected:
  SigV4Verify() {
    request_ = suiteRequest("POST", "/2015-03-31/functions/f%3A1/invocations?Qualifier=%24LATEST",
                            {{"content-type", "application/json"}}, "{\"a\":1}");
    now_ = *parseAmzDate(kDate);
  }
  void sign(const std::string& secret = kSecret, const std::string& key = kKey) {
    request_.headers["authorization"] =
        authorizationHeader(request_, {key, secret, "us-east-1", "lambda", kDate},
                            {"content-type", "host", "x-amz-date"});
  }
  Verdict check(int64_t at = 0) {
    return verify(
        request_,
        [](const std::string& k) -> std::optional<std::string> {
          return k == kKey ? std::optional<std::string>(kSecret) : std::nullopt;
        },
        {at ? at : now_, 900, "us-east-1"});
  }
  HttpRequest request_;
  int64_t now_ = 0;
};

TEST_F(SigV4Verify, RightKeyPasses) {
  sign();
  Verdict v = check();
  EXPECT_TRUE(v.ok()) << v.message;
  EXPECT_EQ(v.access_key, kKey);
  EXPECT_EQ(v.service, "lambda");
}

TEST_F(SigV4Verify, MissingAuthentication) {
  Verdict v = check();
  EXPECT_EQ(v.outcome, Outcome::kMissing);
  EXPECT_EQ(v.status, 403);
  EXPECT_EQ(v.error_type, "MissingAuthenticationTokenException");
  EXPECT_EQ(v.message, "Missing Authentication Token");
}

TEST_F(SigV4Verify, WrongSecret) {
  sign("not-the-secret");
  Verdict v = check();
  EXPECT_EQ(v.outcome, Outcome::kBadSignature);
  EXPECT_EQ(v.error_type, "InvalidSignatureException");
  EXPECT_EQ(v.message.rfind("The request signature we calculated does not match the signature "
                            "you provided.", 0),
            0u);
}

TEST_F(SigV4Verify, UnknownKey) {
  sign(kSecret, "AKIDSOMEONEELSE");
  Verdict v = check();
  EXPECT_EQ(v.outcome, Outcome::kUnknownKey);
  EXPECT_EQ(v.error_type, "UnrecognizedClientException");
  EXPECT_EQ(v.message, "The security token included in the request is invalid.");
}

TEST_F(SigV4Verify, TamperedBodyPathOrQueryFails) {
  sign();
  HttpRequest original = request_;
  request_.body = "{\"a\":2}";
  EXPECT_EQ(check().outcome, Outcome::kBadSignature);
  request_ = original;
  request_.path = "/2015-03-31/functions/g%3A1/invocations";
  EXPECT_EQ(check().outcome, Outcome::kBadSignature);
  request_ = original;
  request_.query = "Qualifier=1";
  EXPECT_EQ(check().outcome, Outcome::kBadSignature);
  request_ = original;
  request_.headers["x-amz-content-sha256"] = sha256Hex("other");  // a hash that is not the body's
  EXPECT_EQ(check().outcome, Outcome::kBadSignature);
  request_ = original;
  EXPECT_TRUE(check().ok());
}

TEST_F(SigV4Verify, ClockSkewOfFifteenMinutes) {
  sign();
  EXPECT_TRUE(check(now_ + 899).ok());
  Verdict late = check(now_ + 16 * 60);
  EXPECT_EQ(late.outcome, Outcome::kExpired);
  EXPECT_EQ(late.error_type, "InvalidSignatureException");
  EXPECT_EQ(late.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
  Verdict early = check(now_ - 16 * 60);
  EXPECT_EQ(early.outcome, Outcome::kExpired);
  EXPECT_EQ(early.message.rfind("Signature not yet current: 20150830T123600Z is still later than",
                                0),
            0u);
}

TEST_F(SigV4Verify, MalformedAuthorizationIsIncomplete) {
  request_.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1";
  Verdict v = check();
  EXPECT_EQ(v.outcome, Outcome::kIncomplete);
  EXPECT_EQ(v.error_type, "IncompleteSignatureException");
  request_.headers["authorization"] = "Basic dXNlcjpwYXNz";
  EXPECT_EQ(check().outcome, Outcome::kIncomplete);
  sign();
  std::string& a = request_.headers["authorization"];
  a.replace(a.find("host;"), 5, "");  // Host unsigned
  EXPECT_EQ(check().outcome, Outcome::kIncomplete);
}

TEST_F(SigV4Verify, ScopeMustNameOurRegionAndTheRequestDate) {
  request_.headers["authorization"] =
      authorizationHeader(request_, {kKey, kSecret, "eu-west-1", "lambda", kDate},
                          {"content-type", "host", "x-amz-date"});
  Verdict v = check();
  EXPECT_EQ(v.outcome, Outcome::kBadSignature);
  EXPECT_EQ(v.message, "Credential should be scoped to a valid region, not 'eu-west-1'. ");
  sign();
  request_.headers["x-amz-date"] = "20150831T000000Z";
  EXPECT_EQ(check(*parseAmzDate("20150831T000000Z")).outcome, Outcome::kBadSignature);
}

TEST(SigV4Dates, ParseAndFormat) {
  EXPECT_EQ(parseAmzDate("20150830T123600Z"), 1440938160);
  EXPECT_EQ(formatAmzDate(1440938160), "20150830T123600Z");
  EXPECT_FALSE(parseAmzDate("2015-08-30T12:36:00Z"));
  EXPECT_FALSE(parseAmzDate("20151330T123600Z"));
  EXPECT_FALSE(parseAmzDate(""));
}

}  // namespace
}  // namespace stratus::sigv4
