// Shared fixture for the runtime/js tests: a fresh temp directory per test with task/ and opt/
// roots, helpers to write handler files, and init/invoke wrappers that always carry a deadline.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "runtime/js/js_function.h"

namespace stratus::js::testing {

inline int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class JsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { initializeV8(nullptr); }

  void SetUp() override {
    char pattern[] = "/tmp/stratus-js-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    task_ = dir_ + "/task";
    opt_ = dir_ + "/opt";
    std::filesystem::create_directories(task_);
    std::filesystem::create_directories(opt_);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `content` to `relative` under the task root (or any absolute path).
  void write(const std::string& relative, const std::string& content) {
    std::filesystem::path path = relative[0] == '/' ? std::filesystem::path(relative)
                                                    : std::filesystem::path(task_) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  JsFunctionSpec spec(const std::string& handler = "index.handler") {
    JsFunctionSpec s;
    s.task_root = task_;
    s.opt_root = opt_;
    s.handler = handler;
    s.env = {{"AWS_REGION", "us-east-1"}, {"MY_VAR", "hello"}};
    s.heap_limit_bytes = 128ull << 20;
    s.function_name = "my-function";
    s.function_version = "$LATEST";
    s.memory_limit_mb = "128";
    s.log_group_name = "/aws/lambda/my-function";
    s.log_stream_name = "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef";
    return s;
  }

  // create() + init() that must succeed.
  std::unique_ptr<JsFunction> load(JsFunctionSpec s) {
    auto function = JsFunction::create(std::move(s));
    JsResult result = function->init(nowMs() + 5000);
    EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.error_type << " " << result.payload;
    return function;
  }
  std::unique_ptr<JsFunction> load(const std::string& handler = "index.handler") {
    return load(spec(handler));
  }

  JsResult initOnly(JsFunctionSpec s, int64_t timeout_ms = 5000) {
    auto function = JsFunction::create(std::move(s));
    return function->init(nowMs() + timeout_ms);
  }

  JsResult invoke(JsFunction& function, const std::string& event = "{}", int64_t timeout_ms = 5000,
                  const std::string& request_id = "11111111-2222-3333-4444-555555555555") {
    JsInvokeRequest request;
    request.request_id = request_id;
    request.event_json = event;
    request.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:my-function";
    request.deadline_epoch_ms = nowMs() + timeout_ms;
    return function.invoke(request);
  }

  // Each log line: JsResult::log_lines packs many lines into one entry (LogChunks).
  static std::vector<std::string> lines(const JsResult& result) {
    std::vector<std::string> out;
    for (const auto& chunk : result.log_lines) {
      size_t start = 0;
      for (;;) {
        size_t end = chunk.find('\n', start);
        out.push_back(chunk.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
    return out;
  }

  // The message part (after the 3rd tab) of each log line.
  static std::vector<std::string> messages(const JsResult& result) {
    std::vector<std::string> out;
    for (const auto& line : lines(result)) {
      size_t pos = 0;
      for (int i = 0; i < 3 && pos != std::string::npos; ++i) {
        pos = line.find('\t', pos);
        if (pos != std::string::npos) ++pos;
      }
      out.push_back(pos == std::string::npos ? line : line.substr(pos));
    }
    return out;
  }

  std::string dir_, task_, opt_;
};

}  // namespace stratus::js::testing
