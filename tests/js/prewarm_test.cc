// The prewarm pool (runtime/js/isolate_pool.h): a function started from a prewarmed isolate must
// behave exactly like one started from a fresh isolate (env, context, time origins, limits,
// timeouts, OOM), nothing may pass from one claimant to another, retired isolates are disposed
// off the caller's thread, and V8's /proc/self/maps scan is skipped (js_engine.h).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <thread>

#include "runtime/js/code_cache.h"
#include "runtime/js/isolate_pool.h"
#include "runtime/js/js_engine.h"
#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr size_t k128Mb = size_t{128} << 20;
constexpr size_t k32Mb = size_t{32} << 20;

class PrewarmTest : public JsTest {
 protected:
  void SetUp() override {
    JsTest::SetUp();
    IsolatePool::instance().setTarget(2, k128Mb);
    ASSERT_TRUE(IsolatePool::instance().waitForReady(2, seconds(20)));
  }
  void TearDown() override {
    IsolatePool::instance().setTarget(0, k128Mb);
    IsolatePool::instance().setTarget(0, k32Mb);
    JsTest::TearDown();
  }

  // create() that must be served by the pool.
  std::unique_ptr<JsFunction> createPooled(JsFunctionSpec s) {
    uint64_t hits = IsolatePool::instance().stats().hits;
    auto function = JsFunction::create(std::move(s));
    EXPECT_EQ(IsolatePool::instance().stats().hits, hits + 1) << "not served by the pool";
    return function;
  }
  std::unique_ptr<JsFunction> loadPooled(JsFunctionSpec s) {
    auto function = createPooled(std::move(s));
    JsResult result = function->init(nowMs() + 5000);
    EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.error_type << " " << result.payload;
    return function;
  }
  // create() with the pool off: a fresh isolate. The pool is back on (and full) afterwards.
  std::unique_ptr<JsFunction> createFresh(JsFunctionSpec s) {
    uint64_t hits = IsolatePool::instance().stats().hits;
    IsolatePool::instance().setTarget(0, k128Mb);
    auto function = JsFunction::create(std::move(s));
    IsolatePool::instance().setTarget(2, k128Mb);
    EXPECT_EQ(IsolatePool::instance().stats().hits, hits);
    EXPECT_TRUE(IsolatePool::instance().waitForReady(2, seconds(20)));
    return function;
  }
  std::unique_ptr<JsFunction> loadFresh(JsFunctionSpec s) {
    auto function = createFresh(std::move(s));
    JsResult result = function->init(nowMs() + 5000);
    EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.error_type << " " << result.payload;
    return function;
  }
};

// Everything a handler can see of its configuration, minus what differs between any two starts.
const char kIntrospect[] = R"(
exports.handler = async (event, context) => {
  const env = { ...process.env };
  return {
    env,
    context: {
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      awsRequestId: context.awsRequestId,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remainingAboutRight: context.getRemainingTimeInMillis() > 4000 &&
                           context.getRemainingTimeInMillis() <= 5000,
      waits: context.callbackWaitsForEmptyEventLoop,
    },
    cwd: process.cwd(),
    argv0: process.argv0,
    pid: typeof process.pid,
    globals: Object.getOwnPropertyNames(globalThis).sort(),
    taskRoot: process.env.LAMBDA_TASK_ROOT,
  };
};
)";

TEST_F(PrewarmTest, APooledStartSeesExactlyWhatAFreshStartSees) {
  write("index.js", kIntrospect);
  JsFunctionSpec s = spec();
  s.env["LAMBDA_TASK_ROOT"] = task_;
  s.env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "128";
  auto fresh = loadFresh(s);
  auto pooled = loadPooled(s);
  JsResult a = invoke(*fresh, "{}", 5000, "req-a");
  JsResult b = invoke(*pooled, "{}", 5000, "req-a");
  ASSERT_EQ(a.outcome, JsOutcome::kOk) << a.payload;
  ASSERT_EQ(b.outcome, JsOutcome::kOk) << b.payload;
  EXPECT_EQ(json::parse(a.payload), json::parse(b.payload));
  json seen = json::parse(b.payload);
  EXPECT_EQ(seen["env"]["MY_VAR"], "hello");
  EXPECT_EQ(seen["context"]["functionName"], "my-function");
  EXPECT_EQ(seen["context"]["memoryLimitInMB"], "128");
  EXPECT_EQ(seen["context"]["logStreamName"], s.log_stream_name);
  EXPECT_EQ(seen["context"]["remainingAboutRight"], true);
  EXPECT_EQ(seen["taskRoot"], task_);
}

