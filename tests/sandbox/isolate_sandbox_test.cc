// IsolateSandbox on a real Loop and WorkerPool with real V8: the bridge between the loop and
// JavaScript running on workers.
#include "sandbox/isolate_sandbox.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/js/code_cache.h"
#include "runtime/js/isolate_pool.h"
#include "runtime/js/js_function.h"

namespace stratus::sandbox {
namespace {

class IsolateSandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { js::initializeV8("isolate_sandbox_test"); }
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-sb-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void writeFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  SandboxSpec spec(int timeout_s = 3) {
    SandboxSpec s;
    s.function_name = "fn";
    s.version = "$LATEST";
    s.runtime = "nodejs20.x";
    s.handler = "index.handler";
    s.task_root = dir_;
    s.memory_mb = 128;
    s.timeout_s = timeout_s;
    return s;
  }
  // Runs one invoke to completion on the loop, bounded by a 10 s guard timer.
  InvokeResult invokeOnce(Sandbox& sb, const std::string& id, const std::string& payload) {
    InvokeResult out;
    bool done = false;
    Timer guard(loop_);
    guard.start(10000, [&] { loop_.stop(); });
    sb.invoke({id, payload, "arn:aws:lambda:us-east-1:000000000000:function:fn", ""},
              [&](InvokeResult r) {
                out = std::move(r);
                done = true;
                loop_.stop();
              });
    loop_.run();
    EXPECT_TRUE(done) << "invoke did not finish within 10 s";
    return out;
  }

