// The jail helper, run for real: namespaces, mounts, credentials, fds, status pass-through.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/sandbox/jail_runner.h"

namespace stratus::sandbox {
namespace {

using testing::JailProcess;
using testing::JailResult;
using testing::JailScratch;
using testing::runJail;

std::vector<std::string> sh(const std::string& script) { return {"/bin/sh", "-c", script}; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Exactly "sleep <duration>": the shell that started them has the text in its own cmdline.
size_t hostSleeps(const std::string& duration) {
  DIR* proc = opendir("/proc");
  size_t found = 0;
  while (dirent* entry = readdir(proc)) {
    if (std::atoi(entry->d_name) <= 0) continue;
    std::ifstream in("/proc/" + std::string(entry->d_name) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline == std::string("sleep\0", 6) + duration + std::string(1, '\0')) ++found;
  }
  closedir(proc);
  return found;
}

bool exitedWith(const JailResult& r, int code) {
  return !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == code;
}

bool killedBy(const JailResult& r, int sig) {
  return !r.timed_out && WIFSIGNALED(r.status) && WTERMSIG(r.status) == sig;
}

class JailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the jail needs root (namespaces, mounts, setresuid)";
    scratch_.writeTaskFile("hello.txt", "hello from the task\n");
  }
  JailScratch scratch_;
};

TEST_F(JailTest, RunsAsTheGivenUserInVarTask) {
  JailResult r = runJail(scratch_.args(), sh("id -u; id -g; id -G; id -un; pwd; cat hello.txt; "
                                             "hostname; echo $HOME"),
                         {"PATH=/usr/bin:/bin", "HOME=/tmp"});
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"1051", "1051", "1051", "sbx_user1051",
                                                     "/var/task", "hello from the task", "stratus",
                                                     "/tmp"}));
  EXPECT_EQ(r.error_line, "");
}

// Lambda extensions: started before the program, in its namespaces, as its user, with its
// environment; the program does not wait for them.
TEST_F(JailTest, StartsExtensionsBeforeTheProgram) {
  scratch_.writeTaskFile("ext.sh", "#!/bin/sh\necho \"ext $(id -u) $NAME $(cat /proc/1/comm)\"\ntouch /tmp/ext-done\n");
  std::filesystem::permissions(scratch_.task() + "/ext.sh", std::filesystem::perms::owner_all |
                                                                std::filesystem::perms::others_exec |
                                                                std::filesystem::perms::others_read);
  std::vector<std::string> args = scratch_.args();
  args.insert(args.end(), {"--extension", "/var/task/ext.sh"});
  // The program waits (bounded) for the extension's line, so the order of the output is fixed.
  JailResult r = runJail(args, sh("for i in $(seq 200); do [ -e /tmp/ext-done ] && break; sleep 0.02; done; "
                                  "echo prog $(id -u) $NAME"),
                         {"PATH=/usr/bin:/bin", "NAME=fn"});
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[0], "ext 1051 fn stratus-jail");  // pid 1 is the jail's init: same pid namespace
  EXPECT_EQ(out[1], "prog 1051 fn");
}

TEST_F(JailTest, RefusesARelativeExtension) {
  std::vector<std::string> args = scratch_.args();
  args.insert(args.end(), {"--extension", "ext.sh"});
  JailResult r = runJail(args, {"/bin/true"});
  EXPECT_TRUE(exitedWith(r, 126)) << r.status;
  EXPECT_NE(r.error_line.find("--extension"), std::string::npos) << r.error_line;
}

TEST_F(JailTest, SeesExactlyTheEnvironmentItWasGiven) {
  std::vector<std::string> env{"PATH=/usr/bin:/bin", "AWS_LAMBDA_FUNCTION_NAME=fn",
                               "WITH_SPACES=a b  c", "EMPTY="};
  JailResult r = runJail(scratch_.args(), {"/usr/bin/env"}, env);
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  EXPECT_EQ(lines(r.out), env);
}

