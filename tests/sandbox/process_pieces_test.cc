// The pure pieces of the process tier: the runtime command and environment, exit wording, log
// collection, tier choice. The jailed processes themselves are covered by jail_test and e2e.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "sandbox/exit_text.h"
#include "sandbox/log_collector.h"
#include "sandbox/runtime_command.h"
#include "sandbox/tiered_sandbox_factory.h"

namespace stratus::sandbox {
namespace {

SandboxSpec nodeSpec() {
  SandboxSpec s;
  s.function_name = "f";
  s.version = "$LATEST";
  s.runtime = "nodejs20.x";
  s.handler = "index.handler";
  s.memory_mb = 1024;
  return s;
}

TEST(RuntimeCommand, NodeSizesV8LikeLambdasBootstrap) {
  auto argv = runtimeArgv(nodeSpec(), RuntimeBinaries{}, false);
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv.front(), "/usr/bin/node");
  EXPECT_EQ(argv.back(), "/var/runtime/node/index.mjs");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--max-old-space-size=922"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--max-semi-space-size=51"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--no-experimental-require-module"), argv.end());
  SandboxSpec s = nodeSpec();
  s.runtime = "nodejs24.x";
  argv = runtimeArgv(s, RuntimeBinaries{}, false);
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "--no-experimental-require-module"), argv.end());
}

TEST(RuntimeCommand, PythonAndProvided) {
  SandboxSpec s = nodeSpec();
  s.runtime = "python3.12";
  EXPECT_EQ(runtimeArgv(s, RuntimeBinaries{}, false),
            (std::vector<std::string>{"/usr/bin/python3", "-u", "/var/runtime/python/bootstrap.py"}));
  s.runtime = "provided.al2023";
  EXPECT_EQ(runtimeArgv(s, RuntimeBinaries{}, true), std::vector<std::string>{"/var/task/bootstrap"});
  EXPECT_EQ(runtimeArgv(s, RuntimeBinaries{}, false), std::vector<std::string>{"/opt/bootstrap"});
  s.runtime = "java21";
  EXPECT_TRUE(runtimeArgv(s, RuntimeBinaries{}, false).empty());
}

TEST(RuntimeCommand, EnvironmentUsesJailPathsAndOwnCredentials) {
  SandboxSpec s = nodeSpec();
  s.environment = {{"MINE", "1"}, {"AWS_ENDPOINT_URL_SQS", "http://elsewhere"}};
  auto env = processEnvironment(s, RuntimeBinaries{}, "stream", "127.0.0.1:5000",
                                {{"LAMBDA", "http://127.0.0.1:9000"}, {"SQS", "http://127.0.0.1:9000"}});
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], "/var/task");
  EXPECT_EQ(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:5000");
  EXPECT_EQ(env["AWS_ENDPOINT_URL_LAMBDA"], "http://127.0.0.1:9000");
  EXPECT_EQ(env["AWS_ENDPOINT_URL_SQS"], "http://elsewhere");  // the function's own wins
  EXPECT_EQ(env["MINE"], "1");
  EXPECT_EQ(env["NODE_PATH"],
            "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:"
            "/var/runtime:/var/task");
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"].rfind("ASIA", 0), 0u);
  auto again = processEnvironment(s, RuntimeBinaries{}, "stream", "x", {});
  EXPECT_NE(env["AWS_SECRET_ACCESS_KEY"], again["AWS_SECRET_ACCESS_KEY"]);  // per sandbox
  EXPECT_EQ(env.count("HOME"), 0u);
}

