// CloudWatch Logs filter patterns ("Filter pattern syntax for metric filters, subscription
// filters, filter log events, and Live Tail"; LAMBDA.md §16), parsed once and matched against
// each event's message. Three kinds, told apart by the first character:
//   terms:           ERROR "exact phrase" ?optional ?either -excluded   (case-sensitive)
//   JSON:            { $.level = "ERROR" && ($.n > 5 || $.user.id NOT EXISTS) }
//   space-delimited: [ip, user, ..., status = 5*, bytes > 1000]
// An empty pattern (or "") matches every event. Values with * are wildcards ("5*", "*html*").
// Pure: no I/O, no clock; any thread, and a parsed pattern is immutable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::logs {

class FilterPattern {
 public:
  // nullopt when `text` is not a valid pattern; `why` then says what is wrong with it.
  static std::optional<FilterPattern> parse(std::string_view text, std::string* why);
  bool matches(std::string_view message) const;

  struct Impl;  // the parsed form of one of the three kinds (filter_pattern.cc)

 private:
  explicit FilterPattern(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;  // null: matches everything
};

// "5*" against "503": * stands for any run of characters; the rest compares exactly.
bool wildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace stratus::logs
