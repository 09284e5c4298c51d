// Cgroups for real: a server's tree, sandbox children with limits, the jail joining one, OOM
// kills and pids limits enforced by the kernel, and nothing left behind.
#include "sandbox/cgroup.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/sandbox/jail_runner.h"

namespace stratus::sandbox {
namespace {

using testing::JailProcess;
using testing::JailResult;
using testing::JailScratch;

bool isDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string parentOf(const std::string& dir) { return dir.substr(0, dir.rfind('/')); }

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> jailArgs(const JailScratch& scratch, const SandboxCgroup& cgroup) {
  std::vector<std::string> args = scratch.args();
  args.insert(args.end(), {"--cgroup", cgroup.path()});
  return args;
}

TEST(CgroupShares, FollowMemoryLikeLambda) {
  EXPECT_EQ(cpuSharesForMemory(1769), 1024u);
  EXPECT_EQ(cpuSharesForMemory(128), 74u);
  EXPECT_EQ(cpuSharesForMemory(3538), 2048u);
  EXPECT_EQ(cpuSharesForMemory(0), 2u);
}

class CgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "cgroups need root";
    CgroupSupport support = detectCgroups();
    if (!support.memory || !support.pids || !support.cpu) {
      GTEST_SKIP() << "cgroup controllers missing: " << support.missing;
    }
    auto tree = CgroupTree::create(1024);
    ASSERT_TRUE(tree.ok()) << tree.error().message;
    tree_ = std::move(tree.value());
  }
  void TearDown() override { tree_.reset(); }

  std::unique_ptr<SandboxCgroup> child(const std::string& name, CgroupLimits limits) {
    auto made = tree_->createChild(name, limits);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(made.value()) : nullptr;
  }
  static std::string memoryDir(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs) {
      if (std::ifstream(dir + "/memory.limit_in_bytes").good() ||
          std::ifstream(dir + "/memory.max").good()) {
        return dir;
      }
    }
    return "";
  }

  std::unique_ptr<CgroupTree> tree_;
};

TEST_F(CgroupTest, DetectsThisMachinesControllers) {
  CgroupSupport support = detectCgroups();
  EXPECT_TRUE(support.memory && support.cpu && support.pids);
  EXPECT_EQ(support.missing, "");
}

TEST_F(CgroupTest, TreeAndChildrenCarryTheirLimits) {
  auto sandbox = child("sb-limits", {64, 50, 512});
  ASSERT_TRUE(sandbox);
  std::vector<std::string> dirs = sandbox->directoriesForTest();
  ASSERT_FALSE(dirs.empty());
  for (const std::string& dir : dirs) EXPECT_TRUE(isDir(dir)) << dir;
  if (!tree_->v2()) {
    std::string memory = memoryDir(dirs);
    EXPECT_EQ(readFile(memory + "/memory.limit_in_bytes"), std::to_string(64 << 20) + "\n");
    EXPECT_EQ(readFile(memory + "/memory.memsw.limit_in_bytes"), std::to_string(64 << 20) + "\n");
    EXPECT_EQ(readFile(memory + "/memory.swappiness"), "0\n");
    std::string tree_memory = memoryDir(tree_->directoriesForTest());
    EXPECT_EQ(readFile(tree_memory + "/memory.limit_in_bytes"), std::to_string(1024 << 20) + "\n");
    // Growing and shrinking reorder the memory and memory+swap writes; both must work.
    ASSERT_TRUE(sandbox->setLimits({256, 50, 512}).ok());
    EXPECT_EQ(readFile(memory + "/memory.limit_in_bytes"), std::to_string(256 << 20) + "\n");
    EXPECT_EQ(readFile(memory + "/memory.memsw.limit_in_bytes"), std::to_string(256 << 20) + "\n");
    auto shrunk = sandbox->setLimits({32, 50, 512});
    ASSERT_TRUE(shrunk.ok()) << shrunk.error().message;
    EXPECT_EQ(readFile(memory + "/memory.memsw.limit_in_bytes"), std::to_string(32 << 20) + "\n");
  }
  for (const std::string& dir : dirs) {
    if (std::ifstream(dir + "/pids.max").good()) {
      EXPECT_EQ(readFile(dir + "/pids.max"), "50\n");
    }
    if (std::ifstream(dir + "/cpu.shares").good()) {
      EXPECT_EQ(readFile(dir + "/cpu.shares"), "512\n");
    }
  }
  // The tree weighs one vCPU per core against the host's other tasks.
  for (const std::string& dir : tree_->directoriesForTest()) {
    if (std::ifstream(dir + "/cpu.shares").good()) {
      EXPECT_EQ(readFile(dir + "/cpu.shares"), std::to_string(1024 * std::thread::hardware_concurrency()) + "\n");
    }
  }
  EXPECT_FALSE(tree_->createChild("sb-limits", {}).ok()) << "names are unique";
  EXPECT_FALSE(tree_->createChild("../escape", {}).ok());
}

