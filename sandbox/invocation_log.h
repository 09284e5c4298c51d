// The platform lines Lambda writes around each invocation (START, END, REPORT, INIT_START,
// INIT_REPORT, the timeout line), formatted exactly as CloudWatch shows them. Pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace stratus::sandbox {

std::string initStartLine(const std::string& runtime, const std::string& region = "us-east-1");
std::string startLine(const std::string& request_id, const std::string& version);
std::string endLine(const std::string& request_id);

struct ReportFields {
  std::string request_id;
  double duration_ms = 0;
  double init_duration_ms = -1;  // < 0: not a cold start
  int memory_size_mb = 128;
  uint64_t max_memory_used_mb = 0;
  std::string status;      // "" on success, else "timeout" or "error"
  std::string error_type;  // with status "error"
};
std::string reportLine(const ReportFields& f);

std::string initReportLine(double init_duration_ms, const std::string& status,
                           const std::string& error_type);
// "Task timed out after 3.00 seconds": the payload quotes the configured timeout, the log line
// the elapsed time.
std::string taskTimedOutText(double seconds);
// "<ts> <id> Task timed out after 3.01 seconds" (elapsed time, as Lambda logs it).
std::string timeoutLogLine(int64_t now_ms, const std::string& request_id, double elapsed_ms);

// Billed duration: ceil of the duration, plus init on a cold start (Lambda bills init since
// August 2025).
uint64_t billedDurationMs(double duration_ms, double init_duration_ms);

// The log stream name of one environment: "2019/06/07/[$LATEST]<32 hex>".
std::string logStreamName(int64_t now_ms, const std::string& version);

}  // namespace stratus::sandbox
