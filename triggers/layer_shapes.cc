#include "triggers/layer_shapes.h"

#include <set>

#include "runtime/base/clock.h"
#include "triggers/request_shape.h"

namespace stratus::triggers {

namespace lambda_model {
extern const Shape kRuntime;  // lambda_shapes.cc
}

namespace {

constexpr uint64_t kMaxUnzippedBytes = 262144000;
constexpr size_t kMaxFunctionLayers = 5;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

bool allDigits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

bool validLayerName(const std::string& s) {
  if (s.empty() || s.size() > 140) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string LayerArnParts::layerArn() const {
  return "arn:aws:lambda:" + region + ":" + account_id + ":layer:" + name;
}

std::string LayerArnParts::versionArn() const {
  return layerArn() + ":" + std::to_string(version.value_or(0));
}

std::optional<LayerArnParts> parseLayerArn(const std::string& text) {
  std::vector<std::string> p = split(text, ':');
  if (p.size() != 7 && p.size() != 8) return std::nullopt;
  if (p[0] != "arn" || p[1].empty() || p[2] != "lambda" || p[3].empty() || p[5] != "layer") {
    return std::nullopt;
  }
  if (p[4].size() != 12 || !allDigits(p[4]) || !validLayerName(p[6])) return std::nullopt;
  LayerArnParts parts{p[3], p[4], p[6], std::nullopt};
  if (p.size() == 8) {
    if (!allDigits(p[7])) return std::nullopt;
    parts.version = std::stoll(p[7]);
  }
  return parts;
}

LayerArnParts layerFromPath(const std::string& name_or_arn, const AccountScope& scope) {
  if (auto parts = parseLayerArn(name_or_arn); parts && !parts->version) return *parts;
  return {scope.region, scope.account_id, name_or_arn, std::nullopt};
}

Result<int64_t> layerVersionNumber(const std::string& text) {
  bool negative = !text.empty() && text[0] == '-';
  std::string digits = negative ? text.substr(1) : text;
  if (!allDigits(digits)) {
    return Error::validation("1 validation error detected: Value '" + text +
                             "' at 'versionNumber' failed to satisfy constraint: Member must "
                             "be a number");
  }
  int64_t n = std::stoll(digits);
  if (negative || n < 1) return Error::invalidParameter("Layer Version Cannot be less than 1");
  return n;
}

nlohmann::json layerVersionListItem(const scheduler::LayerState& layer,
                                    const scheduler::LayerVersionRecord& v) {
  nlohmann::json j{{"LayerVersionArn", layer.arn + ":" + std::to_string(v.version)},
                   {"Version", v.version},
                   {"Description", v.description},
                   {"CreatedDate", v.created_date}};
  if (v.compatible_runtimes) j["CompatibleRuntimes"] = *v.compatible_runtimes;
  if (v.license_info) j["LicenseInfo"] = *v.license_info;
  if (v.compatible_architectures) j["CompatibleArchitectures"] = *v.compatible_architectures;
  return j;
}

nlohmann::json layerVersionShape(const scheduler::LayerState& layer,
                                 const scheduler::LayerVersionRecord& v, const std::string& host) {
  nlohmann::json j = layerVersionListItem(layer, v);
  j["LayerArn"] = layer.arn;
  j["Content"] = {{"Location", "http://" + host + "/_stratus/code/" + v.code.sha256_hex + ".zip"},
                  {"CodeSha256", v.code.sha256_base64},
                  {"CodeSize", v.code.size}};
  return j;
}

bool layerMatches(const scheduler::LayerVersionRecord& v, const std::string& runtime,
                  const std::string& architecture) {
  auto has = [](const std::optional<std::vector<std::string>>& list, const std::string& want) {
    if (want.empty()) return true;
    if (!list) return false;
    for (const auto& e : *list) {
      if (e == want) return true;
    }
    return false;
  };
  return has(v.compatible_runtimes, runtime) && has(v.compatible_architectures, architecture);
}

Result<std::vector<scheduler::LayerRef>> resolveFunctionLayers(
    const scheduler::LayerRegistry& layers, const std::vector<std::string>& arns,
    const AccountScope& scope) {
  if (arns.size() > kMaxFunctionLayers) {
    return Error::invalidParameter("Cannot reference more than 5 layers.");
  }
  std::vector<scheduler::LayerRef> out;
  std::map<std::string, std::string> seen;  // layer ARN -> the version ARN that named it
  for (const std::string& arn : arns) {
    auto parts = parseLayerArn(arn);
    if (!parts || !parts->version) {
      return Error::validation(
          "1 validation error detected: Value '[" + arn + "]' at 'layers' failed to satisfy "
          "constraint: Member must satisfy constraint: [Member must have length less than or "
          "equal to 140, Member must have length greater than or equal to 1, Member must "
          "satisfy regular expression pattern: "
          "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member "
          "must not be null]");
    }
    if (parts->account_id == scope.account_id && parts->region != scope.region) {
      return Error::invalidParameter(
          "Layers are not in the same region as the function. Layers are expected to be in "
          "region " + scope.region + ".");
    }
    const scheduler::LayerVersionRecord* v = layers.findVersion(parts->layerArn(), *parts->version);
    if (!v) {
      if (parts->account_id != scope.account_id) {
        // Another account's layer exists here only once imported (stratus layer import).
        return Error{ErrorCode::kAccessDenied,
                     "User: arn:aws:iam::" + scope.account_id + ":root is not authorized to "
                     "perform: lambda:GetLayerVersion on resource: " + arn + " because no "
                     "resource-based policy allows the lambda:GetLayerVersion action (Stratus "
                     "is offline: import the layer's zip with `stratus layer import " + arn +
                     " ZIP`)",
                     {}};
      }
      return Error::invalidParameter("Layer version " + arn + " does not exist.");
    }
    auto [it, fresh] = seen.emplace(parts->layerArn(), arn);
    if (!fresh) {
      return Error::invalidParameter(
          "Two different versions of the same layer are not allowed to be referenced in the "
          "same function. " + it->second + " and " + arn + " are versions of the same layer.");
    }
    out.push_back({parts->versionArn(), v->code});
  }
  return out;
}

namespace {
bool knownRuntime(const std::string& runtime) {
  for (const char* e : lambda_model::kRuntime.enum_values) {
    if (runtime == e) return true;
  }
  return false;
}

std::string runtimeEnum() {
  std::string out = "[";
  for (const char* e : lambda_model::kRuntime.enum_values) out += (out.size() > 1 ? ", " : "") + std::string(e);
  return out + "]";
}
}  // namespace

Status checkCompatibleRuntime(const std::string& runtime) {
  if (runtime.empty() || knownRuntime(runtime)) return okStatus();
  return Error::validation("1 validation error detected: Value '" + runtime +
                           "' at 'compatibleRuntime' failed to satisfy constraint: Member must "
                           "satisfy enum value set: " + runtimeEnum());
}

Status checkCompatibleRuntimes(const std::vector<std::string>& runtimes) {
  for (const auto& r : runtimes) {
    if (knownRuntime(r)) continue;
    std::string listed = "[";
    for (const auto& x : runtimes) listed += (listed.size() > 1 ? ", " : "") + x;
    return Error::validation("1 validation error detected: Value '" + listed +
                             "]' at 'compatibleRuntimes' failed to satisfy constraint: Member "
                             "must satisfy constraint: [Member must satisfy enum value set: " +
                             runtimeEnum() + "]");
  }
  return okStatus();
}

Status checkUnzippedTotal(const scheduler::CodeRef& code,
                          const std::vector<scheduler::LayerRef>& layers) {
  uint64_t total = code.unzipped;
  for (const auto& l : layers) total += l.code.unzipped;
  if (total <= kMaxUnzippedBytes) return okStatus();
  return Error::invalidParameter(
      "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. "
      "The actual size is " + std::to_string(total) + " bytes.");
}

}  // namespace stratus::triggers
