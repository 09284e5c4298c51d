#include "triggers/request_decoder.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/json_reader.h"
#include "triggers/shape_patterns.h"

namespace stratus::triggers {

namespace {

// Model shapes nest a handful of levels; a cycle in a future model must not recurse forever.
constexpr int kMaxShapeDepth = 32;

std::string camel(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

std::string memberPath(const std::string& parent, std::string_view member) {
  return parent.empty() ? camel(member) : parent + "." + camel(member);
}

const char* targetName(ShapeType t) {
  switch (t) {
    case ShapeType::kString: return "a String";
    case ShapeType::kInteger: return "an Integer";
    case ShapeType::kLong: return "a Long";
    case ShapeType::kBoolean: return "a Boolean";
    case ShapeType::kDouble: return "a Double";
    case ShapeType::kBlob: return "a Blob";
    case ShapeType::kTimestamp: return "a Timestamp";
    case ShapeType::kList: return "a List";
    case ShapeType::kMap: return "a Map";
    case ShapeType::kStructure: return "a Structure";
  }
  return "a value";
}

// What a deserializer says on meeting `v` where `s` was expected (Coral's wording).
std::string mismatch(const nlohmann::json& v, const Shape& s) {
  if (v.is_array()) return "Start of list found where not expected";
  if (v.is_object()) return "Start of structure or map found where not expected.";
  std::string found = v.is_string()    ? "STRING_VALUE"
                      : v.is_boolean() ? (v.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE")
                      : v.is_null()    ? "null"
                                       : "NUMBER_VALUE";
  return found + " can not be converted to " + targetName(s.type);
}

Error serializationError(const std::string& detail, const std::string& path) {
  return Error{ErrorCode::kSerialization,
               path.empty() ? detail : detail + " (at '" + path + "')", {}};
}

bool typeMatches(const nlohmann::json& v, ShapeType t) {
  switch (t) {
    case ShapeType::kString:
    case ShapeType::kBlob:
      return v.is_string();
    case ShapeType::kInteger:
      if (v.is_number_unsigned()) return v.get<uint64_t>() <= INT32_MAX;
      if (!v.is_number_integer()) return false;
      return v.get<int64_t>() >= INT32_MIN && v.get<int64_t>() <= INT32_MAX;
    case ShapeType::kLong:
      if (v.is_number_unsigned()) return v.get<uint64_t>() <= INT64_MAX;
      return v.is_number_integer();
    case ShapeType::kBoolean:
      return v.is_boolean();
    case ShapeType::kDouble:
    case ShapeType::kTimestamp:
      return v.is_number();
    case ShapeType::kList:
      return v.is_array();
    case ShapeType::kMap:
    case ShapeType::kStructure:
      return v.is_object();
  }
  return false;
}

// Step 2: checks types in place, keeping only the shape's members and dropping their nulls.
std::optional<Error> deserialize(nlohmann::json& v, const Shape& s, const std::string& path,
                                 int depth) {
  if (depth > kMaxShapeDepth) return Error::service("request shape nests too deep: " + path);
  if (!typeMatches(v, s.type)) return serializationError(mismatch(v, s), path);
  switch (s.type) {
    case ShapeType::kStructure: {
      nlohmann::json out = nlohmann::json::object();
      for (const ShapeMember& m : s.members) {
        auto it = v.find(m.name);
        if (it == v.end() || it->is_null()) continue;
        auto err = deserialize(*it, *m.shape, memberPath(path, m.name), depth + 1);
        if (err) return err;
        out[m.name] = std::move(*it);
      }
      v = std::move(out);
      return std::nullopt;
    }
    case ShapeType::kList: {
      for (size_t i = 0; i < v.size(); ++i) {
        std::string at = path + "." + std::to_string(i + 1) + ".member";
        auto err = deserialize(v[i], *s.member, at, depth + 1);
        if (err) return err;
      }
      return std::nullopt;
    }
    case ShapeType::kMap: {
      for (auto& [k, value] : v.items()) {
        auto err = deserialize(value, *s.value, path + "." + k + ".member", depth + 1);
        if (err) return err;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

// Lengths as Java counts them (UTF-16 code units): what the model's bounds mean.
size_t utf16Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

std::string formatNumber(double d, bool integral) {
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (integral) return std::to_string(static_cast<int64_t>(d));
  nlohmann::json j = d;
  return j.dump();  // shortest round-trip form; 1.0 stays "1.0"
}

bool integralType(ShapeType t) {
  return t == ShapeType::kInteger || t == ShapeType::kLong;
}

double numberOf(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  return v.get<double>();
}

// How a value is quoted in "Value '...' at": Java's toString of the decoded member.
std::string render(const nlohmann::json& v, const Shape& s) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) return formatNumber(v.get<double>(), false);
  if (v.is_number()) return v.dump();
  std::string out;
  if (v.is_array()) {
    out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + render(v[i], *s.member);
    return out + "]";
  }
  out = "{";
  bool first = true;
  if (s.type == ShapeType::kStructure) {
    // A structure's members, each rendered by its own shape (a structure has no value shape).
    for (const ShapeMember& m : s.members) {
      auto it = v.find(m.name);
      if (it == v.end()) continue;
      std::string value = m.shape->sensitive ? "*** Sensitive Data Redacted ***" : render(*it, *m.shape);
      out += (first ? "" : ", ") + std::string(m.name) + "=" + value;
      first = false;
    }
    return out + "}";
  }
  for (auto& [k, value] : v.items()) {
    out += (first ? "" : ", ") + k + "=" + render(value, *s.value);
    first = false;
  }
  return out + "}";
}

std::string enumList(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.enum_values.size(); ++i) out += (i ? ", " : "") + std::string(s.enum_values[i]);
  return out + "]";
}

// Every constraint of a scalar shape, as worded when a collection's element breaks any.
std::vector<std::string> allConstraints(const Shape& s) {
  std::vector<std::string> out;
  bool lengths = s.type == ShapeType::kString || s.type == ShapeType::kBlob;
  const char* what = lengths ? "length" : "value";
  bool integral = lengths || integralType(s.type);
  if (s.has_max) out.push_back(std::string("Member must have ") + what + " less than or equal to " + formatNumber(s.max, integral));
  if (s.has_min) out.push_back(std::string("Member must have ") + what + " greater than or equal to " + formatNumber(s.min, integral));
  if (!s.enum_values.empty()) out.push_back("Member must satisfy enum value set: " + enumList(s));
  if (s.pattern && checkPattern(s, "") != PatternCheck::kNotChecked) {
    out.push_back(std::string("Member must satisfy regular expression pattern: ") + s.pattern);
  }
  return out;
}

// The constraints a scalar value breaks.
std::vector<std::string> broken(const nlohmann::json& v, const Shape& s) {
  std::vector<std::string> out;
  if (s.checked_by_handler) return out;
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    size_t len = utf16Length(text);
    if (s.has_max && len > s.max) out.push_back("Member must have length less than or equal to " + formatNumber(s.max, true));
    if (s.has_min && len < s.min) out.push_back("Member must have length greater than or equal to " + formatNumber(s.min, true));
    if (!s.enum_values.empty()) {
      bool known = false;
      for (const char* e : s.enum_values) known = known || text == e;
      if (!known) out.push_back("Member must satisfy enum value set: " + enumList(s));
    }
    if (s.type == ShapeType::kString && checkPattern(s, text) == PatternCheck::kFails) {
      out.push_back(std::string("Member must satisfy regular expression pattern: ") + s.pattern);
    }
  } else if (v.is_number()) {
    double d = numberOf(v);
    bool integral = integralType(s.type);
    if (s.has_max && !(d <= s.max)) out.push_back("Member must have value less than or equal to " + formatNumber(s.max, integral));
    if (s.has_min && !(d >= s.min)) out.push_back("Member must have value greater than or equal to " + formatNumber(s.min, integral));
  }
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

class Violations {
 public:
  void add(const nlohmann::json& v, const Shape& s, const std::string& path,
           const std::string& constraint) {
    std::string value = s.sensitive ? "Value" : "Value '" + render(v, s) + "'";
    items_.push_back(value + " at '" + path + "' failed to satisfy constraint: " + constraint);
  }
  void addNull(const std::string& path) {
    items_.push_back("Value null at '" + path + "' failed to satisfy constraint: Member must not be null");
  }
  Status status() const {
    if (items_.empty()) return okStatus();
    std::string msg = std::to_string(items_.size()) +
                      (items_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < items_.size(); ++i) msg += (i ? "; " : "") + items_[i];
    return Error::validation(msg);
  }

 private:
  std::vector<std::string> items_;
};

bool isScalar(const Shape& s) {
  return s.type != ShapeType::kList && s.type != ShapeType::kMap && s.type != ShapeType::kStructure;
}

// Step 3, over a document step 2 accepted.
void validate(const nlohmann::json& v, const Shape& s, const std::string& path, int depth,
              Violations& out) {
  if (depth > kMaxShapeDepth) return;
  switch (s.type) {
    case ShapeType::kStructure:
      for (const ShapeMember& m : s.members) {
        auto it = v.find(m.name);
        std::string at = memberPath(path, m.name);
        if (it == v.end()) {
          if (m.required) out.addNull(at);
          continue;
        }
        validate(*it, *m.shape, at, depth + 1, out);
      }
      return;
    case ShapeType::kList:
    case ShapeType::kMap: {
      std::vector<std::string> problems;
      if (s.has_max && v.size() > s.max) problems.push_back("Member must have length less than or equal to " + formatNumber(s.max, true));
      if (s.has_min && v.size() < s.min) problems.push_back("Member must have length greater than or equal to " + formatNumber(s.min, true));
      if (s.type == ShapeType::kList) {
        bool element_broken = false;
        for (size_t i = 0; i < v.size(); ++i) {
          if (isScalar(*s.member)) {
            element_broken = element_broken || !broken(v[i], *s.member).empty();
          } else {
            validate(v[i], *s.member, path + "." + std::to_string(i + 1) + ".member", depth + 1, out);
          }
        }
        if (element_broken) problems.push_back("Member must satisfy constraint: [" + joined(allConstraints(*s.member)) + "]");
      } else {
        bool key_broken = false, value_broken = false;
        for (auto& [k, value] : v.items()) {
          key_broken = key_broken || !broken(nlohmann::json(k), *s.key).empty();
          if (isScalar(*s.value)) {
            value_broken = value_broken || !broken(value, *s.value).empty();
          } else {
            validate(value, *s.value, path + "." + k + ".member", depth + 1, out);
          }
        }
        if (key_broken) problems.push_back("Map keys must satisfy constraint: [" + joined(allConstraints(*s.key)) + "]");
        if (value_broken) problems.push_back("Map value must satisfy constraint: [" + joined(allConstraints(*s.value)) + "]");
      }
      if (!problems.empty()) out.add(v, s, path, joined(problems));
      return;
    }
    default: {
      std::vector<std::string> problems = broken(v, s);
      if (!problems.empty()) out.add(v, s, path, joined(problems));
      return;
    }
  }
}

// A parameter's text as its shape's JSON type; nullopt when it is not one.
std::optional<nlohmann::json> fromText(const std::string& text, const Shape& s) {
  switch (s.type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      // Only plain decimal integers ("-12"; not "+1", " 1", "1.0", "0x1"), in the type's range.
      size_t digits = text.size() - (!text.empty() && text[0] == '-');
      if (digits == 0 || digits > 19 ||
          text.find_first_not_of("0123456789", text.size() - digits) != std::string::npos) {
        return std::nullopt;
      }
      errno = 0;
      long long n = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return std::nullopt;
      if (s.type == ShapeType::kInteger && (n < INT32_MIN || n > INT32_MAX)) return std::nullopt;
      return nlohmann::json(static_cast<int64_t>(n));
    }
    case ShapeType::kBoolean:
      if (text == "true") return nlohmann::json(true);
      if (text == "false") return nlohmann::json(false);
      return std::nullopt;
    case ShapeType::kDouble: {
      if (text.empty()) return std::nullopt;
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return std::nullopt;
      return nlohmann::json(d);
    }
    case ShapeType::kString:
    case ShapeType::kBlob:
      return nlohmann::json(text);
    default:
      return std::nullopt;  // no Lambda parameter is a timestamp, map or structure
  }
}

Error parameterTypeError(const std::string& text, const Shape& s, const std::string& path) {
  return serializationError("Cannot convert '" + text + "' to " + targetName(s.type), path);
}

}  // namespace

Result<nlohmann::json> decodeParameters(const OperationParameters& operation,
                                        const std::multimap<std::string, std::string>& query,
                                        const std::map<std::string, std::string>& headers) {
  const auto& members = operation.shape->members;
  nlohmann::json doc = nlohmann::json::object();
  for (size_t i = 0; i < operation.bindings.size() && i < members.size(); ++i) {
    const ParameterBinding& b = operation.bindings[i];
    const Shape& shape = *members[i].shape;
    std::string path = camel(members[i].name);
    std::vector<const std::string*> values;
    if (b.location == ParamLocation::kHeader) {
      auto it = headers.find(b.wire);
      if (it != headers.end()) values.push_back(&it->second);
    } else {
      auto [lo, hi] = query.equal_range(b.wire);
      for (auto it = lo; it != hi; ++it) values.push_back(&it->second);
    }
    if (values.empty()) continue;
    if (shape.type == ShapeType::kList) {
      nlohmann::json list = nlohmann::json::array();
      for (const std::string* v : values) {
        auto typed = fromText(*v, *shape.member);
        if (!typed) return parameterTypeError(*v, *shape.member, path);
        list.push_back(std::move(*typed));
      }
      doc[b.member] = std::move(list);
    } else {
      auto typed = fromText(*values.front(), shape);  // a repeated scalar: the first counts
      if (!typed) return parameterTypeError(*values.front(), shape, path);
      doc[b.member] = std::move(*typed);
    }
  }
  Violations violations;
  validate(doc, *operation.shape, "", 0, violations);
  Status s = violations.status();
  if (!s.ok()) return s.error();
  return doc;
}

Result<nlohmann::json> decodeDocument(nlohmann::json document, const Shape& shape) {
  if (!document.is_object()) return serializationError(mismatch(document, shape), "");
  if (auto err = deserialize(document, shape, "", 0)) return *err;
  Violations violations;
  validate(document, shape, "", 0, violations);
  Status s = violations.status();
  if (!s.ok()) return s.error();
  return document;
}

Result<nlohmann::json> decodeBody(std::string_view body, const Shape& shape) {
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank) return decodeDocument(nlohmann::json::object(), shape);
  auto parsed = parseJson(body, kBodyMaxDepth);
  if (!parsed.ok()) {
    return Error{ErrorCode::kInvalidRequestContent,
                 "Could not parse request body into json: " + parsed.error().message, {}};
  }
  return decodeDocument(std::move(parsed).value(), shape);
}

}  // namespace stratus::triggers
