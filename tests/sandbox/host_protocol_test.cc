// The isolate host's framing and message codec (runtime/js/host_protocol.h): frames survive any
// split of the byte stream, oversized ones fail the decoder, and the values round-trip.
#include "runtime/js/host_protocol.h"

#include <gtest/gtest.h>

namespace stratus::js::host {
namespace {

TEST(HostProtocolTest, FrameHasALittleEndianLengthThenTheBody) {
  std::string frame = encodeFrameBody("abc");
  ASSERT_EQ(frame.size(), 7u);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x03\x00\x00\x00", 4));
  EXPECT_EQ(frame.substr(4), "abc");
  std::string big = encodeFrameBody(std::string(0x010203, 'x'));
  EXPECT_EQ(big.substr(0, 4), std::string("\x03\x02\x01\x00", 4));
}

TEST(HostProtocolTest, DecoderReassemblesFramesSplitAnywhere) {
  std::string stream;
  std::vector<std::string> bodies = {"{\"op\":\"ready\"}", "", std::string(70000, 'y'), "z"};
  for (const auto& b : bodies) stream += encodeFrameBody(b);
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}, stream.size()}) {
    FrameDecoder decoder;
    std::vector<std::string> got;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      decoder.feed(stream.data() + at, std::min(chunk, stream.size() - at));
      while (auto body = decoder.next()) got.push_back(*body);
    }
    EXPECT_EQ(got, bodies) << "chunk " << chunk;
    EXPECT_EQ(decoder.buffered(), 0u);
    EXPECT_FALSE(decoder.failed());
  }
}

TEST(HostProtocolTest, AnOversizedFrameFailsTheDecoderForGood) {
  FrameDecoder decoder;
  uint32_t n = static_cast<uint32_t>(kMaxFrameBytes + 1);
  char header[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                    static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
  decoder.feed(header, 4);
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_TRUE(decoder.failed());
  std::string ok = encodeFrameBody("x");
  decoder.feed(ok.data(), ok.size());
  EXPECT_FALSE(decoder.next().has_value());
}

TEST(HostProtocolTest, AFrameIsOneJsonMessageEvenWithInvalidUtf8) {
  std::string frame = encodeFrame({{"op", "done"}, {"log", std::string("bad \xff byte")}});
  FrameDecoder decoder;
  decoder.feed(frame.data(), frame.size());
  auto body = decoder.next();
  ASSERT_TRUE(body.has_value());
  auto msg = nlohmann::json::parse(*body);
  EXPECT_EQ(msg["op"], "done");
  EXPECT_EQ(msg["log"].get<std::string>().find("bad "), 0u);
}

TEST(HostProtocolTest, SpecsRequestsAndResultsRoundTrip) {
  JsFunctionSpec spec;
  spec.task_root = "/t";
  spec.opt_root = "/o";
  spec.handler = "index.handler";
  spec.env = {{"A", "1"}, {"AWS_REGION", "us-east-1"}};
  spec.heap_limit_bytes = 256u << 20;
  spec.function_name = "fn";
  spec.function_version = "3";
  spec.memory_limit_mb = "256";
  spec.log_group_name = "/aws/lambda/fn";
  spec.log_stream_name = "2026/12/03/[3]abc";
  spec.defer_housekeeping = true;
  JsFunctionSpec s2 = functionSpecFromJson(toJson(spec));
  EXPECT_EQ(s2.task_root, "/t");
  EXPECT_EQ(s2.opt_root, "/o");
  EXPECT_EQ(s2.env, spec.env);
  EXPECT_EQ(s2.heap_limit_bytes, spec.heap_limit_bytes);
  EXPECT_EQ(s2.function_version, "3");
  EXPECT_EQ(s2.log_stream_name, spec.log_stream_name);
  EXPECT_TRUE(s2.defer_housekeeping);

  JsInvokeRequest req{"id-1", "{\"a\":1}", "arn:x", 1234, "{\"custom\":{}}"};
  JsInvokeRequest r2 = invokeRequestFromJson(toJson(req));
  EXPECT_EQ(r2.request_id, "id-1");
  EXPECT_EQ(r2.event_json, "{\"a\":1}");
  EXPECT_EQ(r2.deadline_epoch_ms, 1234);
  EXPECT_EQ(r2.client_context_json, "{\"custom\":{}}");

  for (JsOutcome o : {JsOutcome::kOk, JsOutcome::kFunctionError, JsOutcome::kTimeout, JsOutcome::kOutOfMemory}) {
    JsResult res;
    res.outcome = o;
    res.payload = "{\"errorType\":\"E\"}";
    res.error_type = "E";
    res.log_lines = {"one", "two\tthree"};
    res.heap_used_bytes = 5u << 20;
    res.reusable = o == JsOutcome::kOk;
    JsResult back = resultFromJson(toJson(res));
    EXPECT_EQ(back.outcome, o);
    EXPECT_EQ(back.payload, res.payload);
    EXPECT_EQ(back.error_type, "E");
    EXPECT_EQ(back.log_lines, res.log_lines);
    EXPECT_EQ(back.heap_used_bytes, res.heap_used_bytes);
    EXPECT_EQ(back.reusable, res.reusable);
  }
}

TEST(HostProtocolTest, MissingFieldsTakeSafeDefaults) {
  JsResult r = resultFromJson(nlohmann::json::object());
  EXPECT_EQ(r.outcome, JsOutcome::kFunctionError);
  EXPECT_FALSE(r.reusable);  // an answer that says nothing is not reused
  JsFunctionSpec s = functionSpecFromJson({{"env", "not an object"}});
  EXPECT_TRUE(s.env.empty());
}

}  // namespace
}  // namespace stratus::js::host
