// RuntimeApiServer over real HTTP: the loop runs on its own thread, the test plays the runtime
// with blocking libcurl calls (each with a timeout).
#include "runtime/rapi/runtime_api_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace stratus::rapi {
namespace {

using namespace std::chrono_literals;

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};

size_t onBody(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

size_t onHeader(char* p, size_t size, size_t n, void* out) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

Reply call(const std::string& address, const std::string& method, const std::string& path,
           const std::string& body = "", std::vector<std::string> headers = {}) {
  Reply r;
  CURL* c = curl_easy_init();
  std::string url = "http://" + address + "/2018-06-01" + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_slist* list = nullptr;
  headers.push_back("Expect:");
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

// What the server told its owner, recorded on the loop thread.
struct Recorded {
  std::mutex mu;
  std::vector<std::string> events;
  void add(std::string e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(e));
  }
  std::vector<std::string> snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    return events;
  }
  // Waits (bounded) until `n` events have arrived.
  bool waitFor(size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (snapshot().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

class RuntimeApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::promise<std::string> bound;
    thread_ = std::thread([this, &bound] {
      RuntimeApiEvents ev;
      ev.on_ready = [this] { rec_.add("ready"); };
      ev.on_response = [this](std::string id, std::string body) { rec_.add("response " + id + " " + body); };
      ev.on_error = [this](std::string id, std::string body, std::string type) {
        rec_.add("error " + id + " " + type + " " + body);
      };
      ev.on_init_error = [this](std::string body, std::string type) { rec_.add("init_error " + type + " " + body); };
      ev.on_response_too_large = [this](std::string id) { rec_.add("too_large " + id); };
      ev.on_claim_waiting = [this] { rec_.add("claim_waiting"); };
      server_ = std::make_unique<RuntimeApiServer>(loop_, ev);
      Status s = server_->listen();
      bound.set_value(s.ok() ? server_->address() : "");
      loop_.run();
    });
    address_ = bound.get_future().get();
    ASSERT_FALSE(address_.empty());
  }
  void TearDown() override {
    loop_.post([this] {
      server_.reset();
      loop_.stop();
    });
    thread_.join();
  }
  void deliver(const std::string& id, const std::string& payload) {
    loop_.post([this, id, payload] {
      Invocation inv;
      inv.request_id = id;
      inv.payload = payload;
      inv.deadline_epoch_ms = 1700000003000;
      inv.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
      inv.trace_id = "Root=1-a-b;Sampled=0";
      inv.client_context = R"({"custom":{"k":"v"}})";
      server_->deliver(inv);
    });
  }

  Loop loop_;
  std::unique_ptr<RuntimeApiServer> server_;
  std::thread thread_;
  std::string address_;
  Recorded rec_;
};

TEST_F(RuntimeApiServerTest, NextWaitsForAnInvocationAndCarriesLambdasHeaders) {
  auto next = std::async(std::launch::async, [this] { return call(address_, "GET", "/runtime/invocation/next"); });
  ASSERT_TRUE(rec_.waitFor(1));
  EXPECT_EQ(rec_.snapshot()[0], "ready");
  EXPECT_EQ(next.wait_for(100ms), std::future_status::timeout);  // still held
  deliver("req-1", R"({"a":1})");
  Reply r = next.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_EQ(r.headers["lambda-runtime-aws-request-id"], "req-1");
  EXPECT_EQ(r.headers["lambda-runtime-deadline-ms"], "1700000003000");
  EXPECT_EQ(r.headers["lambda-runtime-invoked-function-arn"], "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(r.headers["lambda-runtime-trace-id"], "Root=1-a-b;Sampled=0");
  EXPECT_EQ(r.headers["lambda-runtime-client-context"], R"({"custom":{"k":"v"}})");

  Reply ok = call(address_, "POST", "/runtime/invocation/req-1/response", "42");
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body, R"({"status":"OK"})");
  ASSERT_TRUE(rec_.waitFor(2));
  EXPECT_EQ(rec_.snapshot()[1], "response req-1 42");
  // A second answer to the same invocation is refused.
  Reply again = call(address_, "POST", "/runtime/invocation/req-1/response", "43");
  EXPECT_EQ(again.status, 403);
  EXPECT_NE(again.body.find("InvalidStateTransition"), std::string::npos);
}

TEST_F(RuntimeApiServerTest, DeliveredBeforeNextIsHandedOverOnNext) {
  deliver("req-2", "{}");
  Reply r = call(address_, "GET", "/runtime/invocation/next");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["lambda-runtime-aws-request-id"], "req-2");
  Reply wrong = call(address_, "POST", "/runtime/invocation/other/response", "1");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.body, R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
  Reply err = call(address_, "POST", "/runtime/invocation/req-2/error", R"({"errorMessage":"x"})",
                   {"Lambda-Runtime-Function-Error-Type: Function.Boom"});
  EXPECT_EQ(err.status, 202);
  ASSERT_TRUE(rec_.waitFor(2));
  EXPECT_EQ(rec_.snapshot()[1], R"(error req-2 Function.Boom {"errorMessage":"x"})");
}