TEST_F(PrewarmTest, ConsoleAndInitLogsAsAFreshStart) {
  write("index.js", R"(
console.log('top level', process.env.MY_VAR);
exports.handler = async (event) => { console.info('in handler', event.n); return 1; };
)");
  auto fresh = createFresh(spec());
  auto pooled = createPooled(spec());
  JsResult init_a = fresh->init(nowMs() + 5000);
  JsResult init_b = pooled->init(nowMs() + 5000);
  EXPECT_EQ(messages(init_a), messages(init_b));
  EXPECT_EQ(messages(init_b), std::vector<std::string>{"top level hello"});
  JsResult a = invoke(*fresh, R"({"n":3})");
  JsResult b = invoke(*pooled, R"({"n":3})");
  EXPECT_EQ(messages(a), messages(b));
  EXPECT_EQ(messages(b), std::vector<std::string>{"in handler 3"});
  // Lambda's line format: timestamp, request id, level, message.
  ASSERT_EQ(b.log_lines.size(), 1u);
  EXPECT_NE(b.log_lines[0].find("\t11111111-2222-3333-4444-555555555555\tINFO\tin handler 3"),
            std::string::npos);
}

TEST_F(PrewarmTest, NothingPassesFromOneClaimantToTheNext) {
  write("a.js", R"(
globalThis.leaked = 'from a';
Object.prototype.polluted = 'from a';
Array.prototype.extra = 'from a';
process.env.MY_VAR = 'changed by a';
setTimeout(() => { globalThis.timerRan = true; }, 1);
exports.handler = async () => 'a';
)");
  write("b.js", R"(
exports.handler = async () => ({
  leaked: typeof globalThis.leaked,
  polluted: typeof ({}).polluted,
  extra: typeof [].extra,
  env: process.env.MY_VAR,
  timerRan: typeof globalThis.timerRan,
});
)");
  auto a = loadPooled(spec("a.handler"));
  EXPECT_EQ(invoke(*a).payload, "\"a\"");
  a.reset();
  ASSERT_TRUE(IsolatePool::instance().waitForReady(2, seconds(20)));
  auto b = loadPooled(spec("b.handler"));
  JsResult result = invoke(*b);
  EXPECT_EQ(json::parse(result.payload),
            json::parse(R"({"leaked":"undefined","polluted":"undefined","extra":"undefined","env":"hello",)"
                        R"("timerRan":"undefined"})"));
}

TEST_F(PrewarmTest, AShellIsNeverHandedOutTwice) {
  write("index.js", "let n = 0;\nexports.handler = async () => ++n;\n");
  IsolatePool::Stats before = IsolatePool::instance().stats();
  std::vector<std::unique_ptr<JsFunction>> functions;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(IsolatePool::instance().waitForReady(2, seconds(20)));
    functions.push_back(loadPooled(spec()));
  }
  for (auto& function : functions) {
    EXPECT_EQ(invoke(*function).payload, "1");  // each has its own module state
  }
  ASSERT_TRUE(IsolatePool::instance().waitForReady(2, seconds(20)));
  IsolatePool::Stats after = IsolatePool::instance().stats();
  EXPECT_EQ(after.hits - before.hits, 5u);
  EXPECT_GE(after.made - before.made, 5u);  // every claim was refilled by a new isolate
}

TEST_F(PrewarmTest, ClocksStartAtTheClaimNotWhenTheIsolateWasMade) {
  write("index.js", R"(
const loadedUptime = process.uptime();
exports.handler = async () => ({ loadedUptime, uptime: process.uptime(), now: performance.now(),
                                 origin: performance.timeOrigin, date: Date.now() });
)");
  std::this_thread::sleep_for(milliseconds(1200));  // the ready isolates age
  auto function = loadPooled(spec());
  JsResult clocks = invoke(*function);
  json seen = json::parse(clocks.payload);
  EXPECT_LT(seen["loadedUptime"].get<double>(), 1.0);
  EXPECT_LT(seen["now"].get<double>(), 1000.0) << clocks.payload;
  EXPECT_LT(seen["uptime"].get<double>(), 1.0);
  // timeOrigin is the claim's wall clock, not the isolate's creation 1.2 s earlier.
  EXPECT_LT(seen["date"].get<double>() - seen["origin"].get<double>(), 1000.0);
}

