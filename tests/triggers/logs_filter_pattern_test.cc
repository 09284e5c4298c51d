// The CloudWatch Logs filter pattern matcher on its own (pure), and the log line timestamps.
// tests/e2e/test_logs.py sends the same kinds of patterns through FilterLogEvents.
#include "triggers/logs/filter_pattern.h"

#include <gtest/gtest.h>

#include "triggers/logs/log_lines.h"
#include "triggers/logs/platform_records.h"

#include <nlohmann/json.hpp>

namespace stratus::logs {
namespace {

bool matches(const std::string& pattern, const std::string& message) {
  std::string why;
  auto p = FilterPattern::parse(pattern, &why);
  EXPECT_TRUE(p.has_value()) << pattern << ": " << why;
  return p && p->matches(message);
}

bool invalid(const std::string& pattern) {
  std::string why;
  return !FilterPattern::parse(pattern, &why).has_value() && !why.empty();
}

TEST(FilterPattern, EmptyMatchesEverything) {
  EXPECT_TRUE(matches("", "anything"));
  EXPECT_TRUE(matches("\"\"", "anything"));
  EXPECT_TRUE(matches("   ", ""));
}

TEST(FilterPattern, TermsMustAllOccurCaseSensitively) {
  EXPECT_TRUE(matches("ERROR", "an ERROR here"));
  EXPECT_FALSE(matches("ERROR", "an error here"));
  EXPECT_TRUE(matches("ERROR timeout", "timeout then ERROR"));
  EXPECT_FALSE(matches("ERROR timeout", "ERROR only"));
}

TEST(FilterPattern, QuotedPhrasesMatchExactly) {
  EXPECT_TRUE(matches("\"Task timed out\"", "x Task timed out after 3.00 seconds"));
  EXPECT_FALSE(matches("\"Task timed out\"", "Task was timed out"));
  EXPECT_TRUE(matches("\"a \\\"quoted\\\" word\"", "say a \"quoted\" word"));
}

TEST(FilterPattern, OptionalTermsMatchAnyOne) {
  EXPECT_TRUE(matches("?ERROR ?WARN", "a WARN line"));
  EXPECT_TRUE(matches("?ERROR ?WARN", "an ERROR line"));
  EXPECT_FALSE(matches("?ERROR ?WARN", "an INFO line"));
}

TEST(FilterPattern, ExclusionsRemoveMatches) {
  EXPECT_TRUE(matches("ERROR -retry", "ERROR final"));
  EXPECT_FALSE(matches("ERROR -retry", "ERROR will retry"));
  EXPECT_FALSE(matches("ERROR -\"will retry\"", "ERROR will retry"));
}

TEST(FilterPattern, JsonEqualityAndWildcards) {
  EXPECT_TRUE(matches("{ $.level = \"ERROR\" }", R"({"level":"ERROR","n":1})"));
  EXPECT_FALSE(matches("{ $.level = \"ERROR\" }", R"({"level":"INFO"})"));
  EXPECT_FALSE(matches("{ $.level = \"ERROR\" }", "level = ERROR (not JSON)"));
  EXPECT_TRUE(matches("{ $.event = \"Update*\" }", R"({"event":"UpdateTrail"})"));
  EXPECT_TRUE(matches("{ $.level != \"ERROR\" }", R"({"level":"INFO"})"));
  EXPECT_FALSE(matches("{ $.level != \"ERROR\" }", R"({"other":1})"));  // a missing field matches nothing
}

TEST(FilterPattern, JsonNumbersCompareNumerically) {
  EXPECT_TRUE(matches("{ $.n > 5 }", R"({"n": 6})"));
  EXPECT_FALSE(matches("{ $.n > 5 }", R"({"n": 5})"));
  EXPECT_TRUE(matches("{ $.n >= 5 }", R"({"n": 5.0})"));
  EXPECT_TRUE(matches("{ $.n < 1e3 }", R"({"n": 999})"));
  EXPECT_FALSE(matches("{ $.n > 5 }", R"({"n": "6"})"));  // a string is not a number
  EXPECT_TRUE(matches("{ $.n = 5 }", R"({"n": 5})"));
}

TEST(FilterPattern, JsonNestedSelectorsAndArrays) {
  EXPECT_TRUE(matches("{ $.user.id = 42 }", R"({"user":{"id":42}})"));
  EXPECT_TRUE(matches("{ $.items[1] = \"b\" }", R"({"items":["a","b"]})"));
  EXPECT_TRUE(matches("{ $.items[*].k = \"v\" }", R"({"items":[{"k":"x"},{"k":"v"}]})"));
  EXPECT_FALSE(matches("{ $.items[5] = \"b\" }", R"({"items":["a","b"]})"));
}

TEST(FilterPattern, JsonAndOrAndParentheses) {
  const char* p = "{ ($.level = \"ERROR\" || $.level = \"WARN\") && $.n > 5 }";
  EXPECT_TRUE(matches(p, R"({"level":"WARN","n":9})"));
  EXPECT_FALSE(matches(p, R"({"level":"WARN","n":1})"));
  EXPECT_FALSE(matches(p, R"({"level":"INFO","n":9})"));
  EXPECT_TRUE(matches("{ $.a = 1 || $.b = 2 && $.c = 3 }", R"({"b":2,"c":3})"));  // && binds tighter
}

TEST(FilterPattern, JsonNullExistsAndBooleans) {
  EXPECT_TRUE(matches("{ $.x IS NULL }", R"({"x":null})"));
  EXPECT_FALSE(matches("{ $.x IS NULL }", R"({})"));
  EXPECT_TRUE(matches("{ $.x NOT EXISTS }", R"({})"));
  EXPECT_FALSE(matches("{ $.x NOT EXISTS }", R"({"x":0})"));
  EXPECT_TRUE(matches("{ $.x EXISTS }", R"({"x":0})"));
  EXPECT_TRUE(matches("{ $.ok IS TRUE }", R"({"ok":true})"));
  EXPECT_FALSE(matches("{ $.ok IS FALSE }", R"({"ok":true})"));
}

TEST(FilterPattern, SpaceDelimitedFields) {
  const std::string line = "127.0.0.1 frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";
  EXPECT_TRUE(matches("[ip, user, timestamp, request, status_code = 404, bytes]", line));
  EXPECT_TRUE(matches("[ip, user, timestamp, request, status_code = 4*, bytes > 1000]", line));
  EXPECT_FALSE(matches("[ip, user, timestamp, request, status_code = 5*, bytes]", line));
  EXPECT_FALSE(matches("[ip, user, timestamp, request, status_code]", line));  // too few fields
  EXPECT_TRUE(matches("[..., status_code = 404, bytes]", line));
  EXPECT_TRUE(matches("[ip = 127.0.0.1, ...]", line));
  EXPECT_TRUE(matches("[ip, user = frank, ..., bytes < 2000]", line));
  EXPECT_TRUE(matches("[ip, user, timestamp, request = *index*, ...]", line));
  EXPECT_TRUE(matches("[ip, user, timestamp, request, status_code = 500 || status_code = 404, bytes]", line));
  EXPECT_FALSE(matches("[ip, user, timestamp, request, status_code = 404 && bytes > 5000, bytes]", line));
}

TEST(FilterPattern, MalformedPatternsAreRejected) {
  EXPECT_TRUE(invalid("{ $.level = \"ERROR\" "));
  EXPECT_TRUE(invalid("{ level = 1 }"));
  EXPECT_TRUE(invalid("{ $.n > \"x\" }"));
  EXPECT_TRUE(invalid("{ $.n }"));
  EXPECT_TRUE(invalid("{ ($.n = 1 }"));
  EXPECT_TRUE(invalid("[a, b"));
  EXPECT_TRUE(invalid("[a, b = ]"));
  EXPECT_TRUE(invalid("[a, b] tail"));
  EXPECT_TRUE(invalid("\"unclosed"));
  EXPECT_TRUE(invalid("? alone"));
  EXPECT_TRUE(invalid(std::string(2000, 'a')));
  std::string deep = "{ " + std::string(200, '(') + "$.a = 1" + std::string(200, ')') + " }";
  EXPECT_TRUE(invalid(deep));
}

TEST(Wildcard, MatchesWholeValues) {
  EXPECT_TRUE(wildcardMatch("5*", "503"));
  EXPECT_FALSE(wildcardMatch("5*", "403"));
  EXPECT_TRUE(wildcardMatch("*html*", "/index.html?x"));
  EXPECT_TRUE(wildcardMatch("a*b*c", "aXbYc"));
  EXPECT_FALSE(wildcardMatch("abc", "abcd"));
}

TEST(LogLines, TimestampsComeFromTheLineOrTheInvocation) {
  const int64_t start = 1700000000000, end = start + 500;
  std::string text =
      "START RequestId: r Version: $LATEST\n"
      "2023-11-14T22:13:20.123Z\tr\tINFO\thello\n"
      "no stamp here\n"
      "END RequestId: r\n"
      "REPORT RequestId: r\tDuration: 1.00 ms\t\n";
  auto lines = timedLines(text, start, end);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].timestamp, start);
  EXPECT_EQ(lines[1].timestamp, 1700000000123);
  EXPECT_EQ(lines[2].timestamp, 1700000000123);  // takes the line before it
  EXPECT_EQ(lines[3].timestamp, end);
  EXPECT_EQ(lines[4].timestamp, end);
  EXPECT_EQ(lines[1].message, "2023-11-14T22:13:20.123Z\tr\tINFO\thello\n");
}

