#include "triggers/function_validation.h"

#include <algorithm>
#include <regex>
#include <set>

namespace stratus::triggers {

namespace {

// Every runtime identifier Lambda's model accepts; the ones outside supportedRuntimes() are
// valid names this build cannot run yet.
const std::vector<std::string> kAllRuntimes = {
    "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
    "nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11", "python2.7", "python3.6",
    "python3.7", "python3.8", "python3.9", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
    "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7",
    "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3",
    "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21",
    "python3.13", "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10"};

const std::set<std::string> kReservedEnvKeys = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"};

constexpr size_t kMaxEnvironmentBytes = 4096;

// Collects model-constraint violations into one ValidationException, as AWS reports them.
class Violations {
 public:
  void add(const std::string& value, const std::string& member, const std::string& constraint) {
    items_.push_back("Value '" + value + "' at '" + member +
                     "' failed to satisfy constraint: " + constraint);
  }
  void addNull(const std::string& member) {
    items_.push_back("Value null at '" + member +
                     "' failed to satisfy constraint: Member must not be null");
  }
  Status status() const {
    if (items_.empty()) return okStatus();
    std::string msg = std::to_string(items_.size()) +
                      (items_.size() == 1 ? " validation error detected: "
                                          : " validation errors detected: ");
    for (size_t i = 0; i < items_.size(); ++i) msg += (i ? "; " : "") + items_[i];
    return Error::validation(msg);
  }

