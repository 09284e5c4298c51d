// Lambda's event filtering (LAMBDA.md §10, "Lambda event filtering"): EventBridge-style
// patterns matched against a record. A pattern is a JSON object whose keys name fields; an
// object value descends into the field, an array value lists matchers of which any may match
// (exact strings, numbers, booleans and null; {"prefix"}, {"suffix"}, {"anything-but"},
// {"numeric"}, {"exists"}, {"wildcard"}, {"equals-ignore-case"}); several keys must all match;
// "$or": [patterns] matches when any of them does. Pure; any thread.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::esm {

class EventFilter {
 public:
  // nullopt when `pattern` is not a pattern Lambda accepts ("Invalid filter pattern
  // definition.").
  static std::optional<EventFilter> parse(std::string_view pattern);

  bool matches(const nlohmann::json& event) const;

  struct Node;  // a compiled pattern object

 private:
  std::shared_ptr<const Node> root_;
};

// Any of `filters` matches (an empty list keeps everything).
bool anyMatches(const std::vector<EventFilter>& filters, const nlohmann::json& event);

// What an SQS record looks like to a filter: the record with `body` parsed when it is JSON.
nlohmann::json filterView(const nlohmann::json& record);

}  // namespace stratus::esm
