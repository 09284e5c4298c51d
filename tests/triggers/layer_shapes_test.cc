#include "triggers/layer_shapes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace stratus::triggers {
namespace {

const AccountScope kScope{"us-east-1", "000000000000"};
const std::string kLib = "arn:aws:lambda:us-east-1:000000000000:layer:lib";

TEST(LayerArn, ParsesVersionedAndUnversioned) {
  auto v = parseLayerArn(kLib + ":7");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->region, "us-east-1");
  EXPECT_EQ(v->account_id, "000000000000");
  EXPECT_EQ(v->name, "lib");
  EXPECT_EQ(v->version, 7);
  EXPECT_EQ(v->layerArn(), kLib);
  EXPECT_EQ(v->versionArn(), kLib + ":7");
  auto u = parseLayerArn(kLib);
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->version);
  for (const char* bad : {"lib", "arn:aws:lambda:us-east-1:000000000000:function:lib:1",
                          "arn:aws:lambda:us-east-1:123:layer:lib:1",
                          "arn:aws:lambda:us-east-1:000000000000:layer:l!b:1",
                          "arn:aws:lambda:us-east-1:000000000000:layer:lib:x", ""}) {
    EXPECT_FALSE(parseLayerArn(bad)) << bad;
  }
  EXPECT_EQ(layerFromPath("lib", kScope).layerArn(), kLib);
  EXPECT_EQ(layerFromPath(kLib, kScope).layerArn(), kLib);
}

TEST(LayerArn, VersionNumbersFromThePath) {
  EXPECT_EQ(layerVersionNumber("3").value(), 3);
  EXPECT_EQ(layerVersionNumber("0").error().message, "Layer Version Cannot be less than 1");
  EXPECT_EQ(layerVersionNumber("-2").error().code, ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(layerVersionNumber("x").error().code, ErrorCode::kValidation);
}

TEST(LayerArn, CompatibleRuntimesAgainstTheModel) {
  EXPECT_TRUE(checkCompatibleRuntime("").ok());
  EXPECT_TRUE(checkCompatibleRuntime("python3.12").ok());
  EXPECT_EQ(checkCompatibleRuntime("cobol").error().code, ErrorCode::kValidation);
  EXPECT_TRUE(checkCompatibleRuntimes({"nodejs20.x", "provided.al2023"}).ok());
  EXPECT_EQ(checkCompatibleRuntimes({"nodejs20.x", "cobol"}).error().code, ErrorCode::kValidation);
}

class FunctionLayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-layer-shapes-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto w = DbWriter::open(loop_, dir_ + "/s.db");
    ASSERT_TRUE(w.ok());
    writer_ = std::move(w).value();
    auto r = scheduler::LayerRegistry::open(*writer_);
    ASSERT_TRUE(r.ok());
    reg_ = std::move(r).value();
    scheduler::LayerVersionRecord v;
    v.code = {"aa", "qg==", 10, 100000000};
    reg_->publish(kLib, "lib", v, nullptr);  // 1
    reg_->publish(kLib, "lib", v, nullptr);  // 2
  }
  void TearDown() override {
    reg_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  Loop loop_;
  std::unique_ptr<DbWriter> writer_;
  std::unique_ptr<scheduler::LayerRegistry> reg_;
};

TEST_F(FunctionLayersTest, ResolvesWithLambdasErrors) {
  auto ok = resolveFunctionLayers(*reg_, {kLib + ":2"}, kScope);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].arn, kLib + ":2");
  EXPECT_EQ((*ok)[0].code.sha256_hex, "aa");

  EXPECT_EQ(resolveFunctionLayers(*reg_, {kLib + ":9"}, kScope).error().message,
            "Layer version " + kLib + ":9 does not exist.");
  EXPECT_EQ(resolveFunctionLayers(*reg_, std::vector<std::string>(6, kLib + ":1"), kScope).error().message,
            "Cannot reference more than 5 layers.");
  EXPECT_EQ(resolveFunctionLayers(*reg_, {kLib}, kScope).error().code, ErrorCode::kValidation);
  auto twice = resolveFunctionLayers(*reg_, {kLib + ":1", kLib + ":2"}, kScope);
  EXPECT_EQ(twice.error().message,
            "Two different versions of the same layer are not allowed to be referenced in the "
            "same function. " + kLib + ":1 and " + kLib + ":2 are versions of the same layer.");
  auto region = resolveFunctionLayers(*reg_, {"arn:aws:lambda:eu-west-1:000000000000:layer:lib:1"}, kScope);
  EXPECT_EQ(region.error().message,
            "Layers are not in the same region as the function. Layers are expected to be in "
            "region us-east-1.");
  auto foreign = resolveFunctionLayers(*reg_, {"arn:aws:lambda:us-east-1:017000801446:layer:pt:3"}, kScope);
  EXPECT_EQ(foreign.error().code, ErrorCode::kAccessDenied);
  EXPECT_TRUE(resolveFunctionLayers(*reg_, {}, kScope).ok());
}

TEST_F(FunctionLayersTest, CodeAndLayersShareTheUnzippedLimit) {
  auto layers = resolveFunctionLayers(*reg_, {kLib + ":1"}, kScope);
  ASSERT_TRUE(layers.ok());
  scheduler::CodeRef code{"bb", "uw==", 1, 162144000};
  EXPECT_TRUE(checkUnzippedTotal(code, *layers).ok());  // exactly 262144000
  code.unzipped += 1;
  EXPECT_EQ(checkUnzippedTotal(code, *layers).error().message,
            "Function code combined with layers exceeds the maximum allowed size of 262144000 "
            "bytes. The actual size is 262144001 bytes.");
}

}  // namespace
}  // namespace stratus::triggers
