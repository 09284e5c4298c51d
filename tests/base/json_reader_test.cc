#include "runtime/base/json_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

namespace stratus {
namespace {

bool valid(std::string_view text) { return jsonSyntaxError(text).empty(); }

std::string nested(size_t depth, char open, char close) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += open == '{' ? "{\"a\":" : std::string(1, open);
  s += open == '{' ? "1" : "";
  s.append(depth, close);
  return s;
}

TEST(JsonReader, AcceptsRfc8259Values) {
  for (const char* ok : {"{}", "[]", "0", "-0", "1.5e-3", "-12E+4", "\"\"", "true", "false",
                         "null", " \t\r\n[1, {\"a\": [null, \"x\"]}] \n",
                         "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
                         "\"h\xc3\xa9llo \xf0\x9f\x98\x80\"", "\xef\xbb\xbf{}"}) {
    EXPECT_TRUE(valid(ok)) << ok << ": " << jsonSyntaxError(ok);
  }
}

TEST(JsonReader, RefusesWhatIsNotJson) {
  for (const char* bad : {"", "   ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5",
                          "-", "1e", "+1", "[1 2]", "{} {}", "nul", "truex", "\"abc",
                          "\"a\nb\"", "\"\\x\"", "\"\\u12G4\"", "{\"a\" 1}", "{1:2}",
                          "NaN", "Infinity", "[\"a\"]]"}) {
    EXPECT_FALSE(valid(bad)) << bad;
  }
}

TEST(JsonReader, RefusesInvalidUtf8) {
  for (std::string bad : {std::string("\"\xc0\x80\""), std::string("\"\xed\xa0\x80\""),
                          std::string("\"\xf5\x80\x80\x80\""), std::string("\"\xe2\x82\""),
                          std::string("\"\xff\""), std::string("\xff"),
                          std::string("\"\xf4\x90\x80\x80\"")}) {
    std::string e = jsonSyntaxError(bad);
    EXPECT_FALSE(e.empty()) << bad;
  }
  EXPECT_NE(jsonSyntaxError("{\"a\":\"\x87\"}").find("Invalid UTF-8 start byte 0x87"), std::string::npos);
}

TEST(JsonReader, DescribesProblemsLikeJacksonWithLineAndColumn) {
  std::string e = jsonSyntaxError("{\n  \"a\": x}");
  EXPECT_EQ(e.rfind("Unexpected character ('x' (code 120)): expected a valid value", 0), 0u) << e;
  EXPECT_NE(e.find("line: 2, column: 8]"), std::string::npos) << e;
  EXPECT_NE(jsonSyntaxError("\x99").find("(CTRL-CHAR, code 153)"), std::string::npos);
}

TEST(JsonReader, NumbersBeyondDoubleAreValidAndParseToInfinity) {
  EXPECT_TRUE(valid("1e999"));
  EXPECT_TRUE(valid("[-1e999, 1e-999, 123456789012345678901234567890]"));
  auto doc = parseJson("[1e999, -1e999, 1e-999, 9223372036854775807, 18446744073709551615, "
                       "18446744073709551616, -9223372036854775809, 5]");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const auto& a = *doc;
  EXPECT_TRUE(std::isinf(a[0].get<double>()) && a[0].get<double>() > 0);
  EXPECT_TRUE(std::isinf(a[1].get<double>()) && a[1].get<double>() < 0);
  EXPECT_EQ(a[2].get<double>(), 0.0);
  EXPECT_TRUE(a[3].is_number_integer() && !a[3].is_number_unsigned());
  EXPECT_EQ(a[3].get<int64_t>(), INT64_MAX);
  EXPECT_TRUE(a[4].is_number_unsigned());
  EXPECT_TRUE(a[5].is_number_float());
  EXPECT_TRUE(a[6].is_number_float());
  EXPECT_EQ(a[7].get<int64_t>(), 5);
}

TEST(JsonReader, ManyOverflowingNumbersTakeLinearTime) {
  // The old check re-parsed the whole text once per overflowing number.
  std::string big = "[";
  while (big.size() < 6 * 1000 * 1000) big += "1e999,";
  big += "1]";
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(valid(big));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 2000);
  EXPECT_TRUE(parseJson(big).ok());
}

TEST(JsonReader, DepthIsLimitedBeforeAnythingRecurses) {
  EXPECT_TRUE(valid(nested(1000, '[', ']')));
  std::string e = jsonSyntaxError(nested(1001, '[', ']'));
  EXPECT_EQ(e.rfind("Document nesting depth (1001) exceeds the maximum allowed (1000, from "
                    "`StreamReadConstraints.getMaxNestingDepth()`)", 0), 0u) << e;
  for (char open : {'[', '{'}) {
    char close = open == '[' ? ']' : '}';
    EXPECT_FALSE(valid(nested(50000, open, close)));
    EXPECT_FALSE(parseJson(nested(50000, open, close), 128).ok());
    EXPECT_TRUE(parseJson(nested(128, open, close), 128).ok());
    EXPECT_FALSE(parseJson(nested(129, open, close), 128).ok());
  }
  EXPECT_FALSE(valid(std::string(100000, '[')));
}

TEST(JsonReader, LoneSurrogatesPassTheCheckButNotTheParse) {
  EXPECT_TRUE(valid("\"\\ud800\""));
  EXPECT_TRUE(valid("\"\\udc00x\\ud800\\u0041\""));
  EXPECT_FALSE(parseJson("\"\\ud800\"").ok());
  auto pair = parseJson("\"\\ud83d\\ude00\"");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->get<std::string>(), "\xf0\x9f\x98\x80");
}

TEST(JsonReader, BuildsDocuments) {
  auto doc = parseJson(R"({"a": [1, "two", {"b": null}], "c": true, "a2": {}, "c": false})");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(*doc, nlohmann::json::parse(R"({"a": [1, "two", {"b": null}], "a2": {}, "c": false})"));
  auto s = parseJson("\"tab\\tnew\\nline \\u00e9\"");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->get<std::string>(), "tab\tnew\nline \xc3\xa9");
  std::string huge = "{\"ZipFile\": \"" + std::string(10 << 20, 'A') + "\"}";
  auto h = parseJson(huge);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)["ZipFile"].get_ref<const std::string&>().size(), size_t{10 << 20});
  auto bad = parseJson("[1,");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidRequestContent);
}

}  // namespace
}  // namespace stratus
