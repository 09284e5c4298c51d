// The attach helper, run for real: the server side (AttachHelper on a Loop) against the real
// `stratus-jail attach`, mounting trees into real running jails; and its wire format alone.
#include "sandbox/attach_helper.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <optional>

#include "runtime/base/loop.h"
#include "sandbox/jail/attach_protocol.h"
#include "tests/sandbox/jail_runner.h"

namespace stratus::sandbox {
namespace {

using jail::AttachAnswer;
using jail::AttachBind;
using jail::AttachRequest;
using testing::JailProcess;
using testing::JailScratch;

std::string body(const std::string& frame) { return frame.substr(sizeof(uint32_t)); }

TEST(AttachProtocol, RequestsAndAnswersRoundTrip) {
  AttachRequest r{7, 1234, {{"/data/code/abc", "/var/task"}, {"/data/opt/x y", "/opt"}}};
  std::string frame = jail::encodeAttachRequest(r);
  EXPECT_EQ(jail::attach_wire::announcedLength(frame), frame.size() - sizeof(uint32_t));
  uint64_t id = 0;
  auto back = jail::decodeAttachRequest(body(frame), &id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, 7u);
  EXPECT_EQ(back->pid, 1234);
  ASSERT_EQ(back->binds.size(), 2u);
  EXPECT_EQ(back->binds[1].src, "/data/opt/x y");
  EXPECT_EQ(back->binds[1].dst, "/opt");

  auto ok = jail::decodeAttachAnswer(body(jail::encodeAttachAnswer(AttachAnswer{7, true, {}, {}, {}})));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->ok);
  auto failed = jail::decodeAttachAnswer(
      body(jail::encodeAttachAnswer(AttachAnswer{8, false, "move_mount", "/var/task", "No such file"})));
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->ok);
  EXPECT_EQ(failed->id, 8u);
  EXPECT_EQ(failed->text(), "move_mount /var/task: No such file");
}

TEST(AttachProtocol, RefusesMalformedRequests) {
  uint64_t id = 0;
  auto bad = [&](const std::vector<std::string>& f) {
    return !jail::decodeAttachRequest(body(jail::attach_wire::frame(f)), &id);
  };
  EXPECT_TRUE(bad({"1", "1234"}));                       // no tree
  EXPECT_TRUE(bad({"1", "1234", "/src"}));               // SRC without DST
  EXPECT_TRUE(bad({"1", "1", "/src", "/var/task"}));     // pid 1 is never a jail's helper
  EXPECT_TRUE(bad({"1", "12x", "/src", "/var/task"}));   // not a number
  EXPECT_TRUE(bad({"1", "1234", "/src", "var/task"}));   // DST not absolute
  EXPECT_TRUE(bad({"x", "1234", "/src", "/var/task"}));  // no id
  EXPECT_FALSE(jail::decodeAttachRequest("1\0002", &id));  // no final NUL
  EXPECT_TRUE(bad({"5", "1234", "/src", "var/task"}));
  EXPECT_EQ(id, 5u);  // a refusal still names the request
  EXPECT_FALSE(jail::decodeAttachAnswer(body(jail::attach_wire::frame({"1", "maybe"}))));
}

class AttachHelperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the jail and setns need root";
    signal(SIGPIPE, SIG_IGN);  // as the server does (attach_helper.h)
    code_ = scratch_.base() + "/code";
    mkdir(code_.c_str(), 0755);
    std::ofstream(code_ + "/marker") << "the function's code\n";
    chmod((code_ + "/marker").c_str(), 0644);
  }

  // A running jail with an empty /var/task, as a prewarmed runtime waits in.
  std::unique_ptr<JailProcess> startJail() {
    auto jail = std::make_unique<JailProcess>(scratch_.args(), std::vector<std::string>{"/bin/sleep", "30"});
    EXPECT_TRUE(jail->waitForExec()) << jail->errorLine();
    return jail;
  }

  // Runs the loop until `done` or 10 s pass.
  void runUntil(const bool& done) {
    Timer guard(loop_);
    guard.start(10000, [&] { loop_.stop(); });
    Timer poll(loop_);
    poll.start(1, [&] { if (done) loop_.stop(); }, 1);
    loop_.run();
    ASSERT_TRUE(done) << "did not finish within 10 s";
  }

  std::string attach(AttachHelper& helper, pid_t pid, std::vector<AttachBind> binds) {
    bool done = false;
    std::string error = "unanswered";
    helper.attach(pid, std::move(binds), [&](std::string e) {
      error = std::move(e);
      done = true;
    });
    runUntil(done);
    return error;
  }

  // Waits (bounded) until the helper runs a process other than `not_pid`.
  pid_t waitForHelper(AttachHelper& helper, pid_t not_pid = 0) {
    helper.start();
    bool up = false;
    Timer poll(loop_);
    poll.start(5, [&] { up = helper.pid() != 0 && helper.pid() != not_pid; }, 5);
    runUntil(up);
    return helper.pid();
  }

  static std::string mountNamespace(pid_t pid) {
    char link[256] = {};
    ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), link, sizeof link - 1);
    return n > 0 ? std::string(link, static_cast<size_t>(n)) : "";
  }

  JailScratch scratch_;
  std::string code_;
  Loop loop_;
};

