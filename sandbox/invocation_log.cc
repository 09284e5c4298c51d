#include "sandbox/invocation_log.h"

#include <cmath>
#include <cstdio>

#include "runtime/base/clock.h"
#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"

namespace stratus::sandbox {

namespace {
std::string fixed2(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Runtime names look like "nodejs20.x"; Lambda reports "nodejs:20.v<n>".
// Lambda's runtime version names: nodejs20.x -> "nodejs:20.v1", python3.12 -> "python:3.12.v1",
// provided.al2023 -> "provided:al2023.v1" (and plain "provided" -> "provided:al1.v1").
std::string runtimeVersionName(const std::string& runtime) {
  if (runtime.rfind("provided", 0) == 0) {
    std::string os = runtime.size() > 9 ? runtime.substr(9) : "al1";
    return "provided:" + os + ".v1";
  }
  size_t digit = 0;
  while (digit < runtime.size() && !isdigit(static_cast<unsigned char>(runtime[digit]))) ++digit;
  std::string family = runtime.substr(0, digit), version = runtime.substr(digit);
  if (version.size() > 2 && version.compare(version.size() - 2, 2, ".x") == 0) {
    version.resize(version.size() - 2);  // nodejs20.x
  }
  return family + ":" + version + ".v1";
}
}  // namespace

std::string initStartLine(const std::string& runtime, const std::string& region) {
  std::string name = runtimeVersionName(runtime);
  return "INIT_START Runtime Version: " + name + "\tRuntime Version ARN: arn:aws:lambda:" +
         region + "::runtime:" + sha256Hex(name);
}

std::string startLine(const std::string& request_id, const std::string& version) {
  return "START RequestId: " + request_id + " Version: " + version;
}

std::string endLine(const std::string& request_id) { return "END RequestId: " + request_id; }

uint64_t billedDurationMs(double duration_ms, double init_duration_ms) {
  double total = duration_ms + (init_duration_ms > 0 ? init_duration_ms : 0);
  uint64_t billed = static_cast<uint64_t>(std::ceil(total));
  return billed == 0 ? 1 : billed;
}

std::string reportLine(const ReportFields& f) {
  std::string line = "REPORT RequestId: " + f.request_id + "\tDuration: " +
                     fixed2(f.duration_ms) + " ms\tBilled Duration: " +
                     std::to_string(billedDurationMs(f.duration_ms, f.init_duration_ms)) +
                     " ms\tMemory Size: " + std::to_string(f.memory_size_mb) +
                     " MB\tMax Memory Used: " + std::to_string(f.max_memory_used_mb) + " MB\t";
  if (f.init_duration_ms >= 0) line += "Init Duration: " + fixed2(f.init_duration_ms) + " ms\t";
  if (!f.status.empty()) {
    line += "Status: " + f.status + "\t";
    if (!f.error_type.empty()) line += "Error Type: " + f.error_type + "\t";
  }
  return line;
}

std::string initReportLine(double init_duration_ms, const std::string& status,
                           const std::string& error_type) {
  std::string line = "INIT_REPORT Init Duration: " + fixed2(init_duration_ms) + " ms\tPhase: init";
  if (!status.empty()) line += "\tStatus: " + status;
  if (!error_type.empty()) line += "\tError Type: " + error_type;
  return line;
}

std::string taskTimedOutText(double seconds) {
  return "Task timed out after " + fixed2(seconds) + " seconds";
}

std::string timeoutLogLine(int64_t now_ms, const std::string& request_id, double elapsed_ms) {
  return formatIso8601(now_ms) + " " + request_id + " " + taskTimedOutText(elapsed_ms / 1000.0);
}

std::string logStreamName(int64_t now_ms, const std::string& version) {
  return formatDateSlashes(now_ms) + "/[" + version + "]" + randomHex(32);
}

}  // namespace stratus::sandbox
