// Lambda's text log line for one console call: `ISO8601-ms \t requestId \t LEVEL \t message`,
// every '\n' of the message replaced by '\r' so one call stays one CloudWatch event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/js/native_host.h"

namespace stratus::js {

// "2019-06-07T19:11:20.562Z"
std::string isoTimestamp(int64_t epoch_ms);

std::string_view logLevelName(LogLevel level);

std::string logLine(int64_t epoch_ms, std::string_view request_id, LogLevel level,
                    std::string_view message);

// One call's log output as JsResult::log_lines carries it, with memory in proportion to its
// bytes, never to its line count: lines are packed, '\n'-joined, into entries of about
// kChunkBytes (an entry holds one or many lines and never ends in '\n'), and only about the last
// kKeptBytes are kept. Older entries are dropped whole; the first entry then says, as a WARN
// line, how many bytes went. X-Amz-Log-Result shows only the last 4 KB, and the process tier's
// LogCollector keeps its last 1 MiB the same way. A line longer than kMaxLineBytes is split, as
// CloudWatch caps an event at 256 KB. (16 MiB of "\n" written one empty line at a time once
// held 16 million strings: about 570 MB.)
class LogChunks {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;
  static constexpr size_t kMaxLineBytes = 256 * 1024;
  static constexpr size_t kKeptBytes = 1024 * 1024;

  // A formatted console line (logLine(); no '\n' in it).
  void addLine(std::vector<std::string>& out, std::string_view request_id, std::string_view line);
  // process.stdout.write / console.dir text: one line per '\n', and the text after the last
  // '\n' (if any) a line of its own.
  void addRaw(std::vector<std::string>& out, std::string_view request_id, std::string_view text);
  size_t droppedBytes() const { return dropped_; }

 private:
  void append(std::vector<std::string>& out, std::string_view request_id, std::string_view line);
  void trim(std::vector<std::string>& out, std::string_view request_id);

  size_t kept_ = 0;     // bytes of the kept entries, one '\n' each included; the marker excluded
  size_t dropped_ = 0;  // bytes of the entries dropped so far
  bool marked_ = false;  // out[0] is the marker line
};

}  // namespace stratus::js
