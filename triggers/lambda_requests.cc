#include "triggers/lambda_requests.h"

#include <nlohmann/json.hpp>

#include "triggers/request_decoder.h"
#include "triggers/request_shape.h"

namespace stratus::triggers {

namespace {

// Reads of a document decodeBody accepted: every member present has its shape's type, so
// these only look (get_ptr), never convert, and cannot throw.
using Json = nlohmann::json;

const Json* member(const Json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

std::optional<std::string> text(Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return std::nullopt;
  auto* s = it->get_ptr<std::string*>();
  if (!s) return std::nullopt;
  return std::move(*s);
}

std::optional<int> integer(const Json& j, const char* name) {
  const Json* v = member(j, name);
  if (!v) return std::nullopt;
  if (auto* i = v->get_ptr<const Json::number_integer_t*>()) return static_cast<int>(*i);
  if (auto* u = v->get_ptr<const Json::number_unsigned_t*>()) return static_cast<int>(*u);
  return std::nullopt;
}

bool flag(const Json& j, const char* name) {
  const Json* v = member(j, name);
  auto* b = v ? v->get_ptr<const Json::boolean_t*>() : nullptr;
  return b && *b;
}

double number(const Json& v) {
  if (auto* d = v.get_ptr<const Json::number_float_t*>()) return *d;
  if (auto* i = v.get_ptr<const Json::number_integer_t*>()) return static_cast<double>(*i);
  if (auto* u = v.get_ptr<const Json::number_unsigned_t*>()) return static_cast<double>(*u);
  return 0;
}

std::optional<std::vector<std::string>> strings(Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (Json& e : *it) {
    if (auto* s = e.get_ptr<std::string*>()) out.push_back(std::move(*s));
  }
  return out;
}

std::optional<std::map<std::string, std::string>> stringMap(Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (auto& [k, v] : it->items()) {
    if (auto* s = v.get_ptr<std::string*>()) out[k] = std::move(*s);
  }
  return out;
}

Result<Json> decode(std::string_view body, const char* operation) {
  const Shape* shape = requestShape(operation);
  if (!shape) return Error::service(std::string("no request shape for ") + operation);
  return decodeBody(body, *shape);
}

FunctionCodeInput codeInput(Json& j) {
  FunctionCodeInput c;
  c.zip_file = text(j, "ZipFile");
  c.s3 = member(j, "S3Bucket") || member(j, "S3Key") || member(j, "S3ObjectVersion");
  c.image_uri = member(j, "ImageUri") != nullptr;
  return c;
}

FunctionConfigInput configInput(Json& j) {
  FunctionConfigInput c;
  c.runtime = text(j, "Runtime");
  c.role = text(j, "Role");
  c.handler = text(j, "Handler");
  c.description = text(j, "Description");
  c.timeout = integer(j, "Timeout");
  c.memory_size = integer(j, "MemorySize");
  if (auto it = j.find("Environment"); it != j.end()) {
    c.environment = stringMap(*it, "Variables").value_or(std::map<std::string, std::string>{});
  }
  if (auto it = j.find("TracingConfig"); it != j.end()) {
    c.tracing_mode = text(*it, "Mode").value_or("PassThrough");
  }
  if (auto it = j.find("LoggingConfig"); it != j.end()) {
    c.logging = FunctionConfigInput::Logging{text(*it, "LogFormat"), text(*it, "ApplicationLogLevel"),
                                             text(*it, "SystemLogLevel"), text(*it, "LogGroup")};
  }
  if (auto it = j.find("DeadLetterConfig"); it != j.end()) {
    c.dead_letter_target_arn = text(*it, "TargetArn").value_or("");
  }
  if (auto it = j.find("EphemeralStorage"); it != j.end()) {
    c.ephemeral_storage_mb = integer(*it, "Size");
  }
  c.layers = strings(j, "Layers");
  return c;
}

}  // namespace

Result<CreateFunctionInput> decodeCreateFunction(std::string_view body) {
  auto j = decode(body, "CreateFunction");
  if (!j.ok()) return j.error();
  CreateFunctionInput in;
  in.function_name = text(*j, "FunctionName").value_or("");
  in.config = configInput(*j);
  if (auto it = j->find("Code"); it != j->end()) in.code = codeInput(*it);
  in.publish = flag(*j, "Publish");
  in.package_type = text(*j, "PackageType");
  in.architectures = strings(*j, "Architectures");
  in.tags = stringMap(*j, "Tags");
  return in;
}

Result<UpdateFunctionCodeInput> decodeUpdateFunctionCode(std::string_view body) {
  auto j = decode(body, "UpdateFunctionCode");
  if (!j.ok()) return j.error();
  UpdateFunctionCodeInput in;
  in.code = codeInput(*j);
  in.publish = flag(*j, "Publish");
  in.dry_run = flag(*j, "DryRun");
  in.revision_id = text(*j, "RevisionId");
  in.architectures = strings(*j, "Architectures");
  return in;
}

Result<UpdateFunctionConfigurationInput> decodeUpdateFunctionConfiguration(std::string_view body) {
  auto j = decode(body, "UpdateFunctionConfiguration");
  if (!j.ok()) return j.error();
  UpdateFunctionConfigurationInput in;
  in.config = configInput(*j);
  in.revision_id = text(*j, "RevisionId");
  return in;
}

Result<PublishVersionInput> decodePublishVersion(std::string_view body) {
  auto j = decode(body, "PublishVersion");
  if (!j.ok()) return j.error();
  PublishVersionInput in;
  in.code_sha256 = text(*j, "CodeSha256");
  in.description = text(*j, "Description");
  in.revision_id = text(*j, "RevisionId");
  return in;
}

namespace {
Result<AliasInput> aliasInput(std::string_view body, const char* operation) {
  auto j = decode(body, operation);
  if (!j.ok()) return j.error();
  AliasInput in;
  in.name = text(*j, "Name");
  in.function_version = text(*j, "FunctionVersion");
  in.description = text(*j, "Description");
  in.revision_id = text(*j, "RevisionId");
  if (auto it = j->find("RoutingConfig"); it != j->end()) {
    std::map<std::string, double> weights;
    if (auto w = it->find("AdditionalVersionWeights"); w != it->end()) {
      for (auto& [version, weight] : w->items()) weights[version] = number(weight);
    }
    in.additional_weights = std::move(weights);
  }
  return in;
}

Result<ConcurrencyInput> concurrencyInput(std::string_view body, const char* operation,
                                          const char* member_name) {
  auto j = decode(body, operation);
  if (!j.ok()) return j.error();
  return ConcurrencyInput{integer(*j, member_name).value_or(0)};
}
}  // namespace

Result<AliasInput> decodeCreateAlias(std::string_view body) { return aliasInput(body, "CreateAlias"); }

Result<AliasInput> decodeUpdateAlias(std::string_view body) { return aliasInput(body, "UpdateAlias"); }

Result<ConcurrencyInput> decodePutFunctionConcurrency(std::string_view body) {
  return concurrencyInput(body, "PutFunctionConcurrency", "ReservedConcurrentExecutions");
}

Result<ConcurrencyInput> decodePutProvisionedConcurrencyConfig(std::string_view body) {
  return concurrencyInput(body, "PutProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions");
}

Result<TagResourceInput> decodeTagResource(std::string_view body) {
  auto j = decode(body, "TagResource");
  if (!j.ok()) return j.error();
  return TagResourceInput{stringMap(*j, "Tags").value_or(std::map<std::string, std::string>{})};
}

Result<PublishLayerVersionInput> decodePublishLayerVersion(std::string_view body) {
  auto j = decode(body, "PublishLayerVersion");
  if (!j.ok()) return j.error();
  PublishLayerVersionInput in;
  if (auto it = j->find("Content"); it != j->end()) in.content = codeInput(*it);
  in.description = text(*j, "Description");
  in.license_info = text(*j, "LicenseInfo");
  in.compatible_runtimes = strings(*j, "CompatibleRuntimes");
  in.compatible_architectures = strings(*j, "CompatibleArchitectures");
  return in;
}

Result<LayerPermissionInput> decodeAddLayerVersionPermission(std::string_view body) {
  auto j = decode(body, "AddLayerVersionPermission");
  if (!j.ok()) return j.error();
  LayerPermissionInput in;
  in.statement_id = text(*j, "StatementId").value_or("");
  in.action = text(*j, "Action").value_or("");
  in.principal = text(*j, "Principal").value_or("");
  in.organization_id = text(*j, "OrganizationId");
  return in;
}

}  // namespace stratus::triggers