TEST_F(JailTest, CannotWriteOutsideTmp) {
  // Owned by the sandbox user, so only the read-only mount stands in the way.
  ASSERT_EQ(chown(scratch_.task().c_str(), testing::kJailUid, testing::kJailGid), 0);
  JailResult r = runJail(scratch_.args(),
                         sh("for d in /var/task /usr /etc /; do touch $d/stratus-w 2>&1 && "
                            "echo WROTE $d; done; grep -c '^tmpfs / tmpfs ro,' /proc/mounts"));
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  EXPECT_EQ(r.out.find("WROTE"), std::string::npos) << r.out;
  for (const char* dir : {"/var/task/", "/usr/", "/etc/", "//"}) {
    EXPECT_NE(r.out.find(std::string(dir) + "stratus-w': Read-only file system"), std::string::npos)
        << r.out;
  }
  EXPECT_NE(r.out.find("\n1\n"), std::string::npos) << "the root tmpfs must be read-only: "
                                                       << r.out;
  struct stat st;
  EXPECT_NE(stat((scratch_.task() + "/stratus-w").c_str(), &st), 0);
}

TEST_F(JailTest, TmpIsWritableAndPrivate) {
  std::string host_file = "/tmp/stratus-host-only-" + std::to_string(getpid());
  std::ofstream(host_file) << "host";
  JailResult r = runJail(scratch_.args(),
                         sh("ls -A /tmp | wc -l; [ -e " + host_file + " ] && echo VISIBLE; "
                            "echo data > /tmp/mine && cat /tmp/mine; stat -c %a /tmp; "
                            "echo shm > /dev/shm/s && cat /dev/shm/s"));
  unlink(host_file.c_str());
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"0", "data", "1777", "shm"}));
}

TEST_F(JailTest, ProcShowsOnlyTheJailsProcesses) {
  JailResult r = runJail(scratch_.args(),
                         sh("for p in /proc/[0-9]*; do echo ${p#/proc/}; done; "
                            "[ -e /proc/" + std::to_string(getpid()) + " ] && echo HOSTPID; true"));
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  // pid 1 is the jail's init, pid 2 this shell: nothing of the host.
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"1", "2"}));
}

TEST_F(JailTest, HostPathsAreAbsent) {
  JailResult r = runJail(scratch_.args(),
                         sh("for p in /root /work /home /mnt /sys /opt /var/lib /etc/shadow "
                            "/etc/ssh " + scratch_.base() + "; do [ -e $p ] && echo $p; done; "
                            "ls /; ls /etc"));
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  std::vector<std::string> got = lines(r.out);
  std::set<std::string> allowed_root{"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32",
                                     "proc", "sbin", "tmp", "usr", "var"};
  std::set<std::string> allowed_etc{"ca-certificates", "group", "hosts", "ld.so.cache",
                                    "localtime", "nsswitch.conf", "passwd", "resolv.conf", "ssl"};
  for (const std::string& line : got) {
    EXPECT_TRUE(allowed_root.count(line) || allowed_etc.count(line)) << "unexpected: " << line;
  }
}

TEST_F(JailTest, InheritedFdsBeyondStderrAreClosed) {
  // The helper got fds 3 (error fd), 7 and 100; the program must see only 0, 1, 2.
  // ls, a child of the shell, lists the shell's descriptors (a glob would show its own dir fd).
  JailResult r = runJail(scratch_.args(), sh("ls /proc/$$/fd"), {"PATH=/usr/bin:/bin"},
                         /*leak_fds=*/true);
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"0", "1", "2"}));
}

TEST_F(JailTest, ExitCodePassesThrough) {
  EXPECT_TRUE(exitedWith(runJail(scratch_.args(), sh("exit 42")), 42));
  EXPECT_TRUE(exitedWith(runJail(scratch_.args(), sh("exit 0")), 0));
  EXPECT_TRUE(exitedWith(runJail(scratch_.args(), {"/bin/false"}), 1));
}

