#include "scheduler/function_record.h"

namespace stratus::scheduler {

namespace {
nlohmann::json codeJson(const CodeRef& c) {
  return {{"sha256_hex", c.sha256_hex}, {"sha256_base64", c.sha256_base64}, {"size", c.size},
          {"unzipped", c.unzipped}};
}
CodeRef codeFrom(const nlohmann::json& code) {
  CodeRef c;
  c.sha256_hex = code.value("sha256_hex", "");
  c.sha256_base64 = code.value("sha256_base64", "");
  c.size = code.value("size", uint64_t{0});
  c.unzipped = code.value("unzipped", uint64_t{0});
  return c;
}
}  // namespace

void to_json(nlohmann::json& j, const FunctionRecord& r) {
  j = nlohmann::json{{"name", r.name},
                     {"version", r.version},
                     {"runtime", r.runtime},
                     {"handler", r.handler},
                     {"role", r.role},
                     {"description", r.description},
                     {"timeout_s", r.timeout_s},
                     {"memory_mb", r.memory_mb},
                     {"architectures", r.architectures},
                     {"ephemeral_storage_mb", r.ephemeral_storage_mb},
                     {"tracing_mode", r.tracing_mode},
                     {"log_format", r.log_format},
                     {"application_log_level", r.application_log_level},
                     {"system_log_level", r.system_log_level},
                     {"log_group", r.log_group},
                     {"package_type", r.package_type},
                     {"code", codeJson(r.code)},
                     {"last_modified_ms", r.last_modified_ms},
                     {"revision_id", r.revision_id},
                     {"tags", r.tags},
                     {"generation", r.generation}};
  if (r.environment) j["environment"] = *r.environment;
  if (!r.dead_letter_target_arn.empty()) j["dead_letter_target_arn"] = r.dead_letter_target_arn;
  if (!r.layers.empty()) {
    nlohmann::json layers = nlohmann::json::array();
    for (const LayerRef& l : r.layers) layers.push_back({{"arn", l.arn}, {"code", codeJson(l.code)}});
    j["layers"] = layers;
  }
}

void from_json(const nlohmann::json& j, FunctionRecord& r) {
  r.name = j.at("name").get<std::string>();
  r.version = j.value("version", "$LATEST");
  r.runtime = j.value("runtime", "");
  r.handler = j.value("handler", "");
  r.role = j.value("role", "");
  r.description = j.value("description", "");
  r.timeout_s = j.value("timeout_s", 3);
  r.memory_mb = j.value("memory_mb", 128);
  r.architectures = j.value("architectures", std::vector<std::string>{"x86_64"});
  r.ephemeral_storage_mb = j.value("ephemeral_storage_mb", 512);
  r.tracing_mode = j.value("tracing_mode", "PassThrough");
  r.log_format = j.value("log_format", "Text");  // rows written before LoggingConfig: Text
  r.application_log_level = j.value("application_log_level", "");
  r.system_log_level = j.value("system_log_level", "");
  r.log_group = j.value("log_group", "");
  r.dead_letter_target_arn = j.value("dead_letter_target_arn", "");
  r.package_type = j.value("package_type", "Zip");
  r.code = codeFrom(j.at("code"));
  r.layers.clear();  // rows written before layers existed have none
  for (const auto& l : j.value("layers", nlohmann::json::array())) {
    r.layers.push_back({l.at("arn").get<std::string>(), codeFrom(l.at("code"))});
  }
  r.last_modified_ms = j.value("last_modified_ms", int64_t{0});
  r.revision_id = j.value("revision_id", "");
  r.tags = j.value("tags", std::map<std::string, std::string>{});
  r.generation = j.value("generation", int64_t{0});
  if (j.contains("environment")) {
    r.environment = j.at("environment").get<std::map<std::string, std::string>>();
  } else {
    r.environment.reset();
  }
}

bool isVersionNumber(const std::string& q) {
  return !q.empty() && q.size() <= 18 && q.find_first_not_of("0123456789") == std::string::npos;
}

const FunctionRecord* FunctionState::version(const std::string& qualifier) const {
  if (qualifier.empty() || qualifier == "$LATEST") return &latest;
  if (!isVersionNumber(qualifier)) return nullptr;
  auto it = versions.find(std::stoll(qualifier));
  return it == versions.end() ? nullptr : &it->second;
}

void to_json(nlohmann::json& j, const AliasRecord& a) {
  j = nlohmann::json{{"name", a.name},
                     {"function_version", a.function_version},
                     {"description", a.description},
                     {"additional_weights", a.additional_weights},
                     {"revision_id", a.revision_id}};
}

void from_json(const nlohmann::json& j, AliasRecord& a) {
  a.name = j.at("name").get<std::string>();
  a.function_version = j.value("function_version", "");
  a.description = j.value("description", "");
  a.additional_weights = j.value("additional_weights", std::map<std::string, double>{});
  a.revision_id = j.value("revision_id", "");
}

void to_json(nlohmann::json& j, const FunctionState& s) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& [n, r] : s.versions) versions.push_back(r);
  nlohmann::json aliases = nlohmann::json::array();
  for (const auto& [n, a] : s.aliases) aliases.push_back(a);
  nlohmann::json provisioned = nlohmann::json::object();
  for (const auto& [q, p] : s.provisioned) {
    provisioned[q] = {{"requested", p.requested}, {"last_modified_ms", p.last_modified_ms}};
  }
  j = nlohmann::json{{"latest", s.latest},       {"versions", versions},
                     {"last_version", s.last_version}, {"aliases", aliases},
                     {"provisioned", provisioned}};
  if (s.reserved_concurrency) j["reserved_concurrency"] = *s.reserved_concurrency;
}

void from_json(const nlohmann::json& j, FunctionState& s) {
  s.latest = j.at("latest").get<FunctionRecord>();
  s.versions.clear();
  for (const auto& v : j.value("versions", nlohmann::json::array())) {
    FunctionRecord r = v.get<FunctionRecord>();
    s.versions[std::stoll(r.version)] = std::move(r);
  }
  s.last_version = j.value("last_version", int64_t{0});
  s.aliases.clear();
  for (const auto& a : j.value("aliases", nlohmann::json::array())) {
    AliasRecord alias = a.get<AliasRecord>();
    s.aliases[alias.name] = std::move(alias);
  }
  s.provisioned.clear();
  const nlohmann::json provisioned = j.value("provisioned", nlohmann::json::object());
  for (const auto& [q, p] : provisioned.items()) {
    s.provisioned[q] = {p.value("requested", 0), p.value("last_modified_ms", int64_t{0})};
  }
  if (j.contains("reserved_concurrency")) {
    s.reserved_concurrency = j["reserved_concurrency"].get<int>();
  } else {
    s.reserved_concurrency.reset();
  }
}

}  // namespace stratus::scheduler
