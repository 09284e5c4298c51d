// Splits one invocation's log text into CloudWatch events with millisecond timestamps, as
// Lambda stamps them: a console line's own leading ISO timestamp ("2019-06-07T19:11:20.562Z\t
// <id>\tINFO\t...") when it has one; else the invocation's start for the lines before the
// function ran (INIT_START, START, init output) and its end for END and REPORT; other lines
// without a timestamp take the one before them, so a stream's events stay in time order as
// they were in ingestion order. Each message keeps its '\n', as Lambda's events do. Pure.
// (A console line's own timestamp: see lineTimestamp.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::logs {

struct TimedLine {
  int64_t timestamp = 0;  // epoch ms
  std::string message;
};

std::vector<TimedLine> timedLines(std::string_view text, int64_t start_ms, int64_t end_ms);

// A console line's own time: at its start (node's text format), after a "[LEVEL]\t" (python's),
// or as the "timestamp" member of a JSON line (both runtimes' JSON format).
std::optional<int64_t> lineTimestamp(std::string_view line);

// "2019-06-07T19:11:20.562Z" at the start of `line` (fraction and Z optional) -> epoch ms.
std::optional<int64_t> leadingIsoTimestamp(std::string_view line);

}  // namespace stratus::logs
