// The isolate host's framing and message codecs (runtime/js/host_protocol.h, host_call_codec.h):
// frames survive any split of the byte stream, oversized ones fail the decoder, the values
// round-trip, and a truncated or padded binary body is rejected rather than misread.
#include "runtime/js/host_protocol.h"

#include "runtime/js/host_call_codec.h"

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

JsResult sampleResult(JsOutcome outcome) {
  JsResult r;
  r.outcome = outcome;
  r.payload = "{\"statusCode\":200,\"body\":\"hello \\\"q\\\"\"}";
  r.error_type = outcome == JsOutcome::kOk ? "" : "Error";
  r.log_lines = {"2026-12-03T00:00:00.000Z\tid\tINFO\tone", std::string("bin \xff\x00 z", 8), ""};
  r.heap_used_bytes = (uint64_t{5} << 32) + 7;
  r.reusable = outcome == JsOutcome::kOk;
  return r;
}

void expectSameResult(const JsResult& a, const JsResult& b) {
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.error_type, b.error_type);
  EXPECT_EQ(a.log_lines, b.log_lines);
  EXPECT_EQ(a.heap_used_bytes, b.heap_used_bytes);
  EXPECT_EQ(a.reusable, b.reusable);
}

// The body of a whole frame, through the decoder as the other side reads it.
std::string bodyOf(const std::string& frame) {
  FrameDecoder decoder;
  decoder.feed(frame.data(), frame.size());
  auto body = decoder.next();
  EXPECT_TRUE(body.has_value());
  EXPECT_EQ(decoder.buffered(), 0u);
  return body.value_or("");
}

TEST(HostCallCodecTest, InvokeRoundTripsWithRawBytes) {
  InvokeMessage m;
  m.id = 42;
  m.seq = (int64_t{1} << 40) + 3;
  m.timeout_ms = 900000;
  m.request.request_id = "8f2c-req";
  m.request.event_json = std::string("{\"k\":\"\xe2\x82\xac\\n\"}") + std::string(1, '\0');
  m.request.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn:3";
  m.request.client_context_json = "";
  std::string body = bodyOf(encodeInvokeFrame(m));
  ASSERT_EQ(body[0], kInvokeTag);
  InvokeMessage back;
  ASSERT_TRUE(decodeInvoke(body, &back));
  EXPECT_EQ(back.id, 42);
  EXPECT_EQ(back.seq, m.seq);
  EXPECT_EQ(back.timeout_ms, 900000);
  EXPECT_EQ(back.request.request_id, m.request.request_id);
  EXPECT_EQ(back.request.event_json, m.request.event_json);
  EXPECT_EQ(back.request.invoked_function_arn, m.request.invoked_function_arn);
  EXPECT_EQ(back.request.client_context_json, "");
}

TEST(HostCallCodecTest, DoneRoundTripsEachShape) {
  for (int parts = 0; parts < 4; ++parts) {
    for (JsOutcome o : {JsOutcome::kOk, JsOutcome::kFunctionError, JsOutcome::kTimeout, JsOutcome::kOutOfMemory}) {
      DoneMessage m;
      m.id = 7;
      m.seq = 9;
      if (parts & 1) {
        m.init = sampleResult(JsOutcome::kOk);
        m.init_ms = 1.25;
      }
      if (parts & 2) {
        m.result = sampleResult(o);
        m.duration_ms = 0.031;
      }
      std::string body = bodyOf(encodeDoneFrame(m));
      ASSERT_EQ(body[0], kDoneTag);
      DoneMessage back;
      ASSERT_TRUE(decodeDone(body, &back)) << parts;
      EXPECT_EQ(back.id, 7);
      EXPECT_EQ(back.seq, 9);
      ASSERT_EQ(back.init.has_value(), m.init.has_value());
      ASSERT_EQ(back.result.has_value(), m.result.has_value());
      if (m.init) {
        expectSameResult(*back.init, *m.init);
        EXPECT_EQ(back.init_ms, 1.25);
      }
      if (m.result) {
        expectSameResult(*back.result, *m.result);
        EXPECT_EQ(back.duration_ms, 0.031);
      }
    }
  }
}

TEST(HostCallCodecTest, TruncatedPaddedOrForeignBodiesAreRejected) {
  InvokeMessage im;
  im.request.event_json = "{}";
  std::string invoke = bodyOf(encodeInvokeFrame(im));
  DoneMessage dm;
  dm.result = sampleResult(JsOutcome::kTimeout);
  std::string done = bodyOf(encodeDoneFrame(dm));
  for (size_t n = 0; n < invoke.size(); ++n) {
    InvokeMessage out;
    EXPECT_FALSE(decodeInvoke(invoke.substr(0, n), &out)) << n;
  }
  for (size_t n = 0; n < done.size(); ++n) {
    DoneMessage out;
    EXPECT_FALSE(decodeDone(done.substr(0, n), &out)) << n;
  }
  InvokeMessage i2;
  DoneMessage d2;
  EXPECT_FALSE(decodeInvoke(invoke + "x", &i2));
  EXPECT_FALSE(decodeDone(done + "x", &d2));
  EXPECT_FALSE(decodeInvoke(done, &i2));   // the wrong kind
  EXPECT_FALSE(decodeDone(invoke, &d2));
  EXPECT_FALSE(decodeDone("{\"op\":\"done\"}", &d2));
  std::string bad_outcome = done;
  bad_outcome[1 + 8 + 8 + 1] = 9;  // after tag, id, seq, parts: the result's outcome
  EXPECT_FALSE(decodeDone(bad_outcome, &d2));
  std::string huge_count = done;
  // A log line count far beyond what the body holds ends the decode, not the memory.
  size_t count_at = 1 + 8 + 8 + 1 + 1 + 4 + dm.result->payload.size() + 4 + dm.result->error_type.size();
  for (int i = 0; i < 8; ++i) huge_count[count_at + i] = static_cast<char>(0xff);
  EXPECT_FALSE(decodeDone(huge_count, &d2));
}

TEST(HostProtocolTest, SeveralFramesInOneReadComeOutInOrder) {
  DoneMessage a, b;
  a.id = 1;
  b.id = 2;
  b.result = sampleResult(JsOutcome::kOk);
  std::string stream = encodeDoneFrame(a) + encodeFrame({{"op", "ready"}}) + encodeDoneFrame(b);
  FrameDecoder decoder;
  decoder.feed(stream.data(), stream.size());
  DoneMessage out;
  auto v1 = decoder.nextView();
  ASSERT_TRUE(v1 && decodeDone(*v1, &out));
  EXPECT_EQ(out.id, 1);
  auto v2 = decoder.nextView();
  ASSERT_TRUE(v2);
  EXPECT_EQ((*v2)[0], '{');
  auto v3 = decoder.nextView();
  DoneMessage out3;
  ASSERT_TRUE(v3 && decodeDone(*v3, &out3));
  EXPECT_EQ(out3.id, 2);
  EXPECT_FALSE(decoder.nextView().has_value());
}

}  // namespace
}  // namespace stratus::js::host
