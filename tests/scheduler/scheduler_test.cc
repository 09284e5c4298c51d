// The scheduler with fake sandboxes: warm reuse, retirement on change, idle reaping with a
// ManualClock (no sleeping), and errors.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace stratus::scheduler {
namespace {

// Answers every invoke on the next loop turn with its own id, so tests can tell sandboxes apart.
class FakeSandbox : public sandbox::Sandbox {
 public:
  FakeSandbox(Loop& loop, sandbox::SandboxSpec spec, int id, bool die_after_first)
      : loop_(loop), spec_(std::move(spec)), id_(id), die_(die_after_first) {}
  void invoke(sandbox::InvokeRequest req, sandbox::InvokeCallback done) override {
    state_ = sandbox::SandboxState::kBusy;
    if (drop_) {  // a sandbox bug: the callback dies uncalled
      loop_.post([done] {});
      return;
    }
    loop_.post([this, req, done] {
      state_ = die_ ? sandbox::SandboxState::kCondemned : sandbox::SandboxState::kIdle;
      sandbox::InvokeResult r;
      r.payload = "{\"sandbox\":" + std::to_string(id_) + "}";
      r.log_text = "START RequestId: " + req.request_id + "\n";
      r.log_stream = "stream-" + std::to_string(id_);
      r.init_duration_ms = prestarted_ || invoked_ ? -1 : 5;
      invoked_ = true;
      done(r);
    });
  }
  void prestart(sandbox::PrestartCallback done) override {
    loop_.post([this, done] {
      prestarted_ = true;
      state_ = fail_prestart_ ? sandbox::SandboxState::kCondemned : sandbox::SandboxState::kIdle;
      done(fail_prestart_ ? "Runtime.ImportModuleError" : "");
    });
  }
  uint64_t footprintMb() const override { return footprint_mb; }
  uint64_t footprint_mb = 10;
  bool fail_prestart_ = false;
  bool drop_ = false;
  sandbox::SandboxState state() const override { return state_; }
  void condemn() override { state_ = sandbox::SandboxState::kCondemned; }
  const sandbox::SandboxSpec& spec() const override { return spec_; }

 private:
  Loop& loop_;
  sandbox::SandboxSpec spec_;
  int id_;
  bool die_;
  sandbox::SandboxState state_ = sandbox::SandboxState::kStarting;
  bool prestarted_ = false;
  bool invoked_ = false;
};

class FakeFactory : public sandbox::SandboxFactory {
 public:
  explicit FakeFactory(Loop& loop) : loop_(loop) {}
  std::unique_ptr<sandbox::Sandbox> create(sandbox::SandboxSpec spec) override {
    last_spec = spec;
    auto sb = std::make_unique<FakeSandbox>(loop_, std::move(spec), ++created, die_after_first);
    sb->fail_prestart_ = fail_prestart;
    sb->footprint_mb = footprint_mb;
    sb->drop_ = drop_invocations;
    return sb;
  }
  bool fail_prestart = false;
  uint64_t footprint_mb = 10;
  bool drop_invocations = false;
  int created = 0;
  bool die_after_first = false;
  sandbox::SandboxSpec last_spec;