 private:
  std::vector<std::string> items_;
};

std::string show(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool isString(const nlohmann::json& body, const char* key) {
  return body.contains(key) && body[key].is_string();
}

// Reads an integer member; a wrong type is reported as a violation.
bool readInt(const nlohmann::json& body, const char* key, const char* member, int lo, int hi,
             Violations& v, int& out) {
  if (!body.contains(key) || body[key].is_null()) return false;
  const auto& j = body[key];
  if (!j.is_number_integer()) {
    v.add(show(j), member, "Member must be an integer");
    return false;
  }
  int64_t n = j.get<int64_t>();
  if (n < lo) {
    v.add(std::to_string(n), member, "Member must have value greater than or equal to " + std::to_string(lo));
    return false;
  }
  if (n > hi) {
    v.add(std::to_string(n), member, "Member must have value less than or equal to " + std::to_string(hi));
    return false;
  }
  out = static_cast<int>(n);
  return true;
}

std::string runtimeList() {
  std::string s = "[";
  for (size_t i = 0; i < kAllRuntimes.size(); ++i) s += (i ? ", " : "") + kAllRuntimes[i];
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

Status applyConfiguration(const nlohmann::json& body, bool creating,
                          scheduler::FunctionRecord& record) {
  Violations v;
  static const std::regex kNameRe("[a-zA-Z0-9-_]+");
  static const std::regex kRoleRe("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  static const std::regex kHandlerRe("[^\\s]+");
  static const std::regex kEnvKeyRe("[a-zA-Z]([a-zA-Z0-9_])+");

  if (creating) {
    if (!isString(body, "FunctionName")) {
      v.addNull("functionName");
    } else {
      std::string name = body["FunctionName"];
      if (name.size() > 64) {
        return Error::invalidParameter("1 validation error detected: Value '" + name +
                                       "' at 'functionName' failed to satisfy constraint: Member "
                                       "must have length less than or equal to 64");
      }
      if (!std::regex_match(name, kNameRe)) {
        v.add(name, "functionName",
              "Member must satisfy regular expression pattern: "
              "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
              "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
      }
      record.name = name;
    }
    if (!isString(body, "Role")) v.addNull("role");
  }

  if (body.contains("Role") && !body["Role"].is_null()) {
    std::string role = show(body["Role"]);
    if (!body["Role"].is_string() || !std::regex_match(role, kRoleRe)) {
      v.add(role, "role",
            "Member must satisfy regular expression pattern: "
            "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    } else {
      record.role = role;
    }
  }
  if (body.contains("Handler") && !body["Handler"].is_null()) {
    std::string handler = show(body["Handler"]);
    if (!body["Handler"].is_string() || handler.size() > 128) {
      v.add(handler, "handler", "Member must have length less than or equal to 128");
    } else if (!std::regex_match(handler, kHandlerRe)) {
      v.add(handler, "handler", "Member must satisfy regular expression pattern: [^\\s]+");
    } else {
      record.handler = handler;
    }
  }
  if (body.contains("Description") && !body["Description"].is_null()) {
    std::string d = show(body["Description"]);
    if (!body["Description"].is_string() || d.size() > 256) {
      v.add(d, "description", "Member must have length less than or equal to 256");
    } else {
      record.description = d;
    }
  }
  readInt(body, "Timeout", "timeout", 1, 900, v, record.timeout_s);
  readInt(body, "MemorySize", "memorySize", 128, 10240, v, record.memory_mb);
  if (body.contains("EphemeralStorage") && body["EphemeralStorage"].is_object()) {
    readInt(body["EphemeralStorage"], "Size", "ephemeralStorage.size", 512, 10240, v,
            record.ephemeral_storage_mb);
  }
  if (body.contains("TracingConfig") && body["TracingConfig"].is_object()) {
    std::string mode = body["TracingConfig"].value("Mode", "PassThrough");
    if (mode != "Active" && mode != "PassThrough") {
      v.add(mode, "tracingConfig.mode",
            "Member must satisfy enum value set: [Active, PassThrough]");
    } else {
      record.tracing_mode = mode;
    }
  }
  if (body.contains("Architectures") && !body["Architectures"].is_null()) {
    const auto& a = body["Architectures"];
    if (!a.is_array() || a.size() != 1 || !a[0].is_string() ||
        (a[0] != "x86_64" && a[0] != "arm64")) {
      v.add(show(a), "architectures",
            "Member must have length less than or equal to 1, Member must satisfy enum value "
            "set: [x86_64, arm64]");
    } else {
      record.architectures = {a[0].get<std::string>()};
    }
  }

  // Environment: key pattern is a model constraint; size and reserved keys are semantic.
  std::optional<std::map<std::string, std::string>> env;
  if (body.contains("Environment") && !body["Environment"].is_null()) {
    const auto& e = body["Environment"];
    env.emplace();
    if (e.is_object() && e.contains("Variables") && e["Variables"].is_object()) {
      for (auto& [k, val] : e["Variables"].items()) {
        if (!std::regex_match(k, kEnvKeyRe)) {
          v.add(k, "environment.variables",
                "Map keys must satisfy constraint: [Member must satisfy regular expression "
                "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
          continue;
        }
        (*env)[k] = val.is_string() ? val.get<std::string>() : val.dump();
      }
    }
  }

  Status model = v.status();
  if (!model.ok()) return model;

  if (creating || body.contains("Runtime")) {
    if (!body.contains("Runtime") || !body["Runtime"].is_string()) {
      if (creating) {
        return Error::invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
      }
    } else {
      std::string rt = body["Runtime"];
      if (std::find(kAllRuntimes.begin(), kAllRuntimes.end(), rt) == kAllRuntimes.end()) {
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
      record.runtime = rt;
    }
  }
  if (creating && record.handler.empty()) {
    return Error::invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
  }

  if (env) {
    std::vector<std::string> reserved;
    for (auto& [k, val] : *env) {
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
    std::string measured = nlohmann::json(*env).dump();
    if (measured.size() > kMaxEnvironmentBytes) {
      return Error::invalidParameter(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided exceeded the 4KB limit. String measured: " + measured);
    }
    record.environment = std::move(env);
  }
  return okStatus();
}

Status validateTags(const nlohmann::json& tags, size_t existing) {
  if (!tags.is_object()) return Error::validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must be a map");
  if (tags.size() + existing > 50) return Error::invalidParameter("Number of tags exceeds resource tag limit.");
  for (auto& [k, val] : tags.items()) {
    if (k.empty() || k.size() > 128 || !val.is_string() || val.get<std::string>().size() > 256) {
      return Error::validation("1 validation error detected: Value '" + k +
                               "' at 'tags' failed to satisfy constraint: Map keys must have "
                               "length between 1 and 128, values at most 256");
    }
  }
  return okStatus();
}

}  // namespace stratus::triggers
