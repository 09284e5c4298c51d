// The isolate tier out of process: IsolateHostSupervisor and IsolateHostSandbox on a real Loop
// with the real stratus-isolate-host binary. A host's death answers what was in flight on it as
// a crashed runtime and condemns its sandboxes; the supervisor starts a new one; a host that
// cannot start is retried with back-off, then given up with a clear error.
#include "sandbox/isolate_host_sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sandbox/isolate_host_supervisor.h"

namespace stratus::sandbox {
namespace {

class IsolateHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // as the server does: a write to a dead host fails, not kills
    char tmpl[] = "/tmp/stratus-ih-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/index.js")
        << "let n = 0; exports.handler = async (e) => { n++; if (e.wait) await new Promise(r => "
           "setTimeout(r, e.wait)); return {n, pid: typeof process === 'object' ? 1 : 0}; };";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  IsolateSupervisorOptions options(std::string binary = STRATUS_ISOLATE_HOST_BIN) {
    IsolateSupervisorOptions o;
    o.binary = std::move(binary);
    o.prewarm = 0;
    o.max_workers = 8;
    o.backoff = {5, 20, 3};
    return o;
  }
  SandboxSpec spec(int memory_mb = 128) {
    SandboxSpec s;
    s.function_name = "fn";
    s.version = "$LATEST";
    s.runtime = "nodejs20.x";
    s.handler = "index.handler";
    s.task_root = dir_;
    s.memory_mb = memory_mb;
    s.timeout_s = 5;
    return s;
  }
  // Runs the loop until `done` or 15 s pass.
  void runUntil(const bool& done) {
    Timer guard(loop_);
    guard.start(15000, [&] { loop_.stop(); });
    Timer poll(loop_);
    poll.start(1, [&] { if (done) loop_.stop(); }, 1);
    loop_.run();
    ASSERT_TRUE(done) << "did not finish within 15 s";
  }
  InvokeResult invokeOnce(Sandbox& sb, const std::string& payload) {
    InvokeResult out;
    bool done = false;
    sb.invoke({"req", payload, "arn:aws:lambda:us-east-1:000000000000:function:fn", ""},
              [&](InvokeResult r) {
                out = std::move(r);
                done = true;
              });
    runUntil(done);
    return out;
  }

  std::string dir_;
  Loop loop_;
};

TEST_F(IsolateHostTest, ColdThenWarmInvokeInAHost) {
  IsolateHostSupervisor hosts(loop_, options());
  IsolateHostSandbox sb(hosts, spec());
  InvokeResult cold = invokeOnce(sb, "{}");
  EXPECT_EQ(cold.outcome, InvokeOutcome::kOk) << cold.payload;
  EXPECT_EQ(cold.payload, "{\"n\":1,\"pid\":1}");
  EXPECT_GE(cold.init_duration_ms, 0);
  EXPECT_NE(cold.log_text.find("REPORT RequestId: req"), std::string::npos) << cold.log_text;
  InvokeResult warm = invokeOnce(sb, "{}");
  EXPECT_EQ(warm.payload, "{\"n\":2,\"pid\":1}");
  EXPECT_LT(warm.init_duration_ms, 0);
  EXPECT_EQ(sb.state(), SandboxState::kIdle);
  ASSERT_EQ(hosts.hostPids().size(), 1u);
  EXPECT_NE(hosts.hostPids()[0], ::getpid());
}

TEST_F(IsolateHostTest, AKilledHostFailsItsInFlightInvokeAndANewHostServesNext) {
  IsolateHostSupervisor hosts(loop_, options());
  IsolateHostSandbox sb(hosts, spec());
  ASSERT_EQ(invokeOnce(sb, "{}").outcome, InvokeOutcome::kOk);
  std::vector<pid_t> before = hosts.hostPids();
  ASSERT_EQ(before.size(), 1u);

  InvokeResult r;
  bool done = false;
  sb.invoke({"req-2", "{\"wait\":3000}", "arn", ""}, [&](InvokeResult res) {
    r = std::move(res);
    done = true;
  });
  Timer killer(loop_);
  killer.start(200, [&] { ::kill(before[0], SIGKILL); });
  runUntil(done);
  EXPECT_EQ(r.outcome, InvokeOutcome::kRuntimeExited);
  EXPECT_EQ(r.error_type, "Runtime.ExitError");
  EXPECT_NE(r.payload.find("RequestId: req-2 Error: Runtime exited with error: signal: killed"),
            std::string::npos) << r.payload;
  EXPECT_NE(r.log_text.find("REPORT RequestId: req-2"), std::string::npos) << r.log_text;
  EXPECT_EQ(sb.state(), SandboxState::kCondemned);

  IsolateHostSandbox fresh(hosts, spec());
  InvokeResult next = invokeOnce(fresh, "{}");
  EXPECT_EQ(next.outcome, InvokeOutcome::kOk) << next.payload;
  EXPECT_EQ(next.payload, "{\"n\":1,\"pid\":1}");
  ASSERT_EQ(hosts.hostPids().size(), 1u);
  EXPECT_NE(hosts.hostPids()[0], before[0]);
}

TEST_F(IsolateHostTest, MemorySizesGetHostsOfTheirOwn) {
  IsolateHostSupervisor hosts(loop_, options());
  IsolateHostSandbox small(hosts, spec(128)), large(hosts, spec(256));
  ASSERT_EQ(invokeOnce(small, "{}").outcome, InvokeOutcome::kOk);
  ASSERT_EQ(invokeOnce(large, "{}").outcome, InvokeOutcome::kOk);
  EXPECT_EQ(hosts.hostPids().size(), 2u);
}

TEST_F(IsolateHostTest, AHostThatCannotStartIsGivenUpWithAClearError) {
  IsolateHostSupervisor hosts(loop_, options("/nonexistent/stratus-isolate-host"));
  std::string last;
  for (int i = 0; i < 20 && last.find("gave up") == std::string::npos; ++i) {
    IsolateHostSandbox sb(hosts, spec());
    InvokeResult r = invokeOnce(sb, "{}");
    EXPECT_EQ(r.outcome, InvokeOutcome::kInitError);
    EXPECT_EQ(r.error_type, "Runtime.ExitError");
    last = r.payload;
    // Let the back-off pass (it is a few ms here) before asking again.
    bool waited = false;
    Timer t(loop_);
    t.start(25, [&] { waited = true; });
    runUntil(waited);
  }
  EXPECT_NE(last.find("cannot start (gave up after 3 attempts)"), std::string::npos) << last;
  EXPECT_NE(last.find("/nonexistent/stratus-isolate-host"), std::string::npos) << last;
  EXPECT_TRUE(hosts.hostPids().empty());
}

TEST_F(IsolateHostTest, AHostThatDiesBeforeItIsReadyCountsAsAFailedStart) {
  // /bin/false starts (spawn succeeds) and exits at once, never saying "ready".
  IsolateHostSupervisor hosts(loop_, options("/bin/false"));
  std::string last;
  for (int i = 0; i < 20 && last.find("gave up") == std::string::npos; ++i) {
    IsolateHostSandbox sb(hosts, spec());
    InvokeResult r = invokeOnce(sb, "{}");
    EXPECT_EQ(r.error_type, "Runtime.ExitError");
    last = r.payload;
    bool waited = false;
    Timer t(loop_);
    t.start(25, [&] { waited = true; });
    runUntil(waited);
  }
  EXPECT_NE(last.find("gave up after 3 attempts"), std::string::npos) << last;
  EXPECT_NE(last.find("exited before it was ready"), std::string::npos) << last;
}

}  // namespace
}  // namespace stratus::sandbox
