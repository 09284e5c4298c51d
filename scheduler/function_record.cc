#include "scheduler/function_record.h"

namespace stratus::scheduler {

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
                     {"package_type", r.package_type},
                     {"code",
                      {{"sha256_hex", r.code.sha256_hex},
                       {"sha256_base64", r.code.sha256_base64},
                       {"size", r.code.size}}},
                     {"last_modified_ms", r.last_modified_ms},
                     {"revision_id", r.revision_id},
                     {"tags", r.tags},
                     {"generation", r.generation}};
  if (r.environment) j["environment"] = *r.environment;
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
  r.package_type = j.value("package_type", "Zip");
  const auto& code = j.at("code");
  r.code.sha256_hex = code.value("sha256_hex", "");
  r.code.sha256_base64 = code.value("sha256_base64", "");
  r.code.size = code.value("size", uint64_t{0});
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

}  // namespace stratus::scheduler
