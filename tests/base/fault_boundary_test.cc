// The last-resort boundary: throws from posted tasks, timers, pool work and completions, worker
// tasks and HTTP handlers are logged and the loop goes on; callbacks dropped without an answer
// still answer (answer_on_drop.h); injected faults fire once per arming.
#include "runtime/base/fault_boundary.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "runtime/base/answer_on_drop.h"
#include "runtime/base/http_server.h"
#include "runtime/base/loop.h"
#include "runtime/base/worker_pool.h"

namespace stratus {
namespace {

using namespace std::chrono_literals;

// Every loop.run() here is bounded: a guard timer stops the loop after 5 s whatever happens.
struct BoundedLoop {
  Loop loop;
  Timer guard{loop};
  bool timed_out = false;
  void run() {
    guard.start(5000, [this] {
      timed_out = true;
      loop.stop();
    });
    loop.run();
    guard.stop();
  }
};

TEST(FaultBoundary, ThrowingPostedTaskIsLoggedAndTheLoopGoesOn) {
  BoundedLoop b;
  uint64_t before = faultCount();
  bool later_ran = false;
  b.loop.post([] { throw std::runtime_error("posted boom"); });
  b.loop.post([] { throw 42; });  // not a std::exception either
  b.loop.post([&] {
    later_ran = true;
    b.loop.stop();
  });
  testing::internal::CaptureStderr();
  b.run();
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(b.timed_out);
  EXPECT_TRUE(later_ran);
  EXPECT_EQ(faultCount() - before, 2u);
  EXPECT_NE(logged.find("ERROR fault at posted-task: posted boom; the server goes on"),
            std::string::npos)
      << logged;
  EXPECT_NE(logged.find("fault at posted-task: an exception of unknown type"), std::string::npos)
      << logged;
}

TEST(FaultBoundary, ThrowingTimerKeepsRepeatingAndOthersFire) {
  BoundedLoop b;
  uint64_t before = faultCount();
  int fired = 0;
  Timer thrower(b.loop);
  thrower.start(1, [&] {
    if (++fired == 3) b.loop.stop();
    throw std::runtime_error("timer boom");
  }, 1);
  testing::internal::CaptureStderr();
  b.run();
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("fault at timer: timer boom"), std::string::npos) << logged;
  EXPECT_FALSE(b.timed_out);
  EXPECT_EQ(fired, 3);
  EXPECT_EQ(faultCount() - before, 3u);
}

TEST(FaultBoundary, PoolWorkThatThrowsStillGetsItsDone) {
  BoundedLoop b;
  uint64_t before = faultCount();
  bool done_ran = false, work_finished = false;
  testing::internal::CaptureStderr();  // before the work starts: it runs on libuv's pool at once
  b.loop.runInPool(
      [&] {
        throw std::runtime_error("work boom");
        work_finished = true;  // never reached
      },
      [&] {
        done_ran = true;
        b.loop.stop();
      });
  b.run();
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("fault at pool-work: work boom"), std::string::npos) << logged;
  EXPECT_FALSE(b.timed_out);
  EXPECT_TRUE(done_ran);
  EXPECT_FALSE(work_finished);
  EXPECT_EQ(faultCount() - before, 1u);
}

TEST(FaultBoundary, ThrowingPoolDoneIsLoggedAndTheLoopGoesOn) {
  BoundedLoop b;
  uint64_t before = faultCount();
  bool second_done = false;
  b.loop.runInPool([] {}, [] { throw std::runtime_error("done boom"); });
  b.loop.runInPool([] {}, [&] { second_done = true; });
  // The two jobs run on the pool in parallel and their completions come back in either order:
  // stop once both have (the throwing one shows only in the fault count).
  Timer poll(b.loop);
  poll.start(1, [&] { if (second_done && faultCount() - before >= 1) b.loop.stop(); }, 1);
  b.run();
  EXPECT_FALSE(b.timed_out);
  EXPECT_TRUE(second_done);
  EXPECT_EQ(faultCount() - before, 1u);
}

TEST(FaultBoundary, ThrowingWorkerTaskLeavesThePoolWorking) {
  uint64_t before = faultCount();
  std::atomic<int> ran{0};
  {
    WorkerPool pool(1, 1);  // one thread: the throw must not end it
    pool.submit([] { throw std::runtime_error("worker boom"); });
    pool.submit([&] { ++ran; });
    pool.submit([&] { ++ran; });
  }  // joins after the queue is done
  EXPECT_EQ(ran.load(), 2);
  EXPECT_EQ(faultCount() - before, 1u);
}

TEST(FaultBoundary, GuardedReportsAndReturnsFalse) {
  uint64_t before = faultCount();
  EXPECT_TRUE(guarded("test site", "ctx", [] {}));
  EXPECT_FALSE(guarded("test site", "request 1", [] { throw std::logic_error("x"); }));
  EXPECT_EQ(faultCount() - before, 1u);
}