 private:
  Loop& loop_;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-sched-XXXXXX";
    dir_ = mkdtemp(tmpl);
    // A real zip in a real code store: the scheduler verifies the bundle on first use.
    std::string cmd = "cd " + dir_ +
                      " && printf 'exports.handler=async()=>1' > index.js && python3 -c "
                      "\"import zipfile; z=zipfile.ZipFile('f.zip','w'); z.write('index.js'); "
                      "z.close()\"";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(dir_ + "/f.zip", std::ios::binary);
    std::string zip((std::istreambuf_iterator<char>(in)), {});
    code_ = std::make_unique<layers::CodeStore>(dir_ + "/code");
    auto stored = code_->put(zip);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    writer_ = std::move(DbWriter::open(loop_, dir_ + "/s.db").value());
    registry_ = std::move(FunctionRegistry::open(*writer_).value());
    FunctionState state;
    FunctionRecord& r = state.latest;
    r.name = "fn";
    r.runtime = "nodejs20.x";
    r.handler = "index.handler";
    r.code = {stored->sha256_hex, stored->sha256_base64, stored->size};
    r.generation = 1;
    r.memory_mb = 10;  // the fake sandboxes' footprint: they are charged the same idle or busy
    r.environment = std::map<std::string, std::string>{{"A", "1"}};
    FunctionRecord v1 = r;
    v1.version = "1";
    v1.generation = 0;
    state.versions[1] = v1;
    FunctionRecord v2 = v1;
    v2.version = "2";
    state.versions[2] = v2;
    state.last_version = 2;
    state.aliases["live"] = {"live", "1", "", {{"2", 0.3}}, "rev"};
    ASSERT_TRUE(registry_->create(state, nullptr).ok());
    makeScheduler();
  }
  void makeScheduler(uint64_t budget_mb = 8192, std::function<double()> uniform = nullptr) {
    SchedulerOptions opts;
    opts.idle_timeout_ms = 60000;
    opts.host_memory_budget_mb = budget_mb;
    scheduler_.reset();
    scheduler_ = std::make_unique<Scheduler>(
        loop_, *registry_, *code_, factory_, limiter_, opts, clock_,
        uniform ? AliasRouter(uniform) : AliasRouter());
  }
  void TearDown() override {
    scheduler_.reset();
    std::filesystem::remove_all(dir_);
  }

  Result<InvokeOutput> invoke(const std::string& name, const std::string& qualifier = "") {
    Result<InvokeOutput> out = Error::service("did not finish");
    Timer guard(loop_);
    guard.start(5000, [&] { loop_.stop(); });
    scheduler_->invoke({name, qualifier, "id", "{}", "arn", ""}, [&](Result<InvokeOutput> r) {
      out = std::move(r);
      loop_.stop();
    });
    loop_.run();
    return out;
  }
  // Runs the loop until `done` holds or 5 s pass.
  void runUntil(const std::function<bool()>& done) {
    Timer poll(loop_);
    poll.start(1, [&] { if (done()) loop_.stop(); }, 1);
    Timer guard(loop_);
    guard.start(5000, [&] { loop_.stop(); });
    loop_.run();
  }
  std::string payload(const Result<InvokeOutput>& r) { return r.ok() ? r->result.payload : r.error().message; }

  std::string dir_;
  Loop loop_;
  ManualClock clock_;
  FakeFactory factory_{loop_};
  ConcurrencyLimiter limiter_{1000};
  std::unique_ptr<layers::CodeStore> code_;
  std::unique_ptr<DbWriter> writer_;
  std::unique_ptr<FunctionRegistry> registry_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, ReusesTheWarmSandbox) {
  EXPECT_EQ(payload(invoke("fn")), "{\"sandbox\":1}");
  EXPECT_EQ(scheduler_->idleCount("fn"), 1u);
  EXPECT_EQ(payload(invoke("fn")), "{\"sandbox\":1}");
  EXPECT_EQ(factory_.created, 1);
  EXPECT_EQ(factory_.last_spec.environment.at("A"), "1");
  EXPECT_TRUE(std::filesystem::exists(factory_.last_spec.task_root + "/index.js"));
}

// Collects what the scheduler hands over when invocations end.
class RecordingLogSink : public InvocationLogSink {
 public:
  void record(InvocationLog log) override { logs.push_back(std::move(log)); }
  std::vector<InvocationLog> logs;
};

TEST_F(SchedulerTest, HandsEveryInvocationsLinesToTheLogSink) {
  RecordingLogSink sink;
  scheduler_->setLogSink(&sink);
  ASSERT_TRUE(invoke("fn").ok());
  ASSERT_TRUE(invoke("fn").ok());
  ASSERT_TRUE(invoke("fn", "1").ok());
  ASSERT_EQ(sink.logs.size(), 3u);
  EXPECT_EQ(sink.logs[0].log_group, "/aws/lambda/fn");
  EXPECT_EQ(sink.logs[0].function_name, "fn");
  EXPECT_EQ(sink.logs[0].version, "$LATEST");
  EXPECT_EQ(sink.logs[0].log_stream, "stream-1");
  EXPECT_EQ(sink.logs[1].log_stream, "stream-1");  // the same environment, the same stream
  EXPECT_EQ(sink.logs[2].version, "1");
  EXPECT_EQ(sink.logs[2].log_stream, "stream-2");
  EXPECT_EQ(sink.logs[0].text, "START RequestId: id\n");
  EXPECT_FALSE(sink.logs[0].json_format);
  EXPECT_LE(sink.logs[0].start_ms, sink.logs[0].end_ms);
  scheduler_->setLogSink(nullptr);
  ASSERT_TRUE(invoke("fn").ok());
  EXPECT_EQ(sink.logs.size(), 3u);
}

