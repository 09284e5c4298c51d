// The Extensions API state machine on its own: requests go straight into handle(), answers are
// caught from the HttpRespond each carries, and deferred events are run by hand.
#include "runtime/rapi/extension_registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace stratus::rapi {
namespace {

struct Fixture {
  std::vector<std::function<void()>> deferred;
  int changes = 0;
  ExtensionRegistry registry;

  explicit Fixture(std::vector<std::string> external = {"logger"})
      : registry({"fn", "$LATEST", "index.handler", "123456789012"}, std::move(external),
                 ExtensionEvents{[this] { ++changes; }},
                 [this](std::function<void()> fn) { deferred.push_back(std::move(fn)); }) {}

  void runDeferred() {
    auto now = std::move(deferred);
    deferred.clear();
    for (auto& fn : now) fn();
  }
};

// One request; `answer` is set when the registry answers (now, or later for a held poll).
struct Call {
  std::shared_ptr<std::optional<HttpResponse>> answer = std::make_shared<std::optional<HttpResponse>>();
  HttpRespond respond() {
    auto a = answer;
    return [a](HttpResponse r) { *a = std::move(r); };
  }
  bool answered() const { return answer->has_value(); }
  int status() const { return (*answer)->status; }
  nlohmann::json body() const { return nlohmann::json::parse((*answer)->body); }
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : (*answer)->headers) {
      if (k == name) return v;
    }
    return "";
  }
};

HttpRequest request(const std::string& method, std::map<std::string, std::string> headers,
                    std::string body = "") {
  HttpRequest r;
  r.method = method;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

Call registerAs(Fixture& f, const std::string& name,
                const std::string& body = R"({"events":["INVOKE","SHUTDOWN"]})",
                std::map<std::string, std::string> extra = {}) {
  Call c;
  extra["lambda-extension-name"] = name;
  HttpRequest req = request("POST", extra, body);
  f.registry.handle(req, "/register", c.respond());
  return c;
}

Call next(Fixture& f, const std::string& id) {
  Call c;
  HttpRequest req = request("GET", {{"lambda-extension-identifier", id}});
  f.registry.handle(req, "/event/next", c.respond());
  return c;
}

Call postError(Fixture& f, const std::string& id, const std::string& path, const std::string& type) {
  Call c;
  std::map<std::string, std::string> h = {{"lambda-extension-identifier", id}};
  if (!type.empty()) h["lambda-extension-function-error-type"] = type;
  HttpRequest req = request("POST", h, R"({"errorMessage":"x","errorType":"y"})");
  f.registry.handle(req, path, c.respond());
  return c;
}

TEST(ExtensionRegistry, RegisterAnswersTheFunctionAndAnIdentifier) {
  Fixture f;
  Call c = registerAs(f, "logger", R"({"events":["INVOKE","SHUTDOWN"]})",
                      {{"lambda-extension-accept-feature", "accountId"}});
  ASSERT_TRUE(c.answered());
  EXPECT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("Lambda-Extension-Identifier").size(), 36u);
  EXPECT_EQ(c.body(), nlohmann::json({{"functionName", "fn"},
                                      {"functionVersion", "$LATEST"},
                                      {"handler", "index.handler"},
                                      {"accountId", "123456789012"}}));
  EXPECT_TRUE(f.registry.allRegistered());
  EXPECT_FALSE(f.registry.allWaiting());  // registered, not polling yet
  // accountId only for extensions that ask for it.
  Fixture g;
  EXPECT_FALSE(registerAs(g, "logger").body().contains("accountId"));
}

TEST(ExtensionRegistry, RefusesBadRegistrations) {
  Fixture f;
  Call empty = registerAs(f, "");
  EXPECT_EQ(empty.status(), 403);
  EXPECT_EQ(empty.body()["errorType"], "Extension.InvalidExtensionName");
  EXPECT_EQ(registerAs(f, "logger", "not json").body()["errorType"], "InvalidRequestFormat");
  EXPECT_EQ(registerAs(f, "logger", R"({"events":["BOGUS"]})").body()["errorType"],
            "Extension.InvalidEventType");
  // Internal extensions (not in /opt/extensions) cannot have SHUTDOWN.
  EXPECT_EQ(registerAs(f, "in-runtime", R"({"events":["SHUTDOWN"]})").body()["errorType"],
            "Extension.InvalidEventType");
  EXPECT_EQ(registerAs(f, "in-runtime", R"({"events":["INVOKE"]})").status(), 200);
  EXPECT_EQ(registerAs(f, "logger").status(), 200);
  Call twice = registerAs(f, "logger");
  EXPECT_EQ(twice.status(), 403);
  EXPECT_EQ(twice.body()["errorType"], "Extension.InvalidExtensionState");
  f.registry.closeRegistration();
  Call late = registerAs(f, "another");
  EXPECT_EQ(late.status(), 403);
  EXPECT_EQ(late.body()["errorType"], "Extension.RegistrationClosed");
}

