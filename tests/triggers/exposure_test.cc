// The front door's exposure policy on its own: Host, Origin, signatures, credentials files.
// tests/e2e/test_exposure.py drives the same through the real server with boto3 and the CLI.
#include "triggers/exposure.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "runtime/base/sigv4.h"

namespace stratus::triggers {
namespace {

HttpRequest get(const std::string& host, const std::string& path = "/2015-03-31/functions/") {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.target = path;
  if (!host.empty()) r.headers["host"] = host;
  return r;
}

std::string errorType(const std::optional<HttpResponse>& r) {
  if (!r) return "";
  for (const auto& [name, value] : r->headers) {
    if (name == "x-amzn-ErrorType") return value;
  }
  return "?";
}

TEST(Exposure, LoopbackAcceptsLoopbackNamesAndNoSignature) {
  Exposure e({});
  EXPECT_FALSE(e.signaturesRequired());
  for (const char* host : {"localhost", "localhost:9000", "127.0.0.1:1", "[::1]:9000", "[::1]",
                           "fn.lambda-url.us-east-1.localhost:9000", "LocalHost"}) {
    EXPECT_FALSE(e.check(get(host), "id")) << host;
  }
  for (const char* host : {"evil.example", "127.0.0.1.nip.io", "localhost.", "[::2]:1", "a b",
                           "localhost:", "localhost:x", "localhost:123456", "[::1", "evil/x"}) {
    auto r = e.check(get(host), "id");
    ASSERT_TRUE(r) << host;
    EXPECT_EQ(r->status, 403) << host;
    EXPECT_EQ(errorType(r), "AccessDeniedException") << host;
  }
}

TEST(Exposure, MissingHostIs400OnHttp11Only) {
  Exposure e({});
  HttpRequest r = get("");
  auto refused = e.check(r, "id");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  r.http_minor = 0;
  EXPECT_FALSE(e.check(r, "id"));
}

TEST(Exposure, ListenAddressAndAllowHostAreAccepted) {
  ExposureOptions o;
  o.listen_host = "192.0.2.2";
  o.credentials["AKID"] = "secret";
  o.allow_hosts = {"stratus.internal"};
  Exposure e(o);
  EXPECT_TRUE(e.signaturesRequired());
  // Health needs no signature, so the Host verdict shows alone.
  EXPECT_FALSE(e.check(get("192.0.2.2:9000", "/_stratus/health"), "id"));
  EXPECT_FALSE(e.check(get("stratus.internal", "/_stratus/health"), "id"));
  EXPECT_TRUE(e.check(get("192.0.2.3", "/_stratus/health"), "id"));
}

TEST(Exposure, OriginMustBeAllowed) {
  ExposureOptions o;
  o.allow_origins = {"http://app.example"};
  Exposure e(o);
  HttpRequest r = get("localhost");
  r.headers["origin"] = "http://evil.example";
  auto refused = e.check(r, "id");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("--allow-origin http://evil.example"), std::string::npos);
  r.headers["origin"] = "http://app.example";
  EXPECT_FALSE(e.check(r, "id"));
  r.method = "OPTIONS";
  r.headers["access-control-request-method"] = "POST";
  auto preflight = e.check(r, "id");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 200);
  HttpResponse plain;
  e.decorate("http://app.example", plain);
  EXPECT_FALSE(plain.headers.empty());
  HttpResponse other;
  e.decorate("http://evil.example", other);
  EXPECT_TRUE(other.headers.empty());
  Exposure any(ExposureOptions{"127.0.0.1", {}, {"*"}, {}, "us-east-1"});
  r.method = "GET";
  r.headers["origin"] = "null";
  EXPECT_FALSE(any.check(r, "id"));
}

TEST(Exposure, OffLoopbackEveryRequestIsVerified) {
  ExposureOptions o;
  o.listen_host = "0.0.0.0";
  o.credentials["AKIDGOOD"] = "good-secret";
  Exposure e(o);
  HttpRequest r = get("127.0.0.1:9000");
  EXPECT_EQ(errorType(e.check(r, "id")), "MissingAuthenticationTokenException");
  r.headers["x-amz-date"] = sigv4::formatAmzDate(std::time(nullptr));
  auto sign = [&](const std::string& key, const std::string& secret, const std::string& region) {
    r.headers.erase("authorization");
    r.headers["authorization"] = sigv4::authorizationHeader(
        r, {key, secret, region, "lambda", r.headers["x-amz-date"]}, {"host", "x-amz-date"});
  };
  sign("AKIDGOOD", "good-secret", "us-east-1");
  EXPECT_FALSE(e.check(r, "id"));
  sign("AKIDGOOD", "bad-secret", "us-east-1");
  EXPECT_EQ(errorType(e.check(r, "id")), "InvalidSignatureException");
  sign("AKIDOTHER", "good-secret", "us-east-1");
  EXPECT_EQ(errorType(e.check(r, "id")), "UnrecognizedClientException");
  sign("AKIDGOOD", "good-secret", "eu-west-1");
  EXPECT_EQ(errorType(e.check(r, "id")), "InvalidSignatureException");
  // A foreign Host is refused before any signature is looked at.
  r.headers["host"] = "evil.example";
  EXPECT_EQ(errorType(e.check(r, "id")), "AccessDeniedException");
}

TEST(Exposure, LoopbackHosts) {
  EXPECT_TRUE(isLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(isLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(isLoopbackHost("::1"));
  EXPECT_TRUE(isLoopbackHost("[::1]"));
  EXPECT_TRUE(isLoopbackHost("localhost"));
  EXPECT_FALSE(isLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(isLoopbackHost("::"));
  EXPECT_FALSE(isLoopbackHost(""));
  EXPECT_FALSE(isLoopbackHost("192.0.2.2"));
  EXPECT_FALSE(isLoopbackHost("128.0.0.1"));
}

TEST(Exposure, CredentialsFromFlagsAndFiles) {
  std::map<std::string, std::string> creds;
  EXPECT_TRUE(parseCredential("AKID1:sec:with:colons", creds));
  EXPECT_EQ(creds["AKID1"], "sec:with:colons");
  EXPECT_FALSE(parseCredential("nocolon", creds));
  EXPECT_FALSE(parseCredential(":secret", creds));
  EXPECT_FALSE(parseCredential("key:", creds));
  EXPECT_FALSE(parseCredential("a/b:secret", creds));

  char path[] = "/tmp/stratus-creds-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream f(path);
    f << "# a comment\nAKID2:two\n\n[profile x]\naws_access_key_id = AKID3\n"
         "aws_secret_access_key = three\n";
  }
  EXPECT_TRUE(loadCredentialsFile(path, creds).ok());
  EXPECT_EQ(creds["AKID2"], "two");
  EXPECT_EQ(creds["AKID3"], "three");
  {
    std::ofstream f(path);
    f << "AKID4 four\n";
  }
  EXPECT_FALSE(loadCredentialsFile(path, creds).ok());
  std::remove(path);
  EXPECT_FALSE(loadCredentialsFile("/nonexistent/creds", creds).ok());
}

}  // namespace
}  // namespace stratus::triggers