TEST(LogLines, IsoTimestampParsing) {
  EXPECT_EQ(leadingIsoTimestamp("1970-01-01T00:00:01.5Z x"), 1500);
  EXPECT_EQ(leadingIsoTimestamp("2000-02-29T12:00:00Z"), 951825600000);
  EXPECT_FALSE(leadingIsoTimestamp("2000-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(leadingIsoTimestamp("not a time").has_value());
  EXPECT_FALSE(leadingIsoTimestamp("2000-01-01T00:00:00.Z").has_value());
}

TEST(LogLines, PythonAndJsonLinesCarryTheirTimestamp) {
  EXPECT_EQ(lineTimestamp("[INFO]\t1970-01-01T00:00:02.000Z\tid\thi"), 2000);
  EXPECT_EQ(lineTimestamp(R"({"timestamp":"1970-01-01T00:00:03.000Z","level":"INFO"})"), 3000);
  EXPECT_EQ(lineTimestamp(R"({"timestamp": "1970-01-01T00:00:04.000Z"})"), 4000);
  EXPECT_FALSE(lineTimestamp("[INFO] no tab").has_value());
}

TEST(PlatformRecords, JsonFormatTurnsSystemLinesIntoRecords) {
  std::vector<TimedLine> lines = {
      {1000, "INIT_START Runtime Version: nodejs:20.v13\tRuntime Version ARN: arn:x\n"},
      {1000, "START RequestId: r1 Version: $LATEST\n"},
      {1001, "{\"level\":\"WARN\",\"message\":\"mine\"}\n"},
      {1002, "END RequestId: r1\n"},
      {1002, "REPORT RequestId: r1\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
             "Max Memory Used: 40 MB\tInit Duration: 10.25 ms\t\n"},
  };
  auto out = asJsonPlatformRecords(lines, "INFO");
  ASSERT_EQ(out.size(), 4u);  // END has no JSON form
  auto init = nlohmann::json::parse(out[0].message);
  EXPECT_EQ(init["type"], "platform.initStart");
  EXPECT_EQ(init["record"]["runtimeVersion"], "nodejs:20.v13");
  auto start = nlohmann::json::parse(out[1].message);
  EXPECT_EQ(start["type"], "platform.start");
  EXPECT_EQ(start["record"]["requestId"], "r1");
  EXPECT_EQ(start["record"]["version"], "$LATEST");
  EXPECT_EQ(start["time"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(out[2].message, lines[2].message);  // the function's own line is the runtime's
  auto report = nlohmann::json::parse(out[3].message);
  EXPECT_EQ(report["type"], "platform.report");
  EXPECT_EQ(report["record"]["metrics"]["durationMs"], 1.5);
  EXPECT_EQ(report["record"]["metrics"]["billedDurationMs"], 2);
  EXPECT_EQ(report["record"]["metrics"]["initDurationMs"], 10.25);
  EXPECT_EQ(report["record"]["status"], "success");
}

TEST(PlatformRecords, WarnKeepsOnlyFailures) {
  std::vector<TimedLine> lines = {
      {1, "START RequestId: r Version: 1\n"},
      {2, "REPORT RequestId: r\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
          "Max Memory Used: 40 MB\tStatus: timeout\n"},
      {3, "REPORT RequestId: q\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
          "Max Memory Used: 40 MB\t\n"},
  };
  auto out = asJsonPlatformRecords(lines, "WARN");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(out[0].message)["record"]["status"], "timeout");
}

}  // namespace
}  // namespace stratus::logs
