#include "triggers/function_name.h"

#include <vector>


namespace stratus::triggers {

namespace {
const char* kNamePattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

Error patternError(const std::string& raw) {
  return Error::validation("1 validation error detected: Value '" + raw +
                           "' at 'functionName' failed to satisfy constraint: Member must "
                           "satisfy regular expression pattern: " +
                           kNamePattern);
}

bool isPlainName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool isQualifier(const std::string& s) {
  if (s == "$LATEST") return true;
  return isPlainName(s) && s.size() <= 128;
}

// The Qualifier parameter's model pattern is looser than a name's suffix: "$latest" passes
// it and is then simply not found (qualifiers are case-sensitive).
bool isQualifierParam(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '$')) return false;
  }
  return true;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return parts;
}
}  // namespace

Result<FunctionRef> parseFunctionRef(const std::string& raw, const std::string& qualifier_param,
                                     const AccountScope& scope) {
  if (raw.empty() || raw.size() > 256) return patternError(raw);
  std::vector<std::string> p = split(raw, ':');
  std::string region = scope.region, account = scope.account_id, name, qualifier;
  if (p[0] == "arn" && p.size() > 2) {  // "arn:3" is version 3 of a function named arn
    // arn:partition:lambda:region:account:function:name[:qualifier]
    if (p.size() < 7 || p.size() > 8 || p[2] != "lambda" || p[5] != "function") {
      return patternError(raw);
    }
    region = p[3];
    account = p[4];
    name = p[6];
    if (p.size() == 8) qualifier = p[7];
  } else if (p.size() >= 3 && p[1] == "function") {
    if (p.size() > 4) return patternError(raw);
    account = p[0];
    name = p[2];
    if (p.size() == 4) qualifier = p[3];
  } else if (p.size() <= 2) {
    name = p[0];
    if (p.size() == 2) qualifier = p[1];
  } else {
    return patternError(raw);
  }
  if (!isPlainName(name) || (p.size() > 1 && !qualifier.empty() && !isQualifier(qualifier)) ||
      (raw.back() == ':')) {
    return patternError(raw);
  }
  if (account.size() != 12 ||
      account.find_first_not_of("0123456789") != std::string::npos) {
    return patternError(raw);
  }
  if (account != scope.account_id) {
    return Error{ErrorCode::kAccessDenied,
                 "User is not authorized to access the function in account " + account, {}};
  }
  if (region != scope.region) {
    return Error::notFound("Functions from '" + region + "' are not reachable in this region ('" +
                           scope.region + "')");
  }
  if (!qualifier_param.empty()) {
    if (!isQualifierParam(qualifier_param)) {
      return Error::validation("1 validation error detected: Value '" + qualifier_param +
                               "' at 'qualifier' failed to satisfy constraint: Member must "
                               "satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)");
    }
    if (!qualifier.empty() && qualifier != qualifier_param) {
      return Error::invalidParameter(
          "The derived qualifier from the function name does not match the specified "
          "qualifier.");
    }
    qualifier = qualifier_param;
  }
  return FunctionRef{name, qualifier};
}

std::string functionArn(const AccountScope& scope, const std::string& name) {
  return "arn:aws:lambda:" + scope.region + ":" + scope.account_id + ":function:" + name;
}

std::string qualifiedArn(const AccountScope& scope, const std::string& name,
                         const std::string& qualifier) {
  return functionArn(scope, name) + ":" + qualifier;
}

}  // namespace stratus::triggers
