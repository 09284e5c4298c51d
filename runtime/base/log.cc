#include "runtime/base/log.h"

#include <unistd.h>

#include <atomic>

#include "runtime/base/clock.h"

namespace stratus {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
const char* name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
  }
  return "?";
}
}  // namespace

void setLogLevel(LogLevel level) { g_level = level; }

void logLine(LogLevel level, const std::string& message) {
  if (level < g_level.load()) return;
  std::string line = formatIso8601(epochMs()) + " " + name(level) + " " + message + "\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace stratus