// Stratus-Then-Next: 1 makes an answer post the next /next too: recorded at once, then held and
// answered with the next invocation (on_ready fires as for a /next after an answer).
TEST_F(RuntimeApiServerTest, AnswerThenNextIsHeldForTheNextInvocation) {
  deliver("req-a", "{}");
  EXPECT_EQ(call(address_, "GET", "/runtime/invocation/next").status, 200);
  auto post = std::async(std::launch::async, [this] {
    return call(address_, "POST", "/runtime/invocation/req-a/response", "1", {"Stratus-Then-Next: 1"});
  });
  ASSERT_TRUE(rec_.waitFor(3));
  EXPECT_EQ(rec_.snapshot()[1], "response req-a 1");
  EXPECT_EQ(rec_.snapshot()[2], "ready");
  EXPECT_EQ(post.wait_for(100ms), std::future_status::timeout);  // held, as a /next is
  deliver("req-b", R"({"b":2})");
  Reply r = post.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"b":2})");
  EXPECT_EQ(r.headers["lambda-runtime-aws-request-id"], "req-b");

  // An error post may ask the same; one the state machine refuses is answered at once.
  auto error = std::async(std::launch::async, [this] {
    return call(address_, "POST", "/runtime/invocation/req-b/error", "{}",
                {"Stratus-Then-Next: 1", "Lambda-Runtime-Function-Error-Type: Function.Boom"});
  });
  ASSERT_TRUE(rec_.waitFor(5));
  EXPECT_EQ(rec_.snapshot()[3], "error req-b Function.Boom {}");
  Reply refused = call(address_, "POST", "/runtime/invocation/req-b/response", "2", {"Stratus-Then-Next: 1"});
  EXPECT_EQ(refused.status, 403);
  deliver("req-c", "{}");
  EXPECT_EQ(error.get().headers["lambda-runtime-aws-request-id"], "req-c");
}

TEST_F(RuntimeApiServerTest, MalformedErrorTypeIsRecordedAsUnknown) {
  deliver("req-3", "{}");
  call(address_, "GET", "/runtime/invocation/next");
  call(address_, "POST", "/runtime/invocation/req-3/error", "{}", {"Lambda-Runtime-Function-Error-Type: nonsense"});
  ASSERT_TRUE(rec_.waitFor(2));
  EXPECT_EQ(rec_.snapshot()[1], "error req-3 Runtime.Unknown {}");
}

TEST_F(RuntimeApiServerTest, ResponseBeforeAnyInvocationIsRefused) {
  Reply r = call(address_, "POST", "/runtime/invocation/x/response", "1");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("State transition from Started to InvocationResponse"), std::string::npos);
}

TEST_F(RuntimeApiServerTest, InitErrorIsTerminal) {
  Reply r = call(address_, "POST", "/runtime/init/error", R"({"errorType":"Runtime.ImportModuleError"})",
                 {"Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError"});
  EXPECT_EQ(r.status, 202);
  ASSERT_TRUE(rec_.waitFor(1));
  EXPECT_EQ(rec_.snapshot()[0], R"(init_error Runtime.ImportModuleError {"errorType":"Runtime.ImportModuleError"})");
  EXPECT_EQ(call(address_, "GET", "/runtime/invocation/next").status, 403);
  EXPECT_EQ(call(address_, "POST", "/runtime/init/error", "{}").status, 403);
}

TEST_F(RuntimeApiServerTest, InitErrorAfterInitIsRefused) {
  deliver("req-4", "{}");
  call(address_, "GET", "/runtime/invocation/next");
  EXPECT_EQ(call(address_, "POST", "/runtime/init/error", "{}").status, 403);
}