TEST_F(CgroupTest, TheJailJoinsItsCgroupWithItsWholeTree) {
  auto sandbox = child("sb-join", {128, 64, 0});
  ASSERT_TRUE(sandbox);
  JailScratch scratch;
  JailProcess jail(jailArgs(scratch, *sandbox), {"/bin/sh", "-c", "sleep 5 & wait"});
  ASSERT_TRUE(jail.waitForExec()) << jail.errorLine();
  // The outer helper, the init, the shell and its sleep.
  ASSERT_TRUE(testing::eventually([&] { return sandbox->tasks().size() == 4; }))
      << sandbox->tasks().size();
  std::vector<pid_t> tasks = sandbox->tasks();
  EXPECT_NE(std::find(tasks.begin(), tasks.end(), jail.pid()), tasks.end());
  EXPECT_GT(sandbox->currentMemoryBytes(), 0u);
  EXPECT_EQ(sandbox->killAll(), 4);
  JailResult r = jail.finish(std::chrono::seconds(3));
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
  EXPECT_TRUE(testing::eventually([&] { return sandbox->tasks().empty(); }));
  EXPECT_FALSE(sandbox->oomKilled());
}

TEST_F(CgroupTest, AProgramOverItsMemoryIsOomKilled) {
  if (!std::ifstream("/usr/bin/python3").good()) GTEST_SKIP() << "needs /usr/bin/python3";
  auto sandbox = child("sb-oom", {32, 64, 0});
  ASSERT_TRUE(sandbox);
  JailScratch scratch;
  // 200 MB, every page written.
  JailProcess jail(jailArgs(scratch, *sandbox),
                   {"/usr/bin/python3", "-c", "x = b'x' * (200 << 20); print(len(x))"});
  JailResult r = jail.finish(std::chrono::seconds(10));
  ASSERT_FALSE(r.timed_out);
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL) << r.status << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(sandbox->oomKilled());
  EXPECT_GT(sandbox->peakMemoryBytes(), 16u << 20);
  EXPECT_LE(sandbox->peakMemoryBytes(), 32u << 20);
}

TEST_F(CgroupTest, PidsMaxIsEnforced) {
  auto sandbox = child("sb-pids", {128, 8, 0});
  ASSERT_TRUE(sandbox);
  JailScratch scratch;
  // The helper, the init and the shell leave room for five sleeps, not twenty.
  JailProcess jail(jailArgs(scratch, *sandbox),
                   {"/bin/sh", "-c", "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done"});
  JailResult r = jail.finish(std::chrono::seconds(5));
  ASSERT_FALSE(r.timed_out);
  EXPECT_FALSE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.err;
  EXPECT_NE(r.err.find("fork"), std::string::npos) << r.err;
  EXPECT_TRUE(testing::eventually([&] { return sandbox->tasks().empty(); }))
      << "the sleeps die with the jail's init";
}

TEST_F(CgroupTest, DestroyingTheTreeLeavesNothing) {
  auto idle = child("sb-idle", {64, 16, 0});
  auto busy = child("sb-busy", {64, 16, 0});
  ASSERT_TRUE(idle && busy);
  JailScratch scratch;
  JailProcess jail(jailArgs(scratch, *busy), {"/bin/sleep", "30"});
  ASSERT_TRUE(jail.waitForExec());
  std::vector<std::string> dirs = tree_->directoriesForTest();
  idle.reset();
  busy.reset();  // kills the jail; its cgroup may still be busy for a moment
  tree_.reset();
  for (const std::string& dir : dirs) EXPECT_FALSE(isDir(dir)) << dir << " left behind";
  JailResult r = jail.finish(std::chrono::seconds(3));
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);

  // The anchor's directories a tree had to make (on v1, under the cpu and pids mounts) go too.
  std::vector<bool> parent_existed;
  for (const std::string& dir : dirs) parent_existed.push_back(isDir(parentOf(dir)));
  auto again = CgroupTree::create(256);
  ASSERT_TRUE(again.ok()) << again.error().message;
  again.value().reset();
  for (size_t i = 0; i < dirs.size(); ++i) {
    EXPECT_FALSE(isDir(dirs[i])) << dirs[i];
    EXPECT_EQ(isDir(parentOf(dirs[i])), parent_existed[i]) << parentOf(dirs[i]);
  }
}

TEST_F(CgroupTest, SweepStaleRemovesADeadServersTree) {
  // A "server" that makes its tree and a busy child, then dies without cleaning up.
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  pid_t server = fork();
  if (server == 0) {
    auto tree = CgroupTree::create(256);
    if (!tree.ok()) _exit(1);
    auto sandbox = tree.value()->createChild("sb-1", {32, 16, 0});
    if (!sandbox.ok()) _exit(2);
    std::string dirs;
    for (const std::string& dir : tree.value()->directoriesForTest()) dirs += dir + "\n";
    (void)!write(report[1], dirs.data(), dirs.size());
    _exit(0);  // no destructors: as if SIGKILLed
  }
  close(report[1]);
  std::string dirs;
  char buffer[4096];
  ssize_t n;
  while ((n = read(report[0], buffer, sizeof(buffer))) > 0) dirs.append(buffer, n);
  close(report[0]);
  int status;
  ASSERT_EQ(waitpid(server, &status, 0), server);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::vector<std::string> left;
  for (size_t at = 0, end; (end = dirs.find('\n', at)) != std::string::npos; at = end + 1) {
    left.push_back(dirs.substr(at, end - at));
  }
  ASSERT_FALSE(left.empty());
  for (const std::string& dir : left) ASSERT_TRUE(isDir(dir + "/sb-1")) << dir;
  EXPECT_GE(CgroupTree::sweepStale(), 1);
  for (const std::string& dir : left) EXPECT_FALSE(isDir(dir)) << dir << " survived the sweep";
  EXPECT_TRUE(isDir(tree_->directoriesForTest()[0])) << "a live server's tree stays";
}

}  // namespace
}  // namespace stratus::sandbox
