#include "runtime/js/log_line.h"

#include <ctime>

namespace stratus::js {

std::string isoTimestamp(int64_t epoch_ms) {
  time_t seconds = static_cast<time_t>(epoch_ms / 1000);
  int millis = static_cast<int>(epoch_ms % 1000);
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  struct tm tm;
  gmtime_r(&seconds, &tm);
  char buf[64];
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "TRACE";
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kFatal: return "FATAL";
  }
  return "INFO";
}

std::string logLine(int64_t epoch_ms, std::string_view request_id, LogLevel level,
                    std::string_view message) {
  std::string line = isoTimestamp(epoch_ms);
  std::string_view name = logLevelName(level);
  line.reserve(line.size() + request_id.size() + name.size() + message.size() + 3);
  line += '\t';
  line += request_id;
  line += '\t';
  line += name;
  line += '\t';
  size_t start = line.size();
  line += message;
  for (size_t i = start; i < line.size(); ++i) {
    if (line[i] == '\n') line[i] = '\r';
  }
  return line;
}

}  // namespace stratus::js