  std::string dir_;
  Loop loop_;
  WorkerPool workers_{4};
};

TEST_F(IsolateSandboxTest, ColdThenWarmInvokeWithLambdaLogs) {
  writeFile("index.js",
            "let n = 0; exports.handler = async (e) => { n++; console.log('got', e.x); "
            "return {n, x: e.x}; };");
  IsolateSandbox sb(loop_, workers_, spec());
  EXPECT_EQ(sb.state(), SandboxState::kStarting);
  InvokeResult cold = invokeOnce(sb, "req-1", "{\"x\":5}");
  EXPECT_EQ(cold.outcome, InvokeOutcome::kOk);
  EXPECT_EQ(cold.payload, "{\"n\":1,\"x\":5}");
  EXPECT_GE(cold.init_duration_ms, 0);
  EXPECT_NE(cold.log_text.find("INIT_START Runtime Version: nodejs:20"), std::string::npos);
  EXPECT_NE(cold.log_text.find("START RequestId: req-1 Version: $LATEST\n"), std::string::npos);
  EXPECT_NE(cold.log_text.find("\treq-1\tINFO\tgot 5\n"), std::string::npos) << cold.log_text;
  EXPECT_NE(cold.log_text.find("END RequestId: req-1\n"), std::string::npos);
  EXPECT_NE(cold.log_text.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(sb.state(), SandboxState::kIdle);

  InvokeResult warm = invokeOnce(sb, "req-2", "{\"x\":6}");
  EXPECT_EQ(warm.payload, "{\"n\":2,\"x\":6}");  // module state survived
  EXPECT_LT(warm.init_duration_ms, 0);
  EXPECT_EQ(warm.log_text.find("Init Duration"), std::string::npos);
  EXPECT_EQ(warm.log_text.find("INIT_START"), std::string::npos);
}

TEST_F(IsolateSandboxTest, TimeoutCondemnsTheSandbox) {
  writeFile("index.js", "exports.handler = async () => { while (true) {} };");
  IsolateSandbox sb(loop_, workers_, spec(1));
  InvokeResult r = invokeOnce(sb, "req-t", "{}");
  EXPECT_EQ(r.outcome, InvokeOutcome::kTimeout);
  EXPECT_EQ(r.error_type, "Sandbox.Timedout");
  EXPECT_NE(r.payload.find("RequestId: req-t Error: Task timed out after 1.00 seconds"),
            std::string::npos) << r.payload;
  EXPECT_NE(r.log_text.find("Task timed out after 1.0"), std::string::npos);
  EXPECT_NE(r.log_text.find("\tStatus: timeout\t"), std::string::npos);
  EXPECT_EQ(sb.state(), SandboxState::kCondemned);
}

TEST_F(IsolateSandboxTest, InitErrorIsReportedAndCondemns) {
  writeFile("index.js", "exports.other = 1;");
  IsolateSandbox sb(loop_, workers_, spec());
  InvokeResult r = invokeOnce(sb, "req-i", "{}");
  EXPECT_EQ(r.outcome, InvokeOutcome::kInitError);
  EXPECT_EQ(r.error_type, "Runtime.HandlerNotFound");
  EXPECT_NE(r.log_text.find("INIT_REPORT Init Duration: "), std::string::npos);
  EXPECT_NE(r.log_text.find("Error Type: Runtime.HandlerNotFound"), std::string::npos);
  EXPECT_EQ(sb.state(), SandboxState::kCondemned);
}

TEST_F(IsolateSandboxTest, OversizedResponseBecomesFunctionError) {
  writeFile("index.js", "exports.handler = async () => 'x'.repeat(6291600);");
  IsolateSandbox sb(loop_, workers_, spec());
  InvokeResult r = invokeOnce(sb, "req-big", "{}");
  EXPECT_EQ(r.outcome, InvokeOutcome::kResponseTooLarge);
  EXPECT_EQ(r.error_type, "Function.ResponseSizeTooLarge");
  EXPECT_NE(r.payload.find("(6291556 bytes)"), std::string::npos);
}

// A cold start served by the prewarm pool: the same answer and Lambda log lines as a fresh one,
// with the function's own environment.
TEST_F(IsolateSandboxTest, ColdStartFromThePrewarmPool) {
  js::IsolatePool& pool = js::IsolatePool::instance();
  pool.setTarget(2);
  ASSERT_TRUE(pool.waitForReady(2, std::chrono::seconds(20)));
  writeFile("index.js",
            "console.log('init', process.env.AWS_LAMBDA_FUNCTION_NAME);\n"
            "exports.handler = async (e, context) => ({ x: e.x, name: context.functionName, "
            "mem: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, fresh: typeof globalThis.seen });\n"
            "globalThis.seen = true;\n");
  uint64_t hits = pool.stats().hits;
  IsolateSandbox pooled(loop_, workers_, spec());
  InvokeResult a = invokeOnce(pooled, "req-p", "{\"x\":1}");
  EXPECT_EQ(pool.stats().hits, hits + 1);
  pool.setTarget(0);
  IsolateSandbox fresh(loop_, workers_, spec());
  InvokeResult b = invokeOnce(fresh, "req-p", "{\"x\":1}");
  EXPECT_EQ(pool.stats().hits, hits + 1);
  ASSERT_EQ(a.outcome, InvokeOutcome::kOk) << a.payload;
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(nlohmann::json::parse(a.payload),
            nlohmann::json::parse(R"({"x":1,"name":"fn","mem":"128","fresh":"boolean"})"));
  EXPECT_GE(a.init_duration_ms, 0);
  for (const InvokeResult* r : {&a, &b}) {
    EXPECT_NE(r->log_text.find("INIT_START Runtime Version: nodejs:20"), std::string::npos);
    EXPECT_NE(r->log_text.find("\tundefined\tINFO\tinit fn\n"), std::string::npos) << r->log_text;
    EXPECT_NE(r->log_text.find("START RequestId: req-p Version: $LATEST\n"), std::string::npos);
    EXPECT_NE(r->log_text.find("\tInit Duration: "), std::string::npos);
  }
}

// A handler waiting on a timer gives its worker slot back: with one active slot (and a stall
// allowance far beyond the test), a second sandbox's invocation still runs during the wait.
TEST_F(IsolateSandboxTest, ASleepingHandlerDoesNotHoldTheOnlyActiveSlot) {
  WorkerPool one_slot(4, 1, std::chrono::seconds(60));
  writeFile("index.js",
            "exports.handler = async (e) => { if (e.sleep) await new Promise((r) => "
            "setTimeout(r, e.sleep)); return e.name; };");
  IsolateSandbox sleeper(loop_, one_slot, spec());
  IsolateSandbox quick(loop_, one_slot, spec());
  invokeOnce(sleeper, "warm-1", R"({"name":"s"})");  // both warm, so only the sleep counts
  invokeOnce(quick, "warm-2", R"({"name":"q"})");

  std::vector<std::string> order;
  Timer guard(loop_);
  guard.start(10000, [&] { loop_.stop(); });
  auto record = [&](InvokeResult r) {
    order.push_back(r.payload);
    if (order.size() == 2) loop_.stop();
  };
  sleeper.invoke({"s", R"({"name":"sleeper","sleep":1500})", "arn", ""}, record);
  Timer later(loop_);
  later.start(100, [&] { quick.invoke({"q", R"({"name":"quick"})", "arn", ""}, record); });
  auto start = std::chrono::steady_clock::now();
  loop_.run();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "\"quick\"");  // it did not wait for the sleeper's slot
  EXPECT_EQ(order[1], "\"sleeper\"");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// CPU-bound invocations beyond the active slots queue up and all complete.
TEST_F(IsolateSandboxTest, MoreInvocationsThanActiveSlotsAllComplete) {
  WorkerPool two_slots(8, 2);
  writeFile("index.js",
            "exports.handler = async (e) => { let s = 0; for (let i = 0; i < 2e6; i++) s += i; "
            "return e.n; };");
  std::vector<std::unique_ptr<IsolateSandbox>> sandboxes;
  for (int i = 0; i < 6; ++i) sandboxes.push_back(std::make_unique<IsolateSandbox>(loop_, two_slots, spec()));
  int done = 0, ok = 0;
  Timer guard(loop_);
  guard.start(20000, [&] { loop_.stop(); });
  for (int i = 0; i < 6; ++i) {
    sandboxes[i]->invoke({"r" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}", "arn", ""},
                         [&, i](InvokeResult r) {
                           if (r.outcome == InvokeOutcome::kOk && r.payload == std::to_string(i)) ++ok;
                           if (++done == 6) loop_.stop();
                         });
  }
  loop_.run();
  EXPECT_EQ(done, 6);
  EXPECT_EQ(ok, 6);
}

// The code caches a cold start makes are made after its answer is posted, not before.
TEST_F(IsolateSandboxTest, CodeCachesAreMadeAfterTheAnswer) {
  writeFile("index.js", "// " + std::to_string(::getpid()) + dir_ + "\nexports.handler = async () => 'c';\n");
  size_t before = js::CodeCache::instance().bytesForTest();
  IsolateSandbox sb(loop_, workers_, spec());
  InvokeResult r = invokeOnce(sb, "req-c", "{}");
  EXPECT_EQ(r.payload, "\"c\"");
  bool grew = false;
  for (int i = 0; i < 200 && !grew; ++i) {
    grew = js::CodeCache::instance().bytesForTest() > before;
    if (!grew) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(grew);
}

// Dropping a sandbox on the loop thread never disposes its isolate there.
TEST_F(IsolateSandboxTest, DroppingASandboxDisposesItsIsolateOffTheLoop) {
  writeFile("index.js", "exports.handler = async () => 1;");
  js::IsolatePool& pool = js::IsolatePool::instance();
  uint64_t retired = pool.stats().retired;
  {
    auto sb = std::make_unique<IsolateSandbox>(loop_, workers_, spec());
    EXPECT_EQ(invokeOnce(*sb, "req-d", "{}").payload, "1");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the worker lets go of it
    sb.reset();  // here, on the loop thread: the isolate is handed to the disposal thread
  }
  EXPECT_EQ(pool.stats().retired, retired + 1);
  EXPECT_TRUE(pool.waitForDisposals(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace stratus::sandbox