TEST(FaultInjection, ArmedSiteThrowsOnceThenIsQuiet) {
  setInjectedFaultsForTest("no-such-site,timer,posted-task");  // an unknown name is skipped
  EXPECT_THROW(injectFault(fault_site::kTimer), InjectedFault);
  EXPECT_NO_THROW(injectFault(fault_site::kTimer));  // fired: quiet until armed again
  EXPECT_NO_THROW(injectFault(fault_site::kPoolWork));  // not named
  BoundedLoop b;
  int ran = 0;
  b.loop.post([&] { ++ran; });  // the armed posted-task site eats this one
  b.loop.post([&] {
    ++ran;
    b.loop.stop();
  });
  b.run();
  EXPECT_EQ(ran, 1);
  setInjectedFaultsForTest("");
  EXPECT_NO_THROW(injectFault(fault_site::kPostedTask));
}

TEST(AnswerOnDrop, DroppedUncalledAnswersWithTheFallbackOnTheLoop) {
  BoundedLoop b;
  int got = 0;
  bool on_loop = false;
  {
    auto cb = answerOnDrop<int>(
        b.loop, "test", "ctx",
        [&](int v) {
          got = v;
          on_loop = b.loop.onLoopThread();
          b.loop.stop();
        },
        [] { return 500; });
    auto copy = cb;  // the last copy decides
  }
  EXPECT_EQ(got, 0);  // posted, not run inside the destructor
  b.run();
  EXPECT_FALSE(b.timed_out);
  EXPECT_EQ(got, 500);
  EXPECT_TRUE(on_loop);
}

TEST(AnswerOnDrop, DroppedOnAnotherThreadStillAnswersOnTheLoop) {
  BoundedLoop b;
  int got = 0;
  auto cb = answerOnDrop<int>(b.loop, "test", "", [&](int v) {
    got = v;
    b.loop.stop();
  }, [] { return 7; });
  std::thread([cb = std::move(cb)]() mutable { cb = nullptr; }).join();
  b.run();
  EXPECT_FALSE(b.timed_out);
  EXPECT_EQ(got, 7);
}

TEST(AnswerOnDrop, CalledOnceMeansNoFallbackAndLaterCallsIgnored) {
  BoundedLoop b;
  std::vector<int> got;
  {
    auto cb = answerOnDrop<int>(b.loop, "test", "", [&](int v) { got.push_back(v); },
                                [] { return 500; });
    cb(1);
    cb(2);
  }
  b.loop.post([&] { b.loop.stop(); });
  b.run();
  EXPECT_EQ(got, std::vector<int>{1});
}

TEST(AnswerOnDrop, NotWantedAnyMoreMeansNoFallback) {
  BoundedLoop b;
  int got = 0;
  {
    auto cb = answerOnDrop<int>(b.loop, "test", "", [&](int v) { got = v; }, [] { return 500; },
                                [] { return false; });
  }
  b.loop.post([&] { b.loop.stop(); });
  b.run();
  EXPECT_EQ(got, 0);
}

// A blocking HTTP/1.1 exchange with Connection: close; returns the whole response text.
std::string exchange(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return "";
  }
  std::string out;
  char buf[4096];
  for (int i = 0; i < 1000; ++i) {  // bounded; ends at EOF or the 5 s receive timeout
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(AnswerOnDrop, HttpHandlerThatDropsItsRespondAnswers500ServiceException) {
  Loop loop;
  std::unique_ptr<HttpServer> server;
  std::promise<int> port;
  WorkerPool pool(1, 1);
  std::thread t([&] {
    server = std::make_unique<HttpServer>(loop, [&](HttpRequest&& req, HttpRespond respond) {
      if (req.path == "/drop") return;  // forgets the request
      if (req.path == "/task-throws") {
        // Hands the request to a task that throws before answering: the task's captures die.
        pool.submit([respond] { throw std::runtime_error("task boom"); });
        return;
      }
      HttpResponse ok;
      ok.body = "fine";
      respond(std::move(ok));
    });
    Status s = server->listen("127.0.0.1", 0);
    port.set_value(s.ok() ? server->port() : -1);
    loop.run();
    server.reset();
  });
  auto f = port.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  int p = f.get();
  ASSERT_GT(p, 0);
  for (const char* path : {"/drop", "/task-throws"}) {
    std::string r = exchange(p, path);
    EXPECT_EQ(r.rfind("HTTP/1.1 500", 0), 0u) << path << ": " << r;
    EXPECT_NE(r.find("x-amzn-ErrorType: ServiceException"), std::string::npos) << r;
    EXPECT_NE(r.find("{\"Type\":\"Service\",\"message\":\"An internal error occurred.\"}"),
              std::string::npos)
        << r;
  }
  std::string ok = exchange(p, "/ok");
  EXPECT_NE(ok.find("\r\n\r\nfine"), std::string::npos) << ok;
  loop.post([&] {
    server->close();
    loop.stop();
  });
  t.join();
}

}  // namespace
}  // namespace stratus