TEST_F(PrewarmTest, TimeoutsOnAPooledIsolate) {
  write("index.js", "exports.handler = async () => { while (true) {} };\n");
  auto function = loadPooled(spec());
  auto start = std::chrono::steady_clock::now();
  JsResult result = invoke(*function, "{}", 200);
  EXPECT_EQ(result.outcome, JsOutcome::kTimeout);
  EXPECT_EQ(result.error_type, "Sandbox.Timedout");
  EXPECT_FALSE(result.reusable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
  EXPECT_FALSE(invoke(*function).reusable);  // condemned
}

TEST_F(PrewarmTest, OutOfMemoryOnAPooledIsolateOfItsLimit) {
  IsolatePool::instance().setTarget(1, k32Mb);
  ASSERT_TRUE(IsolatePool::instance().waitForReady(1, seconds(20), k32Mb));
  write("index.js", R"(
exports.handler = async () => {
  const hoard = [];
  for (;;) hoard.push(new Array(10000).fill({ a: Math.random() }));
};
)");
  JsFunctionSpec s = spec();
  s.heap_limit_bytes = k32Mb;
  auto function = loadPooled(s);
  JsResult result = invoke(*function, "{}", 20000, "req-oom");
  EXPECT_EQ(result.outcome, JsOutcome::kOutOfMemory);
  EXPECT_EQ(result.error_type, "Runtime.OutOfMemory");
  EXPECT_FALSE(result.reusable);
  EXPECT_EQ(json::parse(result.payload)["errorMessage"],
            "RequestId: req-oom Error: Runtime exited with error: signal: killed");
  function.reset();

  // The next claimant of the same limit is unaffected.
  ASSERT_TRUE(IsolatePool::instance().waitForReady(1, seconds(20), k32Mb));
  write("ok.js", "exports.handler = async () => 'still fine';\n");
  JsFunctionSpec ok = spec("ok.handler");
  ok.heap_limit_bytes = k32Mb;
  auto other = loadPooled(ok);
  EXPECT_EQ(invoke(*other).payload, "\"still fine\"");
}

TEST_F(PrewarmTest, BuffersAreLimitedAsInAFreshIsolate) {
  IsolatePool::instance().setTarget(1, k32Mb);
  ASSERT_TRUE(IsolatePool::instance().waitForReady(1, seconds(20), k32Mb));
  write("index.js", R"(
exports.handler = async () => {
  try { new ArrayBuffer(64 * 1024 * 1024); return 'allocated'; } catch (e) { return e.name; }
};
)");
  JsFunctionSpec s = spec();
  s.heap_limit_bytes = k32Mb;
  auto function = loadPooled(s);
  EXPECT_EQ(invoke(*function).payload, "\"RangeError\"");
}

TEST_F(PrewarmTest, OtherHeapLimitsStartFreshIsolates) {
  write("index.js", "exports.handler = async () => 'fresh';\n");
  JsFunctionSpec s = spec();
  s.heap_limit_bytes = size_t{256} << 20;  // MemorySize 256: not prewarmed
  IsolatePool::Stats before = IsolatePool::instance().stats();
  auto function = load(s);
  EXPECT_EQ(invoke(*function).payload, "\"fresh\"");
  IsolatePool::Stats after = IsolatePool::instance().stats();
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses);  // a limit that is not prewarmed is no miss
}

TEST_F(PrewarmTest, AnEmptyPoolFallsBackToAFreshIsolate) {
  write("index.js", "exports.handler = async () => 'ok';\n");
  std::vector<std::unique_ptr<JsFunction>> functions;
  IsolatePool::Stats before = IsolatePool::instance().stats();
  for (int i = 0; i < 6; ++i) functions.push_back(load());  // faster than any refill
  for (auto& function : functions) EXPECT_EQ(invoke(*function).payload, "\"ok\"");
  IsolatePool::Stats after = IsolatePool::instance().stats();
  EXPECT_EQ((after.hits - before.hits) + (after.misses - before.misses), 6u);
  EXPECT_GE(after.hits - before.hits, 2u);
}