TEST_F(JailTest, TerminatingSignalPassesThrough) {
  JailResult segv = runJail(scratch_.args(), sh("kill -SEGV $$"));
  EXPECT_TRUE(killedBy(segv, SIGSEGV)) << segv.status;
  EXPECT_FALSE(WCOREDUMP(segv.status)) << "RLIMIT_CORE is 0";
  JailResult usr1 = runJail(scratch_.args(), sh("kill -USR1 $$"));
  EXPECT_TRUE(killedBy(usr1, SIGUSR1)) << usr1.status;
  JailResult nine = runJail(scratch_.args(), sh("kill -KILL $$"));
  EXPECT_TRUE(killedBy(nine, SIGKILL)) << nine.status;
}

TEST_F(JailTest, SuccessfulExecClosesTheErrorFdWithNothingWritten) {
  JailProcess jail(scratch_.args(), {"/bin/sleep", "5"});
  ASSERT_TRUE(jail.waitForExec());
  EXPECT_EQ(jail.errorLine(), "");
  int status;
  EXPECT_EQ(waitpid(jail.pid(), &status, WNOHANG), 0) << "the program is still running";
}

TEST_F(JailTest, SigtermIsForwardedToTheProgram) {
  JailProcess jail(scratch_.args(), {"/bin/sleep", "30"});
  ASSERT_TRUE(jail.waitForExec());
  ASSERT_EQ(kill(jail.pid(), SIGTERM), 0);
  JailResult r = jail.finish(std::chrono::seconds(3));
  EXPECT_TRUE(killedBy(r, SIGTERM)) << r.status << " " << r.err;
}

TEST_F(JailTest, KillingTheHelperKillsGrandchildren) {
  // A unique duration, so the test can find its sleeps among the host's processes.
  std::string marker = std::to_string(1000 + getpid() % 1000) + ".25";
  JailProcess jail(scratch_.args(), sh("sleep " + marker + " & sleep " + marker + " & wait"));
  ASSERT_TRUE(jail.waitForExec());
  ASSERT_TRUE(testing::eventually([&] { return hostSleeps(marker) == 2; }));
  ASSERT_EQ(kill(jail.pid(), SIGKILL), 0);
  JailResult r = jail.finish(std::chrono::seconds(3));
  EXPECT_TRUE(killedBy(r, SIGKILL));
  EXPECT_TRUE(testing::eventually([&] { return hostSleeps(marker) == 0; }))
      << "the jail's grandchildren outlived the helper";
}

TEST_F(JailTest, MissingBindSourceIsReportedOnTheErrorFd) {
  std::vector<std::string> args = scratch_.args();
  args.insert(args.end(), {"--bind", "/nonexistent/stratus-code:/opt"});
  JailResult r = runJail(args, {"/bin/true"});
  EXPECT_TRUE(exitedWith(r, 126)) << r.status;
  EXPECT_EQ(r.error_line, "bind /opt: /nonexistent/stratus-code: No such file or directory\n");
  EXPECT_NE(r.err.find("stratus-jail: bind /opt: /nonexistent/stratus-code: "), std::string::npos);
}

TEST_F(JailTest, MissingCgroupIsReportedOnTheErrorFd) {
  std::vector<std::string> args = scratch_.args();
  args.insert(args.end(), {"--cgroup", "stratus-no-such-tree/sb-1"});
  JailResult r = runJail(args, {"/bin/true"});
  EXPECT_TRUE(exitedWith(r, 126)) << r.status;
  EXPECT_EQ(r.error_line.rfind("cgroup stratus-no-such-tree/sb-1: no memory, cpu or pids "
                               "controller has it", 0),
            0u)
      << r.error_line;
}

