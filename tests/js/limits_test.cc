// Timeouts, out-of-memory, terminate() and concurrent use: the instance is stopped from the
// outside and never swallows the termination.
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;

class LimitsTest : public JsTest {};

TEST_F(LimitsTest, InfiniteLoopInHandlerTimesOut) {
  write("index.js", "exports.handler = async () => { while (true) {} };\n");
  auto function = load();
  auto start = std::chrono::steady_clock::now();
  JsResult result = invoke(*function, "{}", 200);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.outcome, JsOutcome::kTimeout);
  EXPECT_EQ(result.payload, "");
  EXPECT_FALSE(result.reusable);
  EXPECT_GE(elapsed, std::chrono::milliseconds(190));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

TEST_F(LimitsTest, TryCatchCannotSwallowTermination) {
  write("index.js", R"(
exports.handler = async () => {
  for (;;) {
    try { while (true) {} } catch (e) { console.log('caught', e); }
    finally { console.log('finally'); }
  }
};
)");
  auto function = load();
  JsResult result = invoke(*function, "{}", 200);
  EXPECT_EQ(result.outcome, JsOutcome::kTimeout);
  EXPECT_TRUE(result.log_lines.empty());
}

TEST_F(LimitsTest, InfiniteLoopInPromiseChainTimesOut) {
  write("index.js", R"(
exports.handler = async () => {
  await null;
  Promise.resolve().then(() => { while (true) {} });
  await new Promise(() => {});
};
)");
  auto function = load();
  EXPECT_EQ(invoke(*function, "{}", 200).outcome, JsOutcome::kTimeout);
}

TEST_F(LimitsTest, InfiniteLoopInTimerTimesOut) {
  write("index.js", "exports.handler = (e, c, cb) => { setTimeout(() => { for (;;) {} }, 1); };\n");
  auto function = load();
  EXPECT_EQ(invoke(*function, "{}", 200).outcome, JsOutcome::kTimeout);
}

TEST_F(LimitsTest, InfiniteLoopAtTopLevelTimesOutInit) {
  write("index.js", "while (true) {}\nexports.handler = async () => 1;\n");
  auto function = JsFunction::create(spec());
  auto start = std::chrono::steady_clock::now();
  JsResult result = function->init(nowMs() + 200);
  EXPECT_EQ(result.outcome, JsOutcome::kTimeout);
  EXPECT_FALSE(result.reusable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(invoke(*function).outcome, JsOutcome::kFunctionError);  // condemned
}

TEST_F(LimitsTest, WaitingForATimerPastTheDeadlineTimesOut) {
  write("index.js", "exports.handler = async () => new Promise((r) => setTimeout(r, 10000));\n");
  auto function = load();
  auto start = std::chrono::steady_clock::now();
  JsResult result = invoke(*function, "{}", 150);
  EXPECT_EQ(result.outcome, JsOutcome::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
}

TEST_F(LimitsTest, AnIntervalKeepsTheLoopAliveUntilTheDeadline) {
  write("index.js", "exports.handler = (e, c, cb) => { setInterval(() => {}, 5); cb(null, 1); };\n");
  auto function = load();
  EXPECT_EQ(invoke(*function, "{}", 150).outcome, JsOutcome::kTimeout);
}

TEST_F(LimitsTest, UnrefTimerDoesNotKeepTheLoopAlive) {
  write("index.js", R"(
exports.handler = (e, c, cb) => {
  const t = setInterval(() => {}, 5);
  t.unref();
  cb(null, t.hasRef());
};
)");
  auto function = load();
  JsResult result = invoke(*function, "{}", 2000);
  EXPECT_EQ(result.outcome, JsOutcome::kOk);
  EXPECT_EQ(result.payload, "false");
}

TEST_F(LimitsTest, LateDeadlineNeverStopsTheNextInvoke) {
  write("index.js", "exports.handler = async (e) => { const end = Date.now() + e.ms; while (Date.now() < end) {} return e.ms; };\n");
  auto function = load();
  // Many short invokes whose deadlines pass just after they finish: none of those deadlines
  // may terminate a later invoke.
  for (int i = 0; i < 20; ++i) {
    JsResult result = invoke(*function, R"({"ms":0})", 3);
    if (!result.reusable) {
      function = load();  // a deadline that raced the end condemns; that is allowed
      continue;
    }
    EXPECT_EQ(result.outcome, JsOutcome::kOk);
    std::this_thread::sleep_for(std::chrono::milliseconds(4));
    JsResult next = invoke(*function, R"({"ms":10})", 2000);
    EXPECT_EQ(next.outcome, JsOutcome::kOk) << "iteration " << i;
  }
}

TEST_F(LimitsTest, OutOfMemoryIsReportedAndOthersStillWork) {
  write("index.js", R"(
exports.handler = async () => {
  const hoard = [];
  for (;;) hoard.push(new Array(10000).fill({ a: Math.random() }));
};
)");
  JsFunctionSpec s = spec();
  s.heap_limit_bytes = 32ull << 20;
  auto function = load(s);
  JsResult result = invoke(*function, R"({})", 20000, "req-oom");
  EXPECT_EQ(result.outcome, JsOutcome::kOutOfMemory);
  EXPECT_EQ(result.error_type, "Runtime.OutOfMemory");
  EXPECT_FALSE(result.reusable);
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["errorType"], "Runtime.OutOfMemory");
  EXPECT_EQ(payload["errorMessage"], "RequestId: req-oom Error: Runtime exited with error: signal: killed");
  function.reset();

  write("ok.js", "exports.handler = async () => 'still fine';\n");
  auto other = load(spec("ok.handler"));
  EXPECT_EQ(invoke(*other).payload, "\"still fine\"");
}

TEST_F(LimitsTest, OutOfMemoryWithStringsAndAtInit) {
  write("index.js", "let s = ['x']; for (;;) s.push(s[s.length - 1] + 'y'.repeat(1000));\n");
  JsFunctionSpec s = spec();
  s.heap_limit_bytes = 32ull << 20;
  JsResult result = initOnly(s, 20000);
  EXPECT_EQ(result.outcome, JsOutcome::kOutOfMemory);
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "Error: Runtime exited with error: signal: killed");
}