TEST_F(AttachHelperTest, MountsCodeReadOnlyIntoARunningJailAndGoesHome) {
  auto jail = startJail();
  AttachHelper helper(loop_, testing::jailBinary());
  pid_t helper_pid = waitForHelper(helper);
  EXPECT_EQ(attach(helper, jail->pid(), {{code_, "/var/task"}}), "");
  std::string seen = "/proc/" + std::to_string(jail->pid()) + "/root/var/task/marker";
  std::ifstream in(seen);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "the function's code");
  errno = 0;
  EXPECT_LT(open(seen.c_str(), O_WRONLY), 0);
  EXPECT_EQ(errno, EROFS);
  // Back in its own namespace (the host's), and still the same process: no fork per request.
  EXPECT_EQ(mountNamespace(helper_pid), mountNamespace(getpid()));
  EXPECT_EQ(helper.pid(), helper_pid);
  // Nothing of the mount leaked into the host's view of the placeholder.
  EXPECT_FALSE(std::ifstream(scratch_.task() + "/marker").good());
}

TEST_F(AttachHelperTest, AFailingRequestIsAnsweredWithItsStepAndTheHelperGoesOn) {
  auto jail = startJail();
  AttachHelper helper(loop_, testing::jailBinary());
  pid_t helper_pid = waitForHelper(helper);
  std::string missing = scratch_.base() + "/no-such-code";
  EXPECT_EQ(attach(helper, jail->pid(), {{missing, "/var/task"}}),
            "open_tree " + missing + ": No such file or directory");
  // Fails inside the jail, after setns: the helper must still come home.
  EXPECT_EQ(attach(helper, jail->pid(), {{code_, "/no/such/place"}}),
            "move_mount /no/such/place: No such file or directory");
  EXPECT_EQ(mountNamespace(helper_pid), mountNamespace(getpid()));
  EXPECT_EQ(attach(helper, 999999, {{code_, "/var/task"}}),
            "open /proc/999999/ns/mnt: No such file or directory");
  EXPECT_EQ(attach(helper, jail->pid(), {{code_, "/var/task"}}), "");
  EXPECT_EQ(helper.pid(), helper_pid);
  EXPECT_EQ(helper.startsForTest(), 1u);
}

TEST_F(AttachHelperTest, AKilledHelperFailsItsPendingRequestAndIsReplaced) {
  auto jail = startJail();
  AttachHelper helper(loop_, testing::jailBinary());
  pid_t first = waitForHelper(helper);
  // Stopped, the helper cannot answer: the request is pending when the kill comes.
  ASSERT_EQ(kill(first, SIGSTOP), 0);
  bool done = false;
  std::string error;
  helper.attach(jail->pid(), {{code_, "/var/task"}}, [&](std::string e) {
    error = std::move(e);
    done = true;
  });
  ASSERT_EQ(kill(first, SIGKILL), 0);
  runUntil(done);
  EXPECT_EQ(error, "attach helper exited: Runtime exited with error: signal: killed");
  pid_t second = waitForHelper(helper, first);
  EXPECT_NE(second, first);
  EXPECT_EQ(attach(helper, jail->pid(), {{code_, "/var/task"}}), "");
  EXPECT_EQ(helper.startsForTest(), 2u);
}

TEST_F(AttachHelperTest, StopKillsTheHelper) {
  AttachHelper helper(loop_, testing::jailBinary());
  pid_t pid = waitForHelper(helper);
  helper.stop();
  EXPECT_EQ(helper.pid(), 0);
  bool gone = false;
  Timer poll(loop_);
  // Reaped by libuv once it is dead: then no process has that pid (or another took it).
  poll.start(5, [&] {
    std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    gone = text.find("attach") == std::string::npos;
  }, 5);
  runUntil(gone);
  EXPECT_EQ(attach(helper, 1234, {{code_, "/var/task"}}), "attach helper unavailable: stopped");
}

TEST_F(AttachHelperTest, AMissingBinaryIsGivenUpOnWithItsReason) {
  RestartBackoffOptions quick{1, 2, 3};
  AttachHelper helper(loop_, scratch_.base() + "/no-such-jail", quick);
  std::string error;
  for (int i = 0; i < 3; ++i) error = attach(helper, 1234, {{code_, "/var/task"}});
  EXPECT_NE(error.find("attach helper unavailable: spawn " + scratch_.base() + "/no-such-jail"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace stratus::sandbox
