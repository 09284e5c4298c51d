// Where every invocation's log lines go once it ends (the CloudWatch Logs store in triggers/logs
// implements it): the scheduler owns the interface so it need not know the store. Every
// invocation type and tier passes through Scheduler::run, so this is the one place lines are
// handed over. Loop thread only; record() must not block (the store writes behind).
#pragma once

#include <cstdint>
#include <string>

namespace stratus::scheduler {

struct InvocationLog {
  std::string function_name;
  std::string version;     // the executed version
  std::string log_group;   // "/aws/lambda/NAME" (or the function's LoggingConfig.LogGroup)
  std::string log_stream;  // the environment's stream (AWS_LAMBDA_LOG_STREAM_NAME)
  int64_t start_ms = 0;    // epoch ms: handed to the sandbox
  int64_t end_ms = 0;      // epoch ms: the result came back
  std::string text;        // '\n'-ended lines: [INIT_START] [init lines] START ... END REPORT
  // LoggingConfig: with the JSON format the platform's lines are JSON records, kept down to
  // `system_log_level` (DEBUG, INFO or WARN).
  bool json_format = false;
  std::string system_log_level = "INFO";
};

class InvocationLogSink {
 public:
  virtual ~InvocationLogSink() = default;
  virtual void record(InvocationLog log) = 0;
};

}  // namespace stratus::scheduler
