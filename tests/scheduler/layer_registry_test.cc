#include "scheduler/layer_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "scheduler/function_record.h"

namespace stratus::scheduler {
namespace {

const char* kArn = "arn:aws:lambda:us-east-1:000000000000:layer:lib";

class LayerRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-layers-reg-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto w = DbWriter::open(loop_, dir_ + "/s.db");
    ASSERT_TRUE(w.ok()) << w.error().message;
    writer_ = std::move(w).value();
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<LayerRegistry> openRegistry(DbWriter& writer) {
    auto reg = LayerRegistry::open(writer);
    EXPECT_TRUE(reg.ok()) << reg.error().message;
    return reg.ok() ? std::move(reg).value() : nullptr;
  }
  // What a fresh server would load from the file now.
  std::map<std::string, nlohmann::json> onDisk() {
    Loop other_loop;
    auto w = DbWriter::open(other_loop, dir_ + "/s.db");
    EXPECT_TRUE(w.ok());
    auto reg = openRegistry(**w);
    std::map<std::string, nlohmann::json> out;
    for (const auto& [arn, layer] : reg->all()) out[arn] = layer;
    return out;
  }
  void runUntil(const std::function<bool()>& done) {
    if (done()) return;
    Timer poll(loop_);
    poll.start(1, [&] { if (done()) loop_.stop(); }, 1);
    Timer guard(loop_);
    guard.start(5000, [&] { loop_.stop(); });
    loop_.run();
  }
  LayerVersionRecord version(const std::string& hex) {
    LayerVersionRecord v;
    v.description = "d";
    v.created_date = "2026-01-01T00:00:00.000+0000";
    v.code = {hex, "q80=", 42, 1000};
    v.compatible_runtimes = std::vector<std::string>{"nodejs20.x"};
    return v;
  }

  std::string dir_;
  Loop loop_;
  std::unique_ptr<DbWriter> writer_;
};

TEST_F(LayerRegistryTest, NumbersFromOneNeverReusedAndDurableBeforeReported) {
  auto reg = openRegistry(*writer_);
  ASSERT_TRUE(reg);
  std::vector<int64_t> reported;
  int64_t first = reg->publish(kArn, "lib", version("aa"), [&](Status s) {
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(onDisk().count(kArn));  // on disk before anyone is told
    reported.push_back(1);
  });
  EXPECT_EQ(first, 1);
  EXPECT_NE(reg->findVersion(kArn, 1), nullptr);  // reads see it at once
  EXPECT_EQ(reg->publish(kArn, "lib", version("bb"), [&](Status) { reported.push_back(2); }), 2);
  LayerState s = *reg->find(kArn);
  s.versions.clear();  // every version deleted
  ASSERT_TRUE(reg->update(s, nullptr).ok());
  EXPECT_EQ(reg->publish(kArn, "lib", version("cc"), [&](Status) { reported.push_back(3); }), 3);
  runUntil([&] { return reported.size() == 3; });
  EXPECT_EQ(reported, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(reg->pendingWrites(), 0u);

  auto disk = onDisk();
  ASSERT_TRUE(disk.count(kArn));
  LayerState loaded = disk[kArn].get<LayerState>();
  EXPECT_EQ(loaded.last_version, 3);
  ASSERT_EQ(loaded.versions.size(), 1u);
  const LayerVersionRecord& v = loaded.versions.at(3);
  EXPECT_EQ(v.code.sha256_hex, "cc");
  EXPECT_EQ(v.code.unzipped, 1000u);
  EXPECT_EQ(v.compatible_runtimes, (std::vector<std::string>{"nodejs20.x"}));
  EXPECT_FALSE(v.compatible_architectures.has_value());
  EXPECT_FALSE(v.license_info.has_value());
}

TEST_F(LayerRegistryTest, ImportKeepsItsNumberAndPoliciesPersist) {
  auto reg = openRegistry(*writer_);
  const std::string foreign = "arn:aws:lambda:us-east-1:017000801446:layer:Powertools";
  LayerVersionRecord v = version("dd");
  v.version = 68;
  bool done = false;
  reg->import(foreign, "Powertools", v, [&](Status s) { done = s.ok(); });
  LayerState s = *reg->find(foreign);
  s.versions.at(68).policy["p"] = {"lambda:GetLayerVersion", "*", "o-abcdefghij"};
  s.versions.at(68).policy_revision_id = "rev";
  ASSERT_TRUE(reg->update(s, nullptr).ok());
  runUntil([&] { return done; });
  ASSERT_TRUE(done);
  bool settled = false;
  reg->whenDurable([&](Status) { settled = true; });
  runUntil([&] { return settled; });
  LayerState loaded = onDisk()[foreign].get<LayerState>();
  EXPECT_EQ(loaded.last_version, 68);
  EXPECT_EQ(loaded.versions.at(68).policy.at("p").organization_id, "o-abcdefghij");
  EXPECT_EQ(loaded.versions.at(68).policy_revision_id, "rev");
  EXPECT_EQ(reg->update(LayerState{"arn:none", "none", {}, 0}, nullptr).error().code,
            ErrorCode::kResourceNotFound);
}

TEST(FunctionRecordLayers, LayersRoundTripAndOldRowsLoad) {
  FunctionRecord r;
  r.name = "f";
  r.code = {"aa", "q80=", 1, 2};
  r.layers = {{"arn:aws:lambda:us-east-1:000000000000:layer:lib:3", {"bb", "u7s=", 10, 20}}};
  nlohmann::json j = r;
  FunctionRecord back = j.get<FunctionRecord>();
  ASSERT_EQ(back.layers.size(), 1u);
  EXPECT_EQ(back.layers[0].arn, r.layers[0].arn);
  EXPECT_EQ(back.layers[0].code.sha256_hex, "bb");
  EXPECT_EQ(back.layers[0].code.unzipped, 20u);
  EXPECT_EQ(back.code.unzipped, 2u);
  // A row written before layers existed: no "layers", no "unzipped".
  auto old = nlohmann::json::parse(
      R"({"name":"f","code":{"sha256_hex":"aa","sha256_base64":"q80=","size":1}})");
  FunctionRecord legacy = old.get<FunctionRecord>();
  EXPECT_TRUE(legacy.layers.empty());
  EXPECT_EQ(legacy.code.unzipped, 0u);
  // No layers: nothing written, so old servers read new rows too.
  r.layers.clear();
  EXPECT_FALSE(nlohmann::json(r).contains("layers"));
}

}  // namespace
}  // namespace stratus::scheduler