TEST_F(PrewarmTest, InitErrorsAsFromAFreshIsolate) {
  write("index.js", "exports.other = 1;\n");
  JsResult pooled_result = createPooled(spec())->init(nowMs() + 5000);
  JsResult fresh_result = createFresh(spec())->init(nowMs() + 5000);
  EXPECT_EQ(fresh_result.error_type, "Runtime.HandlerNotFound");
  EXPECT_EQ(fresh_result.error_type, pooled_result.error_type);
  EXPECT_EQ(fresh_result.payload, pooled_result.payload);
  EXPECT_FALSE(pooled_result.reusable);
}

TEST_F(PrewarmTest, RetiredIsolatesAreDisposedOffTheCallersThread) {
  write("index.js", "exports.handler = async () => 1;\n");
  IsolatePool::Stats before = IsolatePool::instance().stats();
  auto function = loadPooled(spec());
  EXPECT_EQ(invoke(*function).payload, "1");
  function.reset();  // returns at once: the isolate goes to the disposal thread
  EXPECT_EQ(IsolatePool::instance().stats().retired, before.retired + 1);
  EXPECT_TRUE(IsolatePool::instance().waitForDisposals(seconds(10)));
  EXPECT_EQ(IsolatePool::instance().stats().disposed, IsolatePool::instance().stats().retired);
}

TEST_F(PrewarmTest, TurningThePoolOffDisposesTheReadyIsolates) {
  IsolatePool::Stats before = IsolatePool::instance().stats();
  ASSERT_EQ(before.ready, 2u);
  IsolatePool::instance().setTarget(0, k128Mb);
  EXPECT_EQ(IsolatePool::instance().stats().ready, 0u);
  EXPECT_EQ(IsolatePool::instance().stats().retired, before.retired + 2);
  EXPECT_TRUE(IsolatePool::instance().waitForDisposals(seconds(10)));
}

TEST_F(PrewarmTest, DeferredHousekeepingWaitsForRunDeferredWork) {
  // A module the process has never compiled: its code cache is made after the calls, and with
  // defer_housekeeping only when the caller asks for it.
  write("index.js", "// deferred " + std::to_string(nowMs()) + "\nexports.handler = async () => 2;\n");
  JsFunctionSpec s = spec();
  s.defer_housekeeping = true;
  auto function = loadPooled(s);
  EXPECT_EQ(invoke(*function).payload, "2");
  size_t before = CodeCache::instance().bytesForTest();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(CodeCache::instance().bytesForTest(), before);
  function->runDeferredWork();
  EXPECT_GT(CodeCache::instance().bytesForTest(), before);
  EXPECT_EQ(invoke(*function).payload, "2");
}

// The fopen interposition behind SkipMapsScan: only /proc/self/maps, only inside a guard.
TEST(SkipMapsScanTest, RefusesOnlyTheMapsFileAndOnlyInsideAGuard) {
  FILE* f = fopen("/proc/self/maps", "r");
  ASSERT_NE(f, nullptr);
  fclose(f);
  unsigned long refused = SkipMapsScan::refusedForTest();
  {
    SkipMapsScan guard;
    EXPECT_EQ(fopen("/proc/self/maps", "r"), nullptr);
    FILE* other = fopen("/proc/self/status", "r");
    EXPECT_NE(other, nullptr);
    if (other) fclose(other);
    std::thread([] {
      FILE* elsewhere = fopen("/proc/self/maps", "r");  // another thread: not guarded
      EXPECT_NE(elsewhere, nullptr);
      if (elsewhere) fclose(elsewhere);
    }).join();
  }
  EXPECT_EQ(SkipMapsScan::refusedForTest(), refused + 1);
  f = fopen("/proc/self/maps", "r");
  EXPECT_NE(f, nullptr);
  if (f) fclose(f);
}

}  // namespace
}  // namespace stratus::js::testing