TEST_F(JailTest, MissingProgramExits127) {
  JailResult by_path = runJail(scratch_.args(), {"/var/task/bootstrap"});
  EXPECT_TRUE(exitedWith(by_path, 127)) << by_path.status;
  EXPECT_EQ(by_path.error_line, "exec /var/task/bootstrap: No such file or directory\n");
  JailResult by_name = runJail(scratch_.args(), {"no-such-command-anywhere"});
  EXPECT_TRUE(exitedWith(by_name, 127)) << by_name.status;
  scratch_.writeTaskFile("not-executable", "#!/bin/sh\n");
  JailResult denied = runJail(scratch_.args(), {"/var/task/not-executable"});
  EXPECT_TRUE(exitedWith(denied, 126)) << denied.status;
  EXPECT_EQ(denied.error_line, "exec /var/task/not-executable: Permission denied\n");
}

TEST_F(JailTest, RefusesRootAndBadArguments) {
  std::vector<std::string> as_root = {"--root", scratch_.root(), "--uid", "0", "--gid", "0",
                                      "--error-fd", "3"};
  JailResult r = runJail(as_root, {"/bin/true"});
  EXPECT_TRUE(exitedWith(r, 126));
  EXPECT_EQ(r.error_line, "args --uid: refusing to run the program as root\n");
  std::vector<std::string> relative = scratch_.args();
  relative.insert(relative.end(), {"--bind", "/tmp:var/x"});
  EXPECT_NE(runJail(relative, {"/bin/true"}).error_line.find("args --bind: target is not"),
            std::string::npos);
}

TEST_F(JailTest, NestedBindsApplyInOrder) {
  // The lead's layout: the runtime client at /var/runtime and its modules inside it. The inner
  // mount point must exist in the outer source (the helper never writes into host dirs).
  JailScratch modules;
  modules.writeTaskFile("index.js", "module.exports = 1;\n");
  mkdir((scratch_.task() + "/node_modules").c_str(), 0755);
  std::vector<std::string> args = scratch_.args();
  args.insert(args.end(), {"--bind", scratch_.task() + ":/var/runtime", "--bind",
                           modules.task() + ":/var/runtime/node_modules", "--bind",
                           scratch_.task() + "/hello.txt:/etc/motd"});
  JailResult r = runJail(args, sh("cat /var/runtime/node_modules/index.js /etc/motd"));
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  EXPECT_EQ(r.out, "module.exports = 1;\nhello from the task\n");

  std::vector<std::string> missing_point = scratch_.args();
  missing_point.insert(missing_point.end(),
                       {"--bind", scratch_.task() + ":/var/runtime", "--bind",
                        modules.task() + ":/var/runtime/lib"});
  JailResult bad = runJail(missing_point, {"/bin/true"});
  EXPECT_TRUE(exitedWith(bad, 126));
  EXPECT_NE(bad.error_line.find("bind /var/runtime/lib: "), std::string::npos) << bad.error_line;
  EXPECT_NE(bad.error_line.find("Read-only file system"), std::string::npos) << bad.error_line;
  struct stat st;
  EXPECT_NE(stat((scratch_.task() + "/lib").c_str(), &st), 0) << "wrote into the host's dir";
}

TEST_F(JailTest, AppliesHostnameCwdAndNofile) {
  std::vector<std::string> args = scratch_.args();
  args.insert(args.end(), {"--hostname", "sandbox-7", "--cwd", "/tmp", "--nofile", "77",
                           "--tmp-mb", "8"});
  JailResult r = runJail(args, sh("hostname; pwd; ulimit -n; ulimit -c; df -k /tmp | tail -1"));
  ASSERT_TRUE(exitedWith(r, 0)) << r.status << " " << r.out << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 5u) << r.out;
  EXPECT_EQ(got[0], "sandbox-7");
  EXPECT_EQ(got[1], "/tmp");
  EXPECT_EQ(got[2], "77");
  EXPECT_EQ(got[3], "0");
  EXPECT_NE(got[4].find(" 8192 "), std::string::npos) << got[4];
}

}  // namespace
}  // namespace stratus::sandbox
