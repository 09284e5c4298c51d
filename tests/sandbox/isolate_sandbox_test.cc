// IsolateSandbox on a real Loop and WorkerPool with real V8: the bridge between the loop and
// JavaScript running on workers.
#include "sandbox/isolate_sandbox.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace stratus::sandbox