TEST_F(SchedulerTest, AnInvocationItsSandboxDroppedFailsAndTheSandboxGoes) {
  factory_.drop_invocations = true;
  auto lost = invoke("fn");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kService);
  EXPECT_NE(lost.error().message.find("the invocation was lost"), std::string::npos);
  EXPECT_EQ(scheduler_->idleCount("fn"), 0u);
  factory_.drop_invocations = false;
  EXPECT_EQ(payload(invoke("fn")), "{\"sandbox\":2}");
}

TEST_F(SchedulerTest, ChangedFunctionGetsAFreshSandbox) {
  invoke("fn");
  FunctionState r = *registry_->find("fn");
  r.latest.generation++;
  ASSERT_TRUE(registry_->update(r, nullptr).ok());
  scheduler_->retire("fn");
  EXPECT_EQ(scheduler_->idleCount("fn"), 0u);
  EXPECT_EQ(payload(invoke("fn")), "{\"sandbox\":2}");
}

TEST_F(SchedulerTest, CondemnedSandboxIsNotReused) {
  factory_.die_after_first = true;
  invoke("fn");
  EXPECT_EQ(scheduler_->idleCount("fn"), 0u);
  invoke("fn");
  EXPECT_EQ(factory_.created, 2);
}

TEST_F(SchedulerTest, ReapsIdleSandboxesAfterTheIdleTimeout) {
  invoke("fn");
  clock_.advance(59000);
  scheduler_->reapIdle();
  EXPECT_EQ(scheduler_->idleCount("fn"), 1u);
  clock_.advance(2000);
  scheduler_->reapIdle();
  EXPECT_EQ(scheduler_->idleCount("fn"), 0u);
}

TEST_F(SchedulerTest, RebuildsAMissingBundleBeforeTheColdStart) {
  std::filesystem::remove_all(dir_ + "/code/bundles");
  auto r = invoke("fn");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(std::filesystem::exists(factory_.last_spec.task_root + "/index.js"));
}

