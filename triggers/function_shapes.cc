#include "triggers/function_shapes.h"

#include "runtime/base/clock.h"
#include "runtime/base/crypto.h"

namespace stratus::triggers {

nlohmann::json functionConfiguration(const scheduler::FunctionRecord& r,
                                     const AccountScope& scope, const ShapeOptions& o) {
  nlohmann::json j;
  j["FunctionName"] = r.name;
  j["FunctionArn"] = o.arn_qualifier.empty() ? functionArn(scope, r.name)
                                             : qualifiedArn(scope, r.name, o.arn_qualifier);
  j["Runtime"] = r.runtime;
  j["Role"] = r.role;
  j["Handler"] = r.handler;
  j["CodeSize"] = r.code.size;
  j["Description"] = r.description;
  j["Timeout"] = r.timeout_s;
  j["MemorySize"] = r.memory_mb;
  j["LastModified"] = formatAwsTimestamp(r.last_modified_ms);
  j["CodeSha256"] = r.code.sha256_base64;
  j["Version"] = r.version;
  if (r.environment) j["Environment"] = {{"Variables", *r.environment}};
  if (!r.layers.empty()) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) layers.push_back({{"Arn", l.arn}, {"CodeSize", l.code.size}});
    j["Layers"] = layers;
  }
  j["TracingConfig"] = {{"Mode", r.tracing_mode}};
  if (!r.dead_letter_target_arn.empty()) j["DeadLetterConfig"] = {{"TargetArn", r.dead_letter_target_arn}};
  j["RevisionId"] = o.revision_id.empty() ? r.revision_id : o.revision_id;
  j["PackageType"] = r.package_type;
  j["Architectures"] = r.architectures;
  j["EphemeralStorage"] = {{"Size", r.ephemeral_storage_mb}};
  j["SnapStart"] = {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
  j["LoggingConfig"] = {{"LogFormat", r.log_format}, {"LogGroup", r.logGroup()}};
  if (r.log_format == "JSON") {
    j["LoggingConfig"]["ApplicationLogLevel"] = r.application_log_level.empty() ? "INFO" : r.application_log_level;
    j["LoggingConfig"]["SystemLogLevel"] = r.system_log_level.empty() ? "INFO" : r.system_log_level;
  }
  switch (o.moment) {
    case ShapeMoment::kCreated:
      j["State"] = "Pending";
      j["StateReason"] = "The function is being created.";
      j["StateReasonCode"] = "Creating";
      break;
    case ShapeMoment::kUpdated:
      j["State"] = "Active";
      j["LastUpdateStatus"] = "InProgress";
      j["LastUpdateStatusReason"] = "The function is being created.";
      j["LastUpdateStatusReasonCode"] = "Creating";
      break;
    case ShapeMoment::kSettled:
      j["State"] = "Active";
      j["LastUpdateStatus"] = "Successful";
      break;
    case ShapeMoment::kListed:
      break;
  }
  if (o.moment != ShapeMoment::kListed) {
    j["RuntimeVersionConfig"] = {
        {"RuntimeVersionArn",
         "arn:aws:lambda:" + scope.region + "::runtime:" + sha256Hex(r.runtime)}};
  }
  return j;
}

}  // namespace stratus::triggers
