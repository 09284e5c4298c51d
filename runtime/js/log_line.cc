#include "runtime/js/log_line.h"

#include <chrono>
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

void LogChunks::addLine(std::vector<std::string>& out, std::string_view request_id,
                        std::string_view line) {
  while (line.size() > kMaxLineBytes) {
    append(out, request_id, line.substr(0, kMaxLineBytes));
    line.remove_prefix(kMaxLineBytes);
  }
  append(out, request_id, line);
}

void LogChunks::addRaw(std::vector<std::string>& out, std::string_view request_id,
                       std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    addLine(out, request_id, text.substr(start, end - start));
    start = end + 1;
  }
}

void LogChunks::append(std::vector<std::string>& out, std::string_view request_id,
                       std::string_view line) {
  size_t first = marked_ ? 1 : 0;
  if (out.size() > first && out.back().size() + 1 + line.size() <= kChunkBytes) {
    out.back() += '\n';
    out.back() += line;
  } else {
    out.emplace_back(line);
  }
  kept_ += line.size() + 1;
  // Trim only a chunk past the cap, so each trim drops about a chunk: amortised O(bytes).
  if (kept_ > kKeptBytes + kChunkBytes) trim(out, request_id);
}

void LogChunks::trim(std::vector<std::string>& out, std::string_view request_id) {
  size_t first = marked_ ? 1 : 0;
  size_t cut = first;
  // Keep the newest entry whatever its size; drop the oldest until the rest fit.
  while (kept_ > kKeptBytes && cut + 1 < out.size()) {
    size_t bytes = out[cut].size() + 1;
    kept_ -= bytes;
    dropped_ += bytes;
    ++cut;
  }
  if (cut == first) return;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(first),
            out.begin() + static_cast<std::ptrdiff_t>(cut));
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string marker = logLine(now_ms, request_id, LogLevel::kWarn,
                               "[stratus] " + std::to_string(dropped_) +
                                   " bytes of earlier log output were dropped: an invocation "
                                   "keeps its last " +
                                   std::to_string(kKeptBytes >> 20) + " MiB");
  if (marked_) {
    out.front() = std::move(marker);
  } else {
    out.insert(out.begin(), std::move(marker));
    marked_ = true;
  }
}

}  // namespace stratus::js