TEST_F(SchedulerTest, UnknownFunctionIsNotFound) {
  auto r = invoke("nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceNotFound);
}

TEST_F(SchedulerTest, VersionsHaveTheirOwnSandboxes) {
  auto latest = invoke("fn");
  auto v1 = invoke("fn", "1");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(latest->executed_version, "$LATEST");
  EXPECT_EQ(v1->executed_version, "1");
  EXPECT_EQ(factory_.created, 2);
  EXPECT_EQ(factory_.last_spec.version, "1");
  EXPECT_EQ(payload(invoke("fn", "1")), "{\"sandbox\":2}");
  EXPECT_EQ(invoke("fn", "7").error().code, ErrorCode::kResourceNotFound);
  EXPECT_EQ(invoke("fn", "nope").error().code, ErrorCode::kResourceNotFound);
}

TEST_F(SchedulerTest, AliasRoutesByWeight) {
  double next = 0.0;
  makeScheduler(8192, [&] { return next; });
  next = 0.29;  // below the 0.3 weight: the additional version
  EXPECT_EQ(invoke("fn", "live")->executed_version, "2");
  next = 0.31;
  EXPECT_EQ(invoke("fn", "live")->executed_version, "1");
}

TEST_F(SchedulerTest, ReservedConcurrencyThrottles) {
  FunctionState s = *registry_->find("fn");
  s.reserved_concurrency = 0;
  ASSERT_TRUE(registry_->update(s, nullptr).ok());
  auto r = invoke("fn");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(r.error().reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(factory_.created, 0);
}

TEST_F(SchedulerTest, ProvisionedSandboxesAreInitialisedAheadAndUsedFirst) {
  FunctionState s = *registry_->find("fn");
  s.provisioned["1"] = {2, 0};
  ASSERT_TRUE(registry_->update(s, nullptr).ok());
  scheduler_->provision("fn", "1");
  EXPECT_EQ(scheduler_->provisionedStatus("fn", "1").status, "IN_PROGRESS");
  runUntil([&] { return scheduler_->provisionedStatus("fn", "1").status == "READY"; });
  auto st = scheduler_->provisionedStatus("fn", "1");
  EXPECT_EQ(st.status, "READY");
  EXPECT_EQ(st.allocated, 2);
  EXPECT_EQ(factory_.created, 2);
  EXPECT_TRUE(factory_.last_spec.provisioned);
  auto r = invoke("fn", "1");
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->result.init_duration_ms, 0);  // served by a provisioned sandbox
  EXPECT_EQ(factory_.created, 2);
  // Provisioned sandboxes are never reaped.
  clock_.advance(3600 * 1000);
  scheduler_->reapIdle();
  EXPECT_EQ(scheduler_->provisionedStatus("fn", "1").allocated, 2);
  // Removing the config removes them.
  s.provisioned.clear();
  ASSERT_TRUE(registry_->update(s, nullptr).ok());
  scheduler_->provision("fn", "1");
  EXPECT_EQ(scheduler_->idleCount("fn"), 0u);
  EXPECT_EQ(scheduler_->provisionedStatus("fn", "1").allocated, 0);
}

TEST_F(SchedulerTest, FailedProvisioningReportsFailed) {
  factory_.fail_prestart = true;
  FunctionState s = *registry_->find("fn");
  s.provisioned["live"] = {1, 0};
  ASSERT_TRUE(registry_->update(s, nullptr).ok());
  scheduler_->provision("fn", "live");
  runUntil([&] { return scheduler_->provisionedStatus("fn", "live").status == "FAILED"; });
  auto st = scheduler_->provisionedStatus("fn", "live");
  EXPECT_EQ(st.status, "FAILED");
  EXPECT_EQ(st.reason, "FUNCTION_ERROR_INIT_FAILURE");
}

TEST_F(SchedulerTest, MemoryBudgetEvictsLeastRecentlyUsedThenRefuses) {
  makeScheduler(/*budget_mb=*/25);  // room for two 10 MB sandboxes
  invoke("fn");                     // sandbox 1 ($LATEST)
  clock_.advance(10);
  invoke("fn", "1");  // sandbox 2
  clock_.advance(10);
  EXPECT_EQ(scheduler_->hostUsedMb(), 20u);
  invoke("fn", "2");  // evicts sandbox 1, the least recently used
  EXPECT_EQ(factory_.created, 3);
  EXPECT_EQ(scheduler_->hostUsedMb(), 20u);
  EXPECT_EQ(payload(invoke("fn", "1")), "{\"sandbox\":2}");  // still warm
  EXPECT_EQ(payload(invoke("fn")), "{\"sandbox\":4}");       // was evicted: cold again
  makeScheduler(/*budget_mb=*/5);
  auto refused = invoke("fn");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kTooManyRequests);
}

TEST_F(SchedulerTest, RunningSandboxesAreChargedTheirMemorySize) {
  // A 10 MB function whose idle sandbox measures 2 MB: idle it is charged 2, running 10.
  factory_.footprint_mb = 2;
  makeScheduler(/*budget_mb=*/15);
  ASSERT_TRUE(invoke("fn").ok());
  EXPECT_EQ(scheduler_->hostUsedMb(), 2u);
  std::vector<Result<InvokeOutput>> out;
  for (int i = 0; i < 2; ++i) {
    scheduler_->invoke({"fn", "", "id", "{}", "arn", ""}, [&](Result<InvokeOutput> r) {
      out.push_back(std::move(r));
    });
  }
  // The warm one grew to 10 MB of the 15: a second, cold, 10 MB start does not fit.
  EXPECT_EQ(scheduler_->hostUsedMb(), 10u);
  runUntil([&] { return out.size() == 2; });
  ASSERT_EQ(out.size(), 2u);
  ASSERT_FALSE(out[0].ok());  // refused at once, before the warm one answered
  EXPECT_EQ(out[0].error().code, ErrorCode::kTooManyRequests);
  EXPECT_TRUE(out[1].ok());
  EXPECT_EQ(factory_.created, 1);
  EXPECT_EQ(scheduler_->hostUsedMb(), 2u);  // idle again
}

}  // namespace
}  // namespace stratus::scheduler
