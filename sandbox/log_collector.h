// Collects a process sandbox's stdout and stderr (one pipe) into the invocation's log: bytes are
// split into lines, each line at most kMaxLineBytes (longer ones are split, as CloudWatch caps
// an event), and at most kMaxKeptBytes are kept per invocation, oldest lines dropped first.
// Memory follows the bytes, never the line count: lines live in one string. Loop thread only.
#pragma once

#include <cstddef>
#include <string>

namespace stratus::sandbox {

class LogCollector {
 public:
  static constexpr size_t kMaxLineBytes = 256 * 1024;
  static constexpr size_t kMaxKeptBytes = 1024 * 1024;

  void append(const char* data, size_t n);
  // The complete lines so far ('\n' ended), and a partial line too when `flush_partial`;
  // the collector starts empty again.
  std::string take(bool flush_partial);
  size_t droppedBytes() const { return dropped_; }

 private:
  void addLine(const char* data, size_t n);
  std::string lines_;
  std::string partial_;
  size_t dropped_ = 0;
};

}  // namespace stratus::sandbox
