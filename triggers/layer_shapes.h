// Layer ARNs, the API's layer shapes, and the Layers of a function's configuration
// (LAMBDA.md §1). Loop thread (reads the registry); pure otherwise.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/error.h"
#include "scheduler/function_record.h"
#include "scheduler/layer_registry.h"
#include "triggers/function_name.h"

namespace stratus::triggers {

// arn:aws:lambda:REGION:ACCOUNT:layer:NAME[:VERSION], split.
struct LayerArnParts {
  std::string region;
  std::string account_id;
  std::string name;
  std::optional<int64_t> version;  // absent for the layer's own (unversioned) ARN
  std::string layerArn() const;     // without the version
  std::string versionArn() const;   // with it (version required)
};

// nullopt when `text` is not a layer ARN (with or without a version).
std::optional<LayerArnParts> parseLayerArn(const std::string& text);
// A path's {LayerName}: a name of this account and region, or a layer's ARN.
LayerArnParts layerFromPath(const std::string& name_or_arn, const AccountScope& scope);
// A path's {VersionNumber}: InvalidParameterValue below 1, as Lambda answers.
Result<int64_t> layerVersionNumber(const std::string& text);

// GetLayerVersion's / PublishLayerVersion's answer; `host` serves Content.Location.
nlohmann::json layerVersionShape(const scheduler::LayerState& layer,
                                 const scheduler::LayerVersionRecord& v, const std::string& host);
// A LayerVersionsListItem (ListLayerVersions, ListLayers' LatestMatchingVersion).
nlohmann::json layerVersionListItem(const scheduler::LayerState& layer,
                                    const scheduler::LayerVersionRecord& v);
// Whether a version passes ListLayers' CompatibleRuntime / CompatibleArchitecture filters
// ("" = no filter).
bool layerMatches(const scheduler::LayerVersionRecord& v, const std::string& runtime,
                  const std::string& architecture);

// The Layers of CreateFunction / UpdateFunctionConfiguration resolved against the registry:
// at most 5, each an existing version, no two versions of one layer. Lambda's errors.
Result<std::vector<scheduler::LayerRef>> resolveFunctionLayers(
    const scheduler::LayerRegistry& layers, const std::vector<std::string>& arns,
    const AccountScope& scope);
// Runtime values are checked by handlers (gen_lambda_shapes.py UNCHECKED): ListLayers' and
// ListLayerVersions' CompatibleRuntime, PublishLayerVersion's CompatibleRuntimes, against the
// model's enum, with Lambda's ValidationException.
Status checkCompatibleRuntime(const std::string& runtime);  // "" passes
Status checkCompatibleRuntimes(const std::vector<std::string>& runtimes);
// Code and layers together within Lambda's 262144000 unzipped bytes (LAMBDA.md §3).
Status checkUnzippedTotal(const scheduler::CodeRef& code,
                          const std::vector<scheduler::LayerRef>& layers);

}  // namespace stratus::triggers