TEST(RuntimeCommand, InitStartNamesTheInterpreterThatRuns) {
  RuntimeBinaries bins;
  bins.node.version = "20.20.2";
  bins.python.version = "3.11.2";
  EXPECT_EQ(servedRuntime("nodejs22.x", bins), "nodejs20.x");
  EXPECT_EQ(servedRuntime("python3.12", bins), "python3.11");
  bins.by_runtime["nodejs22.x"] = {"/opt/node22/bin/node", "22.1.0"};
  EXPECT_EQ(servedRuntime("nodejs22.x", bins), "nodejs22.x");
  SandboxSpec s = nodeSpec();
  s.runtime = "nodejs22.x";
  EXPECT_EQ(runtimeArgv(s, bins, false).front(), "/opt/node22/bin/node");
  EXPECT_EQ(processEnvironment(s, bins, "x", "y", {})["NODE_PATH"].rfind("/opt/nodejs/node22/", 0), 0u);
  s.runtime = "nodejs20.x";
  EXPECT_EQ(runtimeArgv(s, bins, false).front(), "/usr/bin/node");
  EXPECT_EQ(servedRuntime("provided.al2023", bins), "provided.al2023");
}

TEST(ExitText, AsLambdaWordsIt) {
  EXPECT_EQ(runtimeExitText(0, SIGKILL), "Runtime exited with error: signal: killed");
  EXPECT_EQ(runtimeExitText(0, SIGABRT), "Runtime exited with error: signal: aborted");
  EXPECT_EQ(runtimeExitText(127, 0), "Runtime exited with error: exit status 127");
  EXPECT_EQ(runtimeExitText(0, 0), "Runtime exited without providing a reason");
}

TEST(LogCollector, SplitsLinesAcrossChunks) {
  LogCollector c;
  c.append("a\nb", 3);
  c.append("c\n\nd", 4);
  EXPECT_EQ(c.take(false), "a\nbc\n\n");
  EXPECT_EQ(c.take(true), "d\n");
  EXPECT_EQ(c.take(true), "");
}

TEST(LogCollector, CapsLineLengthAndKeptBytes) {
  LogCollector c;
  std::string huge(LogCollector::kMaxLineBytes + 10, 'x');
  c.append(huge.data(), huge.size());
  std::string got = c.take(true);
  EXPECT_EQ(got.size(), huge.size() + 2);  // split into two lines
  EXPECT_EQ(got[LogCollector::kMaxLineBytes], '\n');
  // Many newlines cost their bytes only, and only the newest kMaxKeptBytes are kept.
  std::string newlines(16 << 20, '\n');
  c.append(newlines.data(), newlines.size());
  got = c.take(false);
  EXPECT_LE(got.size(), LogCollector::kMaxKeptBytes);
  EXPECT_GT(c.droppedBytes(), 0u);
}

TEST(Tier, NodeDefaultsAndOverrides) {
  SandboxSpec s = nodeSpec();
  EXPECT_EQ(tierFor(s, NodeTier::kProcess), NodeTier::kProcess);
  EXPECT_EQ(tierFor(s, NodeTier::kIsolate), NodeTier::kIsolate);
  s.environment[kTierVariable] = "isolate";
  EXPECT_EQ(tierFor(s, NodeTier::kProcess), NodeTier::kIsolate);
  s.environment[kTierVariable] = "process";
  EXPECT_EQ(tierFor(s, NodeTier::kIsolate), NodeTier::kProcess);
  s.runtime = "python3.12";
  s.environment[kTierVariable] = "isolate";
  EXPECT_EQ(tierFor(s, NodeTier::kIsolate), NodeTier::kProcess);  // isolates run only Node.js
}

TEST(Tier, ExtensionsTakeAFunctionToTheProcessTier) {
  char dir[] = "/tmp/stratus-tier-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string opt = dir;
  ASSERT_EQ(mkdir((opt + "/extensions").c_str(), 0755), 0);
  SandboxSpec s = nodeSpec();
  s.opt_root = opt;
  s.environment[kTierVariable] = "isolate";
  EXPECT_EQ(tierFor(s, NodeTier::kIsolate), NodeTier::kIsolate);  // an empty extensions/ is none
  std::string ext = opt + "/extensions/logger";
  FILE* f = fopen(ext.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("#!/bin/sh\n", f);
  fclose(f);
  ASSERT_EQ(chmod(ext.c_str(), 0755), 0);
  EXPECT_EQ(tierFor(s, NodeTier::kIsolate), NodeTier::kProcess);
  unlink(ext.c_str());
  rmdir((opt + "/extensions").c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace stratus::sandbox
