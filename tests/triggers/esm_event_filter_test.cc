#include "triggers/esm/event_filter.h"

#include <gtest/gtest.h>

namespace stratus::esm {
namespace {

using Json = nlohmann::json;

bool match(const std::string& pattern, const Json& event) {
  auto f = EventFilter::parse(pattern);
  EXPECT_TRUE(f.has_value()) << pattern;
  return f && f->matches(event);
}

Json record(const std::string& body, Json attributes = Json::object()) {
  return filterView({{"body", body}, {"attributes", attributes}, {"messageAttributes", Json::object()}});
}

TEST(EsmEventFilter, ExactValuesAreAlternatives) {
  EXPECT_TRUE(match(R"({"body":{"kind":["a","b"]}})", record(R"({"kind":"b"})")));
  EXPECT_FALSE(match(R"({"body":{"kind":["a","b"]}})", record(R"({"kind":"c"})")));
  EXPECT_TRUE(match(R"({"body":{"n":[5]}})", record(R"({"n":5.0})")));
  EXPECT_FALSE(match(R"({"body":{"n":[5]}})", record(R"({"n":"5"})")));
  EXPECT_TRUE(match(R"({"body":{"v":[null]}})", record(R"({"v":null})")));
  EXPECT_FALSE(match(R"({"body":{"v":[null]}})", record(R"({})")));
  EXPECT_TRUE(match(R"({"body":{"ok":[true]}})", record(R"({"ok":true})")));
}

TEST(EsmEventFilter, SeveralKeysMustAllMatch) {
  const char* p = R"({"body":{"a":["x"],"b":["y"]}})";
  EXPECT_TRUE(match(p, record(R"({"a":"x","b":"y"})")));
  EXPECT_FALSE(match(p, record(R"({"a":"x","b":"z"})")));
  EXPECT_FALSE(match(p, record(R"({"a":"x"})")));
}

TEST(EsmEventFilter, ArraysInTheEventMatchByAnyElement) {
  EXPECT_TRUE(match(R"({"body":{"tags":["red"]}})", record(R"({"tags":["blue","red"]})")));
  EXPECT_FALSE(match(R"({"body":{"tags":["red"]}})", record(R"({"tags":["blue"]})")));
}

TEST(EsmEventFilter, PrefixSuffixWildcardIgnoreCase) {
  EXPECT_TRUE(match(R"({"body":{"r":[{"prefix":"us-"}]}})", record(R"({"r":"us-east-1"})")));
  EXPECT_FALSE(match(R"({"body":{"r":[{"prefix":"us-"}]}})", record(R"({"r":"eu-west-1"})")));
  EXPECT_TRUE(match(R"({"body":{"f":[{"suffix":".png"}]}})", record(R"({"f":"a.png"})")));
  EXPECT_FALSE(match(R"({"body":{"f":[{"suffix":".png"}]}})", record(R"({"f":"a.jpg"})")));
  EXPECT_TRUE(match(R"({"body":{"f":[{"wildcard":"img/*.png"}]}})", record(R"({"f":"img/x/y.png"})")));
  EXPECT_FALSE(match(R"({"body":{"f":[{"wildcard":"img/*.png"}]}})", record(R"({"f":"doc/y.png"})")));
  EXPECT_TRUE(match(R"({"body":{"c":[{"equals-ignore-case":"ReD"}]}})", record(R"({"c":"red"})")));
}

TEST(EsmEventFilter, AnythingBut) {
  EXPECT_TRUE(match(R"({"body":{"s":[{"anything-but":["bad","worse"]}]}})", record(R"({"s":"good"})")));
  EXPECT_FALSE(match(R"({"body":{"s":[{"anything-but":["bad","worse"]}]}})", record(R"({"s":"bad"})")));
  EXPECT_FALSE(match(R"({"body":{"s":[{"anything-but":"bad"}]}})", record(R"({"s":"bad"})")));
  EXPECT_TRUE(match(R"({"body":{"s":[{"anything-but":{"prefix":"tmp"}}]}})", record(R"({"s":"keep"})")));
  EXPECT_FALSE(match(R"({"body":{"s":[{"anything-but":{"prefix":"tmp"}}]}})", record(R"({"s":"tmpfile"})")));
  EXPECT_FALSE(match(R"({"body":{"s":[{"anything-but":"bad"}]}})", record(R"({})")));  // absent
}

TEST(EsmEventFilter, NumericRanges) {
  const char* p = R"({"body":{"n":[{"numeric":[">",10,"<=",20]}]}})";
  EXPECT_FALSE(match(p, record(R"({"n":10})")));
  EXPECT_TRUE(match(p, record(R"({"n":10.5})")));
  EXPECT_TRUE(match(p, record(R"({"n":20})")));
  EXPECT_FALSE(match(p, record(R"({"n":21})")));
  EXPECT_FALSE(match(p, record(R"({"n":"15"})")));
  EXPECT_TRUE(match(R"({"body":{"n":[{"numeric":["=",3]}]}})", record(R"({"n":3})")));
}

TEST(EsmEventFilter, Exists) {
  EXPECT_TRUE(match(R"({"body":{"x":[{"exists":true}]}})", record(R"({"x":0})")));
  EXPECT_FALSE(match(R"({"body":{"x":[{"exists":true}]}})", record(R"({"y":0})")));
  EXPECT_TRUE(match(R"({"body":{"x":[{"exists":false}]}})", record(R"({"y":0})")));
  EXPECT_FALSE(match(R"({"body":{"x":[{"exists":false}]}})", record(R"({"x":0})")));
}

TEST(EsmEventFilter, OrOfPatterns) {
  const char* p = R"({"body":{"$or":[{"a":["1"]},{"b":[{"numeric":[">",5]}]}]}})";
  EXPECT_TRUE(match(p, record(R"({"a":"1"})")));
  EXPECT_TRUE(match(p, record(R"({"b":6})")));
  EXPECT_FALSE(match(p, record(R"({"a":"2","b":1})")));
}

TEST(EsmEventFilter, AttributesAndPlainBodies) {
  Json attrs{{"ApproximateReceiveCount", "1"}, {"SenderId", "AIDA"}};
  EXPECT_TRUE(match(R"({"attributes":{"ApproximateReceiveCount":["1"]}})", record("plain", attrs)));
  EXPECT_FALSE(match(R"({"attributes":{"ApproximateReceiveCount":["2"]}})", record("plain", attrs)));
  // A plain-string body against a pattern on JSON properties: no match (Lambda drops it).
  EXPECT_FALSE(match(R"({"body":{"a":["x"]}})", record("not json")));
  EXPECT_TRUE(match(R"({"body":["not json"]})", record("not json")));
  EXPECT_TRUE(match(R"({"body":[{"prefix":"not"}]})", record("not json")));
}

TEST(EsmEventFilter, RefusesWhatLambdaRefuses) {
  for (const char* bad : {"", "[]", "\"x\"", "{}", "{\"a\":\"x\"}", "{\"a\":[]}", "{\"a\":[{\"nope\":1}]}",
                          "{\"a\":[{\"prefix\":1}]}", "{\"a\":[{\"exists\":\"yes\"}]}",
                          "{\"a\":[{\"numeric\":[\">\"]}]}", "{\"a\":[{\"numeric\":[\"~\",1]}]}",
                          "{\"a\":[{\"numeric\":[\">\",1,\">\",2]}]}", "{\"$or\":[{\"a\":[\"x\"]}]}",
                          "{\"a\":[{\"anything-but\":[]}]}", "{\"a\":[{\"wildcard\":\"a**b\"}]}", "{not json"}) {
    EXPECT_FALSE(EventFilter::parse(bad).has_value()) << bad;
  }
}

TEST(EsmEventFilter, AnyOfSeveralFiltersKeeps) {
  std::vector<EventFilter> filters{*EventFilter::parse(R"({"body":{"a":["1"]}})"),
                                   *EventFilter::parse(R"({"body":{"a":["2"]}})")};
  EXPECT_TRUE(anyMatches(filters, record(R"({"a":"2"})")));
  EXPECT_FALSE(anyMatches(filters, record(R"({"a":"3"})")));
  EXPECT_TRUE(anyMatches({}, record("anything")));
}

}  // namespace
}  // namespace stratus::esm