TEST_F(RuntimeApiServerTest, OversizedResponseIsRefusedWith413) {
  deliver("req-5", "{}");
  call(address_, "GET", "/runtime/invocation/next");
  std::string big(kMaxResponseBytes + 1, 'x');
  Reply r = call(address_, "POST", "/runtime/invocation/req-5/response", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, R"({"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"})");
  ASSERT_TRUE(rec_.waitFor(2));
  EXPECT_EQ(rec_.snapshot()[1], "too_large req-5");
}

TEST_F(RuntimeApiServerTest, ResponseAtTheLimitIsAccepted) {
  deliver("req-6", "{}");
  call(address_, "GET", "/runtime/invocation/next");
  std::string big(kMaxResponseBytes, 'x');
  EXPECT_EQ(call(address_, "POST", "/runtime/invocation/req-6/response", big).status, 202);
}

TEST_F(RuntimeApiServerTest, ClaimWaitsForTheServer) {
  auto claim = std::async(std::launch::async, [this] { return call(address_, "GET", "/stratus/claim"); });
  ASSERT_TRUE(rec_.waitFor(1));
  EXPECT_EQ(rec_.snapshot()[0], "claim_waiting");
  loop_.post([this] { server_->claim({{"_HANDLER", "index.handler"}, {"A", "b\"c"}}); });
  Reply r = claim.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"env":{"A":"b\"c","_HANDLER":"index.handler"}})");
}

TEST_F(RuntimeApiServerTest, UnknownRoutesAnswer404) {
  EXPECT_EQ(call(address_, "GET", "/runtime/nope").status, 404);
  EXPECT_EQ(call(address_, "POST", "/runtime/invocation/next").status, 405);
}

// Past kMaxRuntimeApiConnections, each new connection closes the one idle the longest; the
// runtime's /next long-poll is never idle, so it keeps its event.
TEST_F(RuntimeApiServerTest, ConnectionsAreCappedWithoutDroppingTheLongPoll) {
  auto next = std::async(std::launch::async, [this] { return call(address_, "GET", "/runtime/invocation/next"); });
  ASSERT_TRUE(rec_.waitFor(1));  // "ready": the server holds the long-poll
  const size_t extra = 16;
  const size_t idle_count = kMaxRuntimeApiConnections + extra;
  std::string host = address_.substr(0, address_.find(':'));
  int port = std::stoi(address_.substr(address_.find(':') + 1));
  std::vector<int> idle;
  for (size_t i = 0; i < idle_count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  // Accepted after every idle socket (the backlog is first come, first served): served.
  EXPECT_EQ(call(address_, "GET", "/runtime/nope").status, 404);
  size_t closed = 0;
  for (int fd : idle) {
    pollfd p{fd, POLLIN, 0};
    char byte;
    if (::poll(&p, 1, 50) == 1 && ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0) ++closed;
    ::close(fd);
  }
  // The long-poll holds one slot, so at most kMax - 1 idle connections stayed open.
  EXPECT_GE(closed, extra + 1);
  deliver("req-cap", R"({"k":1})");
  Reply r = next.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["lambda-runtime-aws-request-id"], "req-cap");
}

// A server that admits one uid only: this test's own connections (root's) are refused when the
// uid is another, and served when it is ours.
TEST(RuntimeApiServerOwner, AdmitsOnlyItsClientsUid) {
  for (uint32_t uid : {static_cast<uint32_t>(getuid()), static_cast<uint32_t>(getuid()) + 4242}) {
    Loop loop;
    std::promise<std::string> bound;
    std::unique_ptr<RuntimeApiServer> server;
    std::thread t([&] {
      server = std::make_unique<RuntimeApiServer>(loop, RuntimeApiEvents{}, uid);
      Status s = server->listen();
      bound.set_value(s.ok() ? server->address() : "");
      loop.run();
    });
    std::string address = bound.get_future().get();
    ASSERT_FALSE(address.empty());
    Reply r = call(address, "GET", "/runtime/nope");
    if (uid == getuid()) {
      EXPECT_EQ(r.status, 404);  // admitted: an answer
    } else {
      EXPECT_EQ(r.status, 0);  // closed before anything was read
    }
    loop.post([&] {
      server.reset();
      loop.stop();
    });
    t.join();
  }
}

TEST(TraceId, HasXRayShape) {
  std::string t = newTraceId();
  EXPECT_EQ(t.rfind("Root=1-", 0), 0u);
  EXPECT_NE(t.find(";Parent="), std::string::npos);
  EXPECT_EQ(t.substr(t.size() - 10), ";Sampled=0");
}

}  // namespace
}  // namespace stratus::rapi
