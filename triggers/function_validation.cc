#include "triggers/function_validation.h"

#include <algorithm>
#include <set>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "triggers/request_shape.h"

namespace stratus::triggers {

namespace {

// Every runtime identifier Lambda's model accepts (its Runtime enum); the ones outside
// supportedRuntimes() are valid names this build cannot run yet.
std::span<const char* const> modelRuntimes() {
  static const std::span<const char* const> runtimes = [] {
    if (const Shape* create = requestShape("CreateFunction")) {
      for (const ShapeMember& m : create->members) {
        if (std::string_view(m.name) == "Runtime") return m.shape->enum_values;
      }
    }
    return std::span<const char* const>{};
  }();
  return runtimes;
}

bool isModelRuntime(const std::string& rt) {
  for (const char* r : modelRuntimes()) {
    if (rt == r) return true;
  }
  return false;
}

const std::set<std::string> kReservedEnvKeys = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"};

constexpr size_t kMaxEnvironmentBytes = 4096;

constexpr const char* kFunctionNamePattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
    "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

bool isPlainName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string runtimeList() {
  std::string s = "[";
  bool first = true;
  for (const char* r : modelRuntimes()) {
    s += (first ? "" : ", ") + std::string(r);
    first = false;
  }
  return s + "]";
}

std::string supportedList() {
  std::string s;
  for (const auto& r : supportedRuntimes()) s += (s.empty() ? "" : ", ") + r;
  return s;
}

}  // namespace

const std::vector<std::string>& supportedRuntimes() {
  // Node.js on the host's node (or in isolates), Python on the host's python3, custom runtimes
  // as their bootstrap: the process tier (sandbox/process_sandbox.h).
  static const std::vector<std::string> kSupported = {
      "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "python3.9", "python3.10",
      "python3.11", "python3.12", "python3.13", "provided", "provided.al2", "provided.al2023"};
  return kSupported;
}

bool isSupportedRuntime(const std::string& runtime) {
  const auto& ok = supportedRuntimes();
  return std::find(ok.begin(), ok.end(), runtime) != ok.end();
}

Status validateFunctionName(const std::string& name) {
  if (name.size() > 64) {
    return Error::invalidParameter("1 validation error detected: Value '" + name +
                                   "' at 'functionName' failed to satisfy constraint: Member "
                                   "must have length less than or equal to 64");
  }
  if (!isPlainName(name)) {
    return Error::validation("1 validation error detected: Value '" + name +
                             "' at 'functionName' failed to satisfy constraint: Member must "
                             "satisfy regular expression pattern: " + kFunctionNamePattern);
  }
  return okStatus();
}

Status applyConfiguration(const FunctionConfigInput& config, bool creating,
                          scheduler::FunctionRecord& record) {
  const char* kMandatory =
      "Runtime and Handler are mandatory parameters for functions created with deployment "
      "packages.";
  if (config.runtime) {
    const std::string& rt = *config.runtime;
    if (!isModelRuntime(rt)) {
      return Error::invalidParameter("Value " + rt +
                                     " at 'runtime' failed to satisfy constraint: Member must "
                                     "satisfy enum value set: " +
                                     runtimeList() + " or be a valid ARN");
    }
    const auto& ok = supportedRuntimes();
    if (std::find(ok.begin(), ok.end(), rt) == ok.end()) {
      return Error::invalidParameter("The runtime parameter of " + rt +
                                     " is not supported by this Stratus server. Supported "
                                     "runtimes: " + supportedList() + ".");
    }
  } else if (creating) {
    return Error::invalidParameter(kMandatory);
  }
  if (creating && !config.handler) return Error::invalidParameter(kMandatory);

  if (config.environment) {
    std::vector<std::string> reserved;
    for (const auto& [k, val] : *config.environment) {
      if (kReservedEnvKeys.count(k)) reserved.push_back(k);
    }
    if (!reserved.empty()) {
      std::string list;
      for (size_t i = 0; i < reserved.size(); ++i) list += (i ? "," : "") + reserved[i];
      return Error::invalidParameter(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided contains reserved keys that are currently not supported "
          "for modification. Reserved keys used in this request: " + list);
    }
    std::string measured = nlohmann::json(*config.environment).dump();
    if (measured.size() > kMaxEnvironmentBytes) {
      return Error::invalidParameter(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided exceeded the 4KB limit. String measured: " + measured);
    }
  }

  // LoggingConfig: levels filter structured (JSON) logs only; the given members replace the
  // stored ones, and a switch to Text drops the levels.
  std::string log_format = record.log_format, app_level = record.application_log_level,
              system_level = record.system_log_level, log_group = record.log_group;
  if (config.logging) {
    const auto& l = *config.logging;
    if (l.log_format) log_format = *l.log_format;
    if (l.application_log_level) app_level = *l.application_log_level;
    if (l.system_log_level) system_level = *l.system_log_level;
    if (l.log_group) log_group = *l.log_group;
    if (log_format == "Text" && (l.application_log_level || l.system_log_level)) {
      return Error::invalidParameter(
          "ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON.");
    }
    if (log_format == "Text") app_level.clear(), system_level.clear();
  }

  // Everything checked: apply.
  record.log_format = log_format;
  record.application_log_level = app_level;
  record.system_log_level = system_level;
  record.log_group = log_group;
  if (config.runtime) record.runtime = *config.runtime;
  if (config.handler) record.handler = *config.handler;
  if (config.role) record.role = *config.role;
  if (config.description) record.description = *config.description;
  if (config.timeout) record.timeout_s = *config.timeout;
  if (config.memory_size) record.memory_mb = *config.memory_size;
  if (config.environment) record.environment = *config.environment;
  if (config.tracing_mode) record.tracing_mode = *config.tracing_mode;
  if (config.dead_letter_target_arn) record.dead_letter_target_arn = *config.dead_letter_target_arn;
  if (config.ephemeral_storage_mb) record.ephemeral_storage_mb = *config.ephemeral_storage_mb;
  return okStatus();
}

Status validateTags(const std::map<std::string, std::string>& tags, size_t existing) {
  if (tags.size() + existing > 50) return Error::invalidParameter("Number of tags exceeds resource tag limit.");
  for (const auto& [k, val] : tags) {
    if (k.empty() || k.size() > 128 || val.size() > 256) {
      return Error::validation("1 validation error detected: Value '" + k +
                               "' at 'tags' failed to satisfy constraint: Map keys must have "
                               "length between 1 and 128, values at most 256");
    }
  }
  return okStatus();
}

}  // namespace stratus::triggers
