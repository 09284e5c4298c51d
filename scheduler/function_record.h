// What Stratus knows about one function version: its configuration and the code it runs.
// Plain data, persisted as JSON by FunctionRegistry. The API's FunctionConfiguration shape is
// rendered from it in triggers/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::scheduler {

struct CodeRef {
  std::string sha256_hex;
  std::string sha256_base64;  // CodeSha256
  uint64_t size = 0;          // CodeSize
  uint64_t unzipped = 0;      // extracted bytes (0 in rows written before layers existed)
};

// A layer version a function uses: its ARN as given, and its content, copied from the layer
// version when the function was configured, so deleting that version later does not change
// or break the function (the content stays in the code store).
struct LayerRef {
  std::string arn;  // arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
  CodeRef code;
};

struct FunctionRecord {
  // The log group the function's lines go to (LoggingConfig.LogGroup or /aws/lambda/NAME).
  std::string logGroup() const { return log_group.empty() ? "/aws/lambda/" + name : log_group; }

  std::string name;
  std::string version = "$LATEST";
  std::string runtime;
  std::string handler;
  std::string role;
  std::string description;
  int timeout_s = 3;
  int memory_mb = 128;
  // Absent unless an Environment was supplied (AWS then shows it even when empty).
  std::optional<std::map<std::string, std::string>> environment;
  std::vector<std::string> architectures{"x86_64"};
  int ephemeral_storage_mb = 512;
  std::string tracing_mode = "PassThrough";
  // LoggingConfig: "Text" or "JSON"; the levels only with JSON (Lambda shows INFO when unset);
  // log_group "" means /aws/lambda/NAME.
  std::string log_format = "Text";
  std::string application_log_level;
  std::string system_log_level;
  std::string log_group;
  // DeadLetterConfig.TargetArn: where failed asynchronous events go ("": nowhere).
  std::string dead_letter_target_arn;
  std::string package_type = "Zip";
  CodeRef code;
  std::vector<LayerRef> layers;  // in order: a later layer's files win in /opt
  int64_t last_modified_ms = 0;
  std::string revision_id;
  std::map<std::string, std::string> tags;  // on the function ($LATEST record)
  // Bumped whenever code or configuration changes, so warm sandboxes of older generations
  // are retired instead of reused.
  int64_t generation = 0;
};

// An alias: a name for a version, optionally splitting traffic with one more version.
struct AliasRecord {
  std::string name;
  std::string function_version;
  std::string description;
  std::map<std::string, double> additional_weights;  // version -> share of invocations
  std::string revision_id;
};

// A provisioned concurrency request on a version or alias; its status is the scheduler's.
struct ProvisionedConfig {
  int requested = 0;
  int64_t last_modified_ms = 0;
};

// Everything about one function: $LATEST, its published versions, aliases and quotas.
// Persisted as one row, so every change to a function commits atomically.
struct FunctionState {
  FunctionRecord latest;
  std::map<int64_t, FunctionRecord> versions;  // published, immutable
  int64_t last_version = 0;                    // numbers are never reused
  std::map<std::string, AliasRecord> aliases;
  std::optional<int> reserved_concurrency;
  std::map<std::string, ProvisionedConfig> provisioned;  // by qualifier

  const std::string& name() const { return latest.name; }
  // "$LATEST" or a published version number; nullptr if there is no such version.
  const FunctionRecord* version(const std::string& qualifier) const;
};

void to_json(nlohmann::json& j, const FunctionRecord& r);
void from_json(const nlohmann::json& j, FunctionRecord& r);
void to_json(nlohmann::json& j, const AliasRecord& a);
void from_json(const nlohmann::json& j, AliasRecord& a);
void to_json(nlohmann::json& j, const FunctionState& s);
void from_json(const nlohmann::json& j, FunctionState& s);

// True for "1", "42": the qualifiers that name published versions.
bool isVersionNumber(const std::string& qualifier);

}  // namespace stratus::scheduler