TEST(ExtensionRegistry, AtMostTenExtensions) {
  Fixture f(std::vector<std::string>{});
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(registerAs(f, "e" + std::to_string(i), R"({"events":["INVOKE"]})").status(), 200);
  }
  EXPECT_EQ(registerAs(f, "e10", R"({"events":["INVOKE"]})").body()["errorType"],
            "Extension.TooManyExtensions");
}

TEST(ExtensionRegistry, IdentifiersAreChecked) {
  Fixture f;
  Call missing = next(f, "");
  EXPECT_EQ(missing.status(), 403);
  EXPECT_EQ(missing.body()["errorType"], "Extension.MissingExtensionIdentifier");
  EXPECT_EQ(next(f, "nope").body()["errorType"], "Extension.InvalidExtensionIdentifier");
  Call unknown = next(f, "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown.body()["errorType"], "Extension.UnknownExtensionIdentifier");
  EXPECT_EQ(unknown.body()["errorMessage"], "Unknown extension 00000000-0000-4000-8000-000000000000");
}

TEST(ExtensionRegistry, InvokeGoesToEachSubscriberAndTheInvokeEndsWhenAllPollAgain) {
  Fixture f({"a", "b"});
  std::string a = registerAs(f, "a").header("Lambda-Extension-Identifier");
  std::string b = registerAs(f, "b", R"({"events":["SHUTDOWN"]})").header("Lambda-Extension-Identifier");
  EXPECT_TRUE(f.registry.allRegistered());
  Call a1 = next(f, a);
  EXPECT_FALSE(a1.answered());  // long poll
  EXPECT_FALSE(f.registry.allWaiting());
  Call b1 = next(f, b);
  EXPECT_TRUE(f.registry.allWaiting());
  f.runDeferred();
  EXPECT_GE(f.changes, 1);

  f.registry.deliverInvoke({"req-1", 1234, "arn:aws:lambda:us-east-1:123456789012:function:fn", "Root=1-x"});
  ASSERT_TRUE(a1.answered());
  EXPECT_EQ(a1.status(), 200);
  EXPECT_EQ(a1.body(), nlohmann::json({{"eventType", "INVOKE"},
                                       {"deadlineMs", 1234},
                                       {"requestId", "req-1"},
                                       {"invokedFunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:fn"},
                                       {"tracing", {{"type", "X-Amzn-Trace-Id"}, {"value", "Root=1-x"}}}}));
  EXPECT_FALSE(b1.answered());  // b only wants SHUTDOWN
  EXPECT_FALSE(f.registry.allWaiting());
  Call a2 = next(f, a);
  EXPECT_TRUE(f.registry.allWaiting());
  EXPECT_EQ(f.registry.initLogLines(),
            "EXTENSION\tName: a\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n"
            "EXTENSION\tName: b\tState: Ready\tEvents: [SHUTDOWN]\n");

  // An extension that is not polling gets its event on its next poll.
  EXPECT_TRUE(f.registry.beginShutdown("spindown", 99));
  ASSERT_TRUE(a2.answered());
  ASSERT_TRUE(b1.answered());
  EXPECT_EQ(b1.body(), nlohmann::json({{"eventType", "SHUTDOWN"}, {"shutdownReason", "spindown"}, {"deadlineMs", 99}}));
  EXPECT_FALSE(f.registry.shutdownDone());
  Call a3 = next(f, a);
  EXPECT_FALSE(f.registry.shutdownDone());
  f.registry.extensionExited("b");  // exiting after SHUTDOWN is what it should do
  EXPECT_TRUE(f.registry.shutdownDone());
  EXPECT_FALSE(f.registry.failure());
}

TEST(ExtensionRegistry, QueuedInvokeIsHandedOverOnTheNextPoll) {
  Fixture f;
  std::string id = registerAs(f, "logger").header("Lambda-Extension-Identifier");
  f.registry.deliverInvoke({"req-2", 5, "arn", "t"});
  Call c = next(f, id);
  ASSERT_TRUE(c.answered());
  EXPECT_EQ(c.body()["requestId"], "req-2");
  EXPECT_FALSE(c.header("Lambda-Extension-Event-Identifier").empty());
}

TEST(ExtensionRegistry, NoShutdownSubscribersMeansNothingToWaitFor) {
  Fixture f;
  std::string id = registerAs(f, "logger", R"({"events":["INVOKE"]})").header("Lambda-Extension-Identifier");
  next(f, id);
  EXPECT_FALSE(f.registry.beginShutdown("spindown", 1));
  EXPECT_TRUE(f.registry.shutdownDone());
}

TEST(ExtensionRegistry, InitErrorIsAFailureAndOnlyBeforeTheFirstPoll) {
  Fixture f;
  std::string id = registerAs(f, "logger").header("Lambda-Extension-Identifier");
  Call no_header = postError(f, id, "/init/error", "");
  EXPECT_EQ(no_header.status(), 403);
  EXPECT_EQ(no_header.body()["errorType"], "Extension.MissingHeader");
  Call ok = postError(f, id, "/init/error", "Extension.ConfigInvalid");
  EXPECT_EQ(ok.status(), 202);
  ASSERT_TRUE(f.registry.failure());
  EXPECT_EQ(f.registry.failure()->error_type, "Extension.InitError");
  EXPECT_EQ(f.registry.failure()->reported, "Extension.ConfigInvalid");
  EXPECT_EQ(f.registry.failure()->extension, "logger");
  // Now in InitError: it cannot poll.
  Call after = next(f, id);
  EXPECT_EQ(after.status(), 403);
  EXPECT_EQ(after.body()["errorType"], "Extension.InvalidExtensionState");

  Fixture g;
  std::string gid = registerAs(g, "logger").header("Lambda-Extension-Identifier");
  next(g, gid);
  EXPECT_EQ(postError(g, gid, "/init/error", "Extension.X").status(), 403);
  EXPECT_EQ(postError(g, gid, "/exit/error", "Extension.X").status(), 202);
  EXPECT_EQ(g.registry.failure()->error_type, "Extension.ExitError");
}

TEST(ExtensionRegistry, ExitWithoutShutdownIsACrash) {
  Fixture f({"logger", "never"});
  std::string id = registerAs(f, "logger").header("Lambda-Extension-Identifier");
  next(f, id);
  EXPECT_FALSE(f.registry.allRegistered());
  f.registry.extensionExited("never");  // exited before registering
  ASSERT_TRUE(f.registry.failure());
  EXPECT_EQ(f.registry.failure()->error_type, "Extension.Crash");
  EXPECT_EQ(f.registry.failure()->extension, "never");
}

TEST(ExtensionRegistry, EventsAreDeferredAndDroppedWithTheRegistry) {
  int changes = 0;
  std::vector<std::function<void()>> deferred;
  {
    ExtensionRegistry r({"fn", "1", "h", ""}, {"x"}, ExtensionEvents{[&] { ++changes; }},
                        [&](std::function<void()> fn) { deferred.push_back(std::move(fn)); });
    Call c;
    HttpRequest req = request("POST", {{"lambda-extension-name", "x"}}, R"({"events":[]})");
    r.handle(req, "/register", c.respond());
    EXPECT_EQ(changes, 0);  // not from inside the request
  }
  for (auto& fn : deferred) fn();  // the registry is gone: nothing runs
  EXPECT_EQ(changes, 0);
}

TEST(ExtensionRegistry, WrongMethodsAndPaths) {
  Fixture f;
  Call c;
  HttpRequest get = request("GET", {});
  f.registry.handle(get, "/register", c.respond());
  EXPECT_EQ(c.status(), 405);
  Call d;
  f.registry.handle(get, "/nowhere", d.respond());
  EXPECT_EQ(d.status(), 404);
}

}  // namespace
}  // namespace stratus::rapi
