#include "triggers/shape_patterns.h"

#include <cstring>

namespace stratus::triggers {

namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }

// Every character of `s` is alphanumeric or one of `extra`; at least `min` characters.
bool allOf(std::string_view s, const char* extra, size_t min = 1) {
  if (s.size() < min) return false;
  for (char c : s) {
    if (!isAlnum(c) && std::strchr(extra, c) == nullptr) return false;
  }
  return true;
}

bool allDigits(std::string_view s, size_t min = 1) {
  if (s.size() < min) return false;
  for (char c : s) {
    if (!isDigit(c)) return false;
  }
  return true;
}

// Consumes `prefix` from the front of `s`.
bool take(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Consumes everything up to the next ':' and the ':' itself, into `field`.
bool field(std::string_view& s, std::string_view& out) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  out = s.substr(0, colon);
  s.remove_prefix(colon + 1);
  return true;
}

// (aws[a-zA-Z-]*)? : an ARN's partition.
bool partition(std::string_view p) {
  if (p.empty()) return true;
  if (p.substr(0, 3) != "aws") return false;
  for (char c : p.substr(3)) {
    if (!isAlpha(c) && c != '-') return false;
  }
  return true;
}

// arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
bool roleArn(std::string_view s) {
  std::string_view part, account;
  if (!take(s, "arn:") || !field(s, part) || !partition(part)) return false;
  if (!take(s, "iam::") || !field(s, account) || account.size() != 12 || !allDigits(account)) return false;
  if (!take(s, "role")) return false;
  return allOf(s, "_+=,.@-/");
}

// (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()
bool anyArnOrEmpty(std::string_view s) {
  if (s.empty()) return true;
  std::string_view part, service;
  if (!take(s, "arn:") || !field(s, part) || !partition(part) || !field(s, service)) return false;
  if (service.empty()) return false;
  for (char c : service) {
    if (!((c >= 'a' && c <= 'z') || isDigit(c) || c == '-' || c == '.')) return false;
  }
  return s.find('\n') == std::string_view::npos && s.find('\r') == std::string_view::npos;
}

// arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+
bool layerVersionArn(std::string_view s) {
  std::string_view part, region, account, name;
  if (!take(s, "arn:") || !field(s, part) || !allOf(part, "-")) return false;
  if (!take(s, "lambda:") || !field(s, region) || !allOf(region, "-")) return false;
  if (!field(s, account) || account.size() != 12 || !allDigits(account)) return false;
  if (!take(s, "layer:") || !field(s, name) || !allOf(name, "-_")) return false;
  return allDigits(s);
}

// -[a-z]+-\d : a region's tail ("-west-1").
bool regionTail(std::string_view s) {
  if (!take(s, "-") || s.size() < 3 || s[s.size() - 2] != '-' || !isDigit(s.back())) return false;
  for (char c : s.substr(0, s.size() - 2)) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

// [a-z]{2}(-gov)?-[a-z]+-\d{1}
bool masterRegion(std::string_view s) {
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  if (s.size() < 2 || !lower(s[0]) || !lower(s[1])) return false;
  s.remove_prefix(2);
  if (regionTail(s)) return true;
  return take(s, "-gov") && regionTail(s);
}

// \d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root : who a layer version is shared with.
bool layerPrincipal(std::string_view s) {
  if (s == "*" || (s.size() == 12 && allDigits(s))) return true;
  std::string_view part, account;
  if (!take(s, "arn:") || !field(s, part) || part.empty() || !partition(part)) return false;
  if (!take(s, "iam::") || !field(s, account) || account.size() != 12 || !allDigits(account)) return false;
  return s == "root";
}

// o-[a-z0-9]{10,32}
bool organizationId(std::string_view s) {
  if (!take(s, "o-") || s.size() < 10 || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || isDigit(c))) return false;
  }
  return true;
}

bool handler(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    // Java's \s: space, \t, \n, \x0B, \f, \r.
    if (c == ' ' || (c >= '\t' && c <= '\r')) return false;
  }
  return true;
}

}  // namespace

PatternCheck checkPattern(const Shape& shape, std::string_view v) {
  if (shape.pattern == nullptr) return PatternCheck::kNotChecked;
  std::string_view name = shape.name;
  bool ok;
  if (name == "RoleArn") {
    ok = roleArn(v);
  } else if (name == "Handler") {
    ok = handler(v);
  } else if (name == "EnvironmentVariableName") {  // [a-zA-Z]([a-zA-Z0-9_])+
    ok = v.size() >= 2 && isAlpha(v[0]) && allOf(v.substr(1), "_");
  } else if (name == "Alias") {  // (?!^[0-9]+$)([a-zA-Z0-9-_]+)
    ok = allOf(v, "-_") && !allDigits(v);
  } else if (name == "NumericLatestPublishedOrAliasQualifier") {
    // \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+
    ok = v == "$LATEST.PUBLISHED" || allOf(v, "-_$");
  } else if (name == "Qualifier") {  // (|[a-zA-Z0-9$_-]+)
    ok = allOf(v, "$_-", 0);
  } else if (name == "MasterRegion") {  // ALL|[a-z]{2}(-gov)?-[a-z]+-\d{1}
    ok = v == "ALL" || masterRegion(v);
  } else if (name == "DurableExecutionName") {  // [a-zA-Z0-9-_]+
    ok = allOf(v, "-_");
  } else if (name == "TenantId") {  // [a-zA-Z0-9\._:\/=+\-@ ]+
    ok = allOf(v, "._:/=+-@ ");
  } else if (name == "VersionWithLatestPublished") {  // (\$LATEST(\.PUBLISHED)?|[0-9]+)
    ok = v == "$LATEST" || v == "$LATEST.PUBLISHED" || allDigits(v);
  } else if (name == "AdditionalVersion") {  // [0-9]+
    ok = allDigits(v);
  } else if (name == "KMSKeyArn" || name == "ResourceArn") {
    ok = anyArnOrEmpty(v);
  } else if (name == "LocalMountPath") {  // /mnt/[a-zA-Z0-9-_.]+
    ok = take(v, "/mnt/") && allOf(v, "-_.");
  } else if (name == "LogGroup" || name == "LogGroupName") {  // [\.\-_/#A-Za-z0-9]+
    ok = allOf(v, ".-_/#");
  } else if (name == "S3Bucket") {  // [0-9A-Za-z\.\-_]*(?<!\.)
    ok = allOf(v, ".-_", 0) && (v.empty() || v.back() != '.');
  } else if (name == "LayerVersionArn") {
    ok = layerVersionArn(v);
  } else if (name == "LayerPermissionAllowedAction") {
    ok = v == "lambda:GetLayerVersion";
  } else if (name == "LayerPermissionAllowedPrincipal") {
    ok = layerPrincipal(v);
  } else if (name == "StatementId") {  // ([a-zA-Z0-9-_]+)
    ok = allOf(v, "-_");
  } else if (name == "OrganizationId") {
    ok = organizationId(v);
  } else {
    return PatternCheck::kNotChecked;
  }
  return ok ? PatternCheck::kMatches : PatternCheck::kFails;
}

}  // namespace stratus::triggers
