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
    loop_.post([this, req, done] {
      state_ = die_ ? sandbox::SandboxState::kCondemned : sandbox::SandboxState::kIdle;
      sandbox::InvokeResult r;
      r.payload = "{\"sandbox\":" + std::to_string(id_) + "}";
      done(r);
    });
  }
  sandbox::SandboxState state() const override { return state_; }
  void condemn() override { state_ = sandbox::SandboxState::kCondemned; }
  const sandbox::SandboxSpec& spec() const override { return spec_; }

 private:
  Loop& loop_;
  sandbox::SandboxSpec spec_;
  int id_;
  bool die_;
  sandbox::SandboxState state_ = sandbox::SandboxState::kStarting;
};

class FakeFactory : public sandbox::SandboxFactory {
 public:
  explicit FakeFactory(Loop& loop) : loop_(loop) {}
  std::unique_ptr<sandbox::Sandbox> create(sandbox::SandboxSpec spec) override {
    last_spec = spec;
    return std::make_unique<FakeSandbox>(loop_, std::move(spec), ++created, die_after_first);
  }
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
    db_ = std::move(Db::open(dir_ + "/s.db").value());
    registry_ = std::move(FunctionRegistry::open(*db_).value());
    FunctionRecord r;
    r.name = "fn";
    r.runtime = "nodejs20.x";
    r.handler = "index.handler";
    r.code = {stored->sha256_hex, stored->sha256_base64, stored->size};
    r.generation = 1;
    r.environment = std::map<std::string, std::string>{{"A", "1"}};
    ASSERT_TRUE(registry_->create(r).ok());
    SchedulerOptions opts;
    opts.idle_timeout_ms = 60000;
    scheduler_ = std::make_unique<Scheduler>(loop_, *registry_, *code_, factory_, opts, clock_);
  }
  void TearDown() override {
    scheduler_.reset();
    std::filesystem::remove_all(dir_);
  }

  Result<sandbox::InvokeResult> invoke(const std::string& name) {
    Result<sandbox::InvokeResult> out = Error::service("did not finish");
    Timer guard(loop_);
    guard.start(5000, [&] { loop_.stop(); });
    scheduler_->invoke({name, "id", "{}", "arn", ""}, [&](Result<sandbox::InvokeResult> r) {
      out = std::move(r);
      loop_.stop();
    });
    loop_.run();
    return out;
  }

  std::string dir_;
  Loop loop_;
  ManualClock clock_;
  FakeFactory factory_{loop_};
  std::unique_ptr<layers::CodeStore> code_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<FunctionRegistry> registry_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, ReusesTheWarmSandbox) {
  EXPECT_EQ(invoke("fn")->payload, "{\"sandbox\":1}");
  EXPECT_EQ(scheduler_->idleCount("fn"), 1u);
  EXPECT_EQ(invoke("fn")->payload, "{\"sandbox\":1}");
  EXPECT_EQ(factory_.created, 1);
  EXPECT_EQ(factory_.last_spec.environment.at("A"), "1");
  EXPECT_TRUE(std::filesystem::exists(factory_.last_spec.task_root + "/index.js"));
}

TEST_F(SchedulerTest, ChangedFunctionGetsAFreshSandbox) {
  invoke("fn");
  FunctionRecord r = *registry_->find("fn");
  r.generation++;
  ASSERT_TRUE(registry_->update(r).ok());
  scheduler_->retire("fn");
  EXPECT_EQ(scheduler_->idleCount("fn"), 0u);
  EXPECT_EQ(invoke("fn")->payload, "{\"sandbox\":2}");
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

}  // namespace
}  // namespace stratus::scheduler
