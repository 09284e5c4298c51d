// What Stratus knows about one layer and its versions. Plain data, persisted as JSON by
// LayerRegistry (one row per layer). The API's shapes are rendered from it in triggers/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/function_record.h"

namespace stratus::scheduler {

// One statement of a layer version's resource policy (AddLayerVersionPermission).
struct LayerStatement {
  std::string action;     // lambda:GetLayerVersion
  std::string principal;  // "*", an account id or arn:aws:iam::ACCOUNT:root
  std::string organization_id;  // "" when none
};

struct LayerVersionRecord {
  int64_t version = 0;
  std::string description;
  std::optional<std::string> license_info;
  std::optional<std::vector<std::string>> compatible_runtimes;
  std::optional<std::vector<std::string>> compatible_architectures;
  std::string created_date;  // as Lambda renders it: 2018-11-27T15:10:45.123+0000
  CodeRef code;  // code.unzipped counts against a function's 250 MB with its code
  std::map<std::string, LayerStatement> policy;  // by statement id; empty: no policy
  std::string policy_revision_id;                // "" until a statement was added
};

// A layer: its ARN (unversioned, the registry's key), its versions, and the highest number
// ever given, so a number is never given twice even after its version was deleted.
struct LayerState {
  std::string arn;   // arn:aws:lambda:REGION:ACCOUNT:layer:NAME
  std::string name;  // NAME
  std::map<int64_t, LayerVersionRecord> versions;
  int64_t last_version = 0;
};

void to_json(nlohmann::json& j, const LayerVersionRecord& r);
void from_json(const nlohmann::json& j, LayerVersionRecord& r);
void to_json(nlohmann::json& j, const LayerState& s);
void from_json(const nlohmann::json& j, LayerState& s);

}  // namespace stratus::scheduler
