#include "triggers/decoded_call.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "runtime/base/loop.h"
#include "triggers/lambda_requests.h"

namespace stratus::triggers {
namespace {

std::string headerOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// Runs decodeThen for `body` on a real loop; returns the answer (if any) and whether `then`
// ran, and on which thread.
struct Outcome {
  std::optional<HttpResponse> answer;
  bool then_ran = false;
  bool then_on_loop = false;
  std::optional<int> timeout;
};

Outcome run(std::string body, bool then_throws = false) {
  Loop loop;
  Outcome out;
  Timer guard(loop);
  guard.start(10000, [&] { loop.stop(); });
  HttpRequest req;
  req.method = "PUT";
  req.body = std::move(body);
  auto call = std::make_shared<ApiCall>(std::move(req),
                                        [&](HttpResponse r) {
                                          out.answer = std::move(r);
                                          loop.stop();
                                        },
                                        "rid");
  loop.post([&] {
    decodeThen<UpdateFunctionConfigurationInput>(
        loop, call, decodeUpdateFunctionConfiguration, [&](UpdateFunctionConfigurationInput in) {
          out.then_ran = true;
          out.then_on_loop = loop.onLoopThread();
          out.timeout = in.config.timeout;
          if (then_throws) throw std::runtime_error("boom");
          loop.stop();
        });
  });
  loop.run();
  return out;
}

TEST(DecodeThen, SmallBodiesDecodeInline) {
  Outcome o = run(R"({"Timeout": 7})");
  EXPECT_TRUE(o.then_ran);
  EXPECT_TRUE(o.then_on_loop);
  EXPECT_EQ(o.timeout, 7);
  EXPECT_FALSE(o.answer.has_value());
}

TEST(DecodeThen, LargeBodiesDecodeOnThePoolAndContinueOnTheLoop) {
  std::string big = R"({"Timeout": 9, "Description": "d", "Pad": ")" +
                    std::string(kInlineDecodeBytes + 10, 'p') + "\"}";
  Outcome o = run(big);
  EXPECT_TRUE(o.then_ran);
  EXPECT_TRUE(o.then_on_loop);
  EXPECT_EQ(o.timeout, 9);
}

TEST(DecodeThen, ErrorsAnswerInAwsShapeInlineOrNot) {
  for (std::string pad : {std::string(), std::string(kInlineDecodeBytes + 10, 'p')}) {
    Outcome o = run(R"({"Timeout": "x", "Pad": ")" + pad + "\"}");
    EXPECT_FALSE(o.then_ran);
    ASSERT_TRUE(o.answer.has_value());
    EXPECT_EQ(o.answer->status, 400);
    EXPECT_EQ(headerOf(*o.answer, "x-amzn-ErrorType"), "SerializationException");
    EXPECT_EQ(headerOf(*o.answer, "x-amzn-RequestId"), "rid");
  }
}

TEST(DecodeThen, AThrowAfterAPoolDecodeAnswersInsteadOfEndingTheProcess) {
  std::string big = R"({"Timeout": 3, "Pad": ")" + std::string(kInlineDecodeBytes + 10, 'p') + "\"}";
  Outcome o = run(big, /*then_throws=*/true);
  EXPECT_TRUE(o.then_ran);
  ASSERT_TRUE(o.answer.has_value());
  EXPECT_EQ(o.answer->status, 500);
  EXPECT_EQ(headerOf(*o.answer, "x-amzn-ErrorType"), "ServiceException");
}

}  // namespace
}  // namespace stratus::triggers
