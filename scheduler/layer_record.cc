#include "scheduler/layer_record.h"

namespace stratus::scheduler {

void to_json(nlohmann::json& j, const LayerVersionRecord& r) {
  nlohmann::json policy = nlohmann::json::object();
  for (const auto& [sid, st] : r.policy) {
    policy[sid] = {{"action", st.action}, {"principal", st.principal},
                   {"organization_id", st.organization_id}};
  }
  j = nlohmann::json{{"version", r.version},
                     {"description", r.description},
                     {"created_date", r.created_date},
                     {"code",
                      {{"sha256_hex", r.code.sha256_hex},
                       {"sha256_base64", r.code.sha256_base64},
                       {"size", r.code.size},
                       {"unzipped", r.code.unzipped}}},
                     {"policy", policy},
                     {"policy_revision_id", r.policy_revision_id}};
  if (r.license_info) j["license_info"] = *r.license_info;
  if (r.compatible_runtimes) j["compatible_runtimes"] = *r.compatible_runtimes;
  if (r.compatible_architectures) j["compatible_architectures"] = *r.compatible_architectures;
}

void from_json(const nlohmann::json& j, LayerVersionRecord& r) {
  r.version = j.at("version").get<int64_t>();
  r.description = j.value("description", "");
  r.created_date = j.value("created_date", "");
  const auto& code = j.at("code");
  r.code.sha256_hex = code.value("sha256_hex", "");
  r.code.sha256_base64 = code.value("sha256_base64", "");
  r.code.size = code.value("size", uint64_t{0});
  r.code.unzipped = code.value("unzipped", uint64_t{0});
  r.policy.clear();
  const nlohmann::json policy = j.value("policy", nlohmann::json::object());  // kept alive
  for (const auto& [sid, st] : policy.items()) {
    r.policy[sid] = {st.value("action", ""), st.value("principal", ""),
                     st.value("organization_id", "")};
  }
  r.policy_revision_id = j.value("policy_revision_id", "");
  r.license_info.reset();
  if (j.contains("license_info")) r.license_info = j["license_info"].get<std::string>();
  r.compatible_runtimes.reset();
  if (j.contains("compatible_runtimes")) {
    r.compatible_runtimes = j["compatible_runtimes"].get<std::vector<std::string>>();
  }
  r.compatible_architectures.reset();
  if (j.contains("compatible_architectures")) {
    r.compatible_architectures = j["compatible_architectures"].get<std::vector<std::string>>();
  }
}

void to_json(nlohmann::json& j, const LayerState& s) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& [n, v] : s.versions) versions.push_back(v);
  j = nlohmann::json{{"arn", s.arn}, {"name", s.name}, {"versions", versions},
                     {"last_version", s.last_version}};
}

void from_json(const nlohmann::json& j, LayerState& s) {
  s.arn = j.at("arn").get<std::string>();
  s.name = j.value("name", "");
  s.versions.clear();
  for (const auto& v : j.value("versions", nlohmann::json::array())) {
    LayerVersionRecord r = v.get<LayerVersionRecord>();
    s.versions[r.version] = std::move(r);
  }
  s.last_version = j.value("last_version", int64_t{0});
}

}  // namespace stratus::scheduler