TEST_F(LimitsTest, HugeBufferFailsInJsInsteadOfTheHost) {
  write("index.js", R"(
exports.handler = async () => {
  try { new ArrayBuffer(64 * 1024 * 1024); return 'allocated'; }
  catch (e) { return e.name; }
};
)");
  JsFunctionSpec s = spec();
  s.heap_limit_bytes = 32ull << 20;
  auto function = load(s);
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kOk);
  EXPECT_EQ(result.payload, "\"RangeError\"");
}

TEST_F(LimitsTest, DeepRecursionIsARangeError) {
  write("index.js", "const f = () => f();\nexports.handler = async () => { f(); };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "RangeError");
  EXPECT_TRUE(result.reusable);
}

TEST_F(LimitsTest, TerminateFromAnotherThread) {
  write("index.js", "exports.handler = async () => { while (true) {} };\n");
  auto function = load();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    function->terminate();
  });
  auto start = std::chrono::steady_clock::now();
  JsResult result = invoke(*function, "{}", 10000);
  killer.join();
  EXPECT_FALSE(result.reusable);
  EXPECT_NE(result.outcome, JsOutcome::kOk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  EXPECT_FALSE(invoke(*function).reusable);
}

TEST_F(LimitsTest, TerminateWakesAWaitingInvoke) {
  write("index.js", "exports.handler = async () => new Promise((r) => setTimeout(r, 10000));\n");
  auto function = load();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    function->terminate();
  });
  auto start = std::chrono::steady_clock::now();
  JsResult result = invoke(*function, "{}", 10000);
  killer.join();
  EXPECT_FALSE(result.reusable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
}

TEST_F(LimitsTest, InstancesOnManyThreadsConcurrently) {
  write("index.js", R"(
let count = 0;
exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, 1));
  let sum = 0;
  for (let i = 0; i < 10000; i++) sum += i;
  return { id: event.id, count: ++count, sum };
};
)");
  constexpr int kThreads = 4;
  constexpr int kInvokes = 25;
  std::vector<std::unique_ptr<JsFunction>> functions;
  for (int i = 0; i < kThreads; ++i) functions.push_back(load());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kInvokes; ++i) {
        // Each instance hops between threads: instance (t + i) % kThreads, one user at a time
        // is guaranteed by giving every thread its own instance per round.
        JsResult result = invoke(*functions[t], "{\"id\":" + std::to_string(t) + "}", 5000);
        json payload = json::parse(result.payload, nullptr, false);
        if (result.outcome != JsOutcome::kOk || payload["id"] != t || payload["count"] != i + 1 ||
            payload["sum"] != 49995000) {
          failures++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(LimitsTest, OneInstanceUsedFromDifferentThreadsInTurn) {
  write("index.js", "let n = 0;\nexports.handler = async () => ++n;\n");
  auto function = load();
  for (int i = 1; i <= 5; ++i) {
    JsResult result;
    std::thread([&] { result = invoke(*function); }).join();
    EXPECT_EQ(result.payload, std::to_string(i));
  }
}

}  // namespace
}  // namespace stratus::js::testing
