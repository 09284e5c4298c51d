// Server diagnostics on stderr (not function logs, which travel with each invocation).
// Any thread; one write per line so lines from threads do not interleave.
#pragma once

#include <string>

namespace stratus {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void setLogLevel(LogLevel level);
void logLine(LogLevel level, const std::string& message);
inline void logInfo(const std::string& m) { logLine(LogLevel::kInfo, m); }
inline void logWarn(const std::string& m) { logLine(LogLevel::kWarn, m); }
inline void logError(const std::string& m) { logLine(LogLevel::kError, m); }
inline void logDebug(const std::string& m) { logLine(LogLevel::kDebug, m); }

}  // namespace stratus
