// The typed inputs of the Lambda operations that take a JSON body, decoded from it by
// request_decoder.h against the model's shapes before a handler acts on anything. Members the
// handlers do not use (VpcConfig, ...) are type-checked and then dropped.
// Pure; any thread (large bodies are decoded on the thread pool).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/error.h"

namespace stratus::triggers {

// FunctionCode (CreateFunction's Code) and UpdateFunctionCode's top-level code members.
struct FunctionCodeInput {
  std::optional<std::string> zip_file;  // base64 text as sent (decoded by the handler)
  bool s3 = false;                      // S3Bucket, S3Key or S3ObjectVersion given
  bool image_uri = false;
};

// The configuration members CreateFunction and UpdateFunctionConfiguration share.
struct FunctionConfigInput {
  std::optional<std::string> runtime;
  std::optional<std::string> role;
  std::optional<std::string> handler;
  std::optional<std::string> description;
  std::optional<int> timeout;
  std::optional<int> memory_size;
  // Environment.Variables; {} when Environment came without Variables (AWS then shows it).
  std::optional<std::map<std::string, std::string>> environment;
  std::optional<std::string> tracing_mode;  // TracingConfig.Mode; PassThrough if TracingConfig had none
  struct Logging {
    std::optional<std::string> log_format, application_log_level, system_log_level, log_group;
  };
  std::optional<Logging> logging;  // LoggingConfig, as given
  std::optional<int> ephemeral_storage_mb;  // EphemeralStorage.Size
  std::optional<std::string> dead_letter_target_arn;  // DeadLetterConfig.TargetArn; "" removes it
  std::optional<std::vector<std::string>> layers;
};

struct CreateFunctionInput {
  std::string function_name;
  FunctionConfigInput config;
  FunctionCodeInput code;
  bool publish = false;
  std::optional<std::string> package_type;
  std::optional<std::vector<std::string>> architectures;
  std::optional<std::map<std::string, std::string>> tags;
};

struct UpdateFunctionCodeInput {
  FunctionCodeInput code;
  bool publish = false;
  bool dry_run = false;
  std::optional<std::string> revision_id;
  std::optional<std::vector<std::string>> architectures;
};

struct UpdateFunctionConfigurationInput {
  FunctionConfigInput config;
  std::optional<std::string> revision_id;
};

struct PublishVersionInput {
  std::optional<std::string> code_sha256;
  std::optional<std::string> description;
  std::optional<std::string> revision_id;
};

// CreateAlias (name and version required) and UpdateAlias (the name is in the path).
struct AliasInput {
  std::optional<std::string> name;
  std::optional<std::string> function_version;
  std::optional<std::string> description;
  std::optional<std::string> revision_id;
  // RoutingConfig.AdditionalVersionWeights; {} when RoutingConfig came without weights.
  std::optional<std::map<std::string, double>> additional_weights;
};

// PutFunctionConcurrency's ReservedConcurrentExecutions or
// PutProvisionedConcurrencyConfig's ProvisionedConcurrentExecutions.
struct ConcurrencyInput {
  int count = 0;
};

struct TagResourceInput {
  std::map<std::string, std::string> tags;
};

// PublishLayerVersion (the layer's name is in the path).
struct PublishLayerVersionInput {
  FunctionCodeInput content;  // Content: ZipFile, or an S3 location (refused)
  std::optional<std::string> description;
  std::optional<std::string> license_info;
  std::optional<std::vector<std::string>> compatible_runtimes;
  std::optional<std::vector<std::string>> compatible_architectures;
};

// AddLayerVersionPermission (name, version in the path; RevisionId in the query).
struct LayerPermissionInput {
  std::string statement_id;
  std::string action;
  std::string principal;
  std::optional<std::string> organization_id;
};

Result<CreateFunctionInput> decodeCreateFunction(std::string_view body);
Result<UpdateFunctionCodeInput> decodeUpdateFunctionCode(std::string_view body);
Result<UpdateFunctionConfigurationInput> decodeUpdateFunctionConfiguration(std::string_view body);
Result<PublishVersionInput> decodePublishVersion(std::string_view body);
Result<AliasInput> decodeCreateAlias(std::string_view body);
Result<AliasInput> decodeUpdateAlias(std::string_view body);
Result<ConcurrencyInput> decodePutFunctionConcurrency(std::string_view body);
Result<ConcurrencyInput> decodePutProvisionedConcurrencyConfig(std::string_view body);
Result<TagResourceInput> decodeTagResource(std::string_view body);
Result<PublishLayerVersionInput> decodePublishLayerVersion(std::string_view body);
Result<LayerPermissionInput> decodeAddLayerVersionPermission(std::string_view body);

}  // namespace stratus::triggers
