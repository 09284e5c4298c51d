#include "triggers/esm/event_filter.h"

#include <cctype>

#include "runtime/base/json_reader.h"

namespace stratus::esm {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxDepth = 32;

enum class Op { kExact, kPrefix, kSuffix, kAnythingBut, kNumeric, kExists, kWildcard, kIgnoreCase };

struct Range {
  std::string op;  // "=", "<", "<=", ">", ">="
  double value = 0;
};

struct Matcher {
  Op op = Op::kExact;
  Json literal;                   // kExact: a string, number, boolean or null
  std::string text;               // prefix, suffix, wildcard, equals-ignore-case
  std::vector<Json> excluded;     // anything-but values
  std::string excluded_prefix, excluded_suffix;
  std::vector<Range> ranges;      // numeric
  bool exists = true;
};

}  // namespace

struct EventFilter::Node {
  struct Field {
    std::string key;
    std::shared_ptr<const Node> child;  // an object value
    std::vector<Matcher> matchers;      // an array value
  };
  std::vector<Field> fields;
  std::vector<std::vector<std::shared_ptr<const Node>>> ors;  // each "$or": any of its nodes
};

namespace {

using Node = EventFilter::Node;

bool isNumber(const Json& j) { return j.is_number(); }

std::optional<Matcher> parseNumeric(const Json& spec) {
  if (!spec.is_array() || spec.empty() || spec.size() > 4 || spec.size() % 2 != 0) return std::nullopt;
  Matcher m;
  m.op = Op::kNumeric;
  for (size_t i = 0; i < spec.size(); i += 2) {
    if (!spec[i].is_string() || !isNumber(spec[i + 1])) return std::nullopt;
    std::string op = spec[i].get<std::string>();
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return std::nullopt;
    m.ranges.push_back({op, spec[i + 1].get<double>()});
  }
  // Two conditions make a range: one lower bound and one upper bound.
  if (m.ranges.size() == 2) {
    auto lower = [](const std::string& o) { return o == ">" || o == ">="; };
    auto upper = [](const std::string& o) { return o == "<" || o == "<="; };
    bool ok = (lower(m.ranges[0].op) && upper(m.ranges[1].op)) || (upper(m.ranges[0].op) && lower(m.ranges[1].op));
    if (!ok) return std::nullopt;
  }
  return m;
}

std::optional<Matcher> parseMatcher(const Json& v) {
  Matcher m;
  if (v.is_string() || v.is_number() || v.is_boolean() || v.is_null()) {
    m.literal = v;
    return m;
  }
  if (!v.is_object() || v.size() != 1) return std::nullopt;
  const std::string& name = v.begin().key();
  const Json& arg = v.begin().value();
  if (name == "prefix" || name == "suffix" || name == "wildcard" || name == "equals-ignore-case") {
    if (!arg.is_string()) return std::nullopt;
    m.op = name == "prefix" ? Op::kPrefix : name == "suffix" ? Op::kSuffix : name == "wildcard" ? Op::kWildcard : Op::kIgnoreCase;
    m.text = arg.get<std::string>();
    if (m.op == Op::kWildcard && m.text.find("**") != std::string::npos) return std::nullopt;
    return m;
  }
  if (name == "exists") {
    if (!arg.is_boolean()) return std::nullopt;
    m.op = Op::kExists;
    m.exists = arg.get<bool>();
    return m;
  }
  if (name == "numeric") return parseNumeric(arg);
  if (name == "anything-but") {
    m.op = Op::kAnythingBut;
    if (arg.is_string() || arg.is_number()) {
      m.excluded.push_back(arg);
      return m;
    }
    if (arg.is_array()) {
      if (arg.empty()) return std::nullopt;
      for (const Json& e : arg) {
        if (!e.is_string() && !e.is_number()) return std::nullopt;
        m.excluded.push_back(e);
      }
      return m;
    }
    if (arg.is_object() && arg.size() == 1 && arg.begin().value().is_string()) {
      if (arg.begin().key() == "prefix") {
        m.excluded_prefix = arg.begin().value().get<std::string>();
        return m;
      }
      if (arg.begin().key() == "suffix") {
        m.excluded_suffix = arg.begin().value().get<std::string>();
        return m;
      }
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::shared_ptr<const Node> parseNode(const Json& j, size_t depth) {
  if (!j.is_object() || j.empty() || depth > kMaxDepth) return nullptr;
  auto node = std::make_shared<Node>();
  for (const auto& [key, value] : j.items()) {
    if (key == "$or") {
      if (!value.is_array() || value.size() < 2) return nullptr;
      std::vector<std::shared_ptr<const Node>> any;
      for (const Json& alt : value) {
        auto child = parseNode(alt, depth + 1);
        if (!child) return nullptr;
        any.push_back(std::move(child));
      }
      node->ors.push_back(std::move(any));
      continue;
    }
    Node::Field field{key, nullptr, {}};
    if (value.is_object()) {
      field.child = parseNode(value, depth + 1);
      if (!field.child) return nullptr;
    } else if (value.is_array()) {
      if (value.empty()) return nullptr;
      for (const Json& e : value) {
        auto m = parseMatcher(e);
        if (!m) return nullptr;
        field.matchers.push_back(std::move(*m));
      }
    } else {
      return nullptr;  // a bare value: patterns list their values in arrays
    }
    node->fields.push_back(std::move(field));
  }
  return node;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// '*' matches any run of characters (no escapes; "**" is refused when parsing).
bool wildcardMatch(const std::string& pattern, const std::string& s) {
  size_t p = 0, i = 0, star = std::string::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool lowerEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool sameValue(const Json& literal, const Json& v) {
  if (literal.is_number() && v.is_number()) return literal.get<double>() == v.get<double>();
  return literal == v;
}

bool inRange(const Range& r, double x) {
  if (r.op == "=") return x == r.value;
  if (r.op == "<") return x < r.value;
  if (r.op == "<=") return x <= r.value;
  if (r.op == ">") return x > r.value;
  return x >= r.value;
}

// One matcher against one value that is present (arrays are expanded by the caller).
bool matchValue(const Matcher& m, const Json& v) {
  switch (m.op) {
    case Op::kExact: return sameValue(m.literal, v);
    case Op::kPrefix: return v.is_string() && v.get_ref<const std::string&>().rfind(m.text, 0) == 0;
    case Op::kSuffix: return v.is_string() && endsWith(v.get_ref<const std::string&>(), m.text);
    case Op::kWildcard: return v.is_string() && wildcardMatch(m.text, v.get_ref<const std::string&>());
    case Op::kIgnoreCase: return v.is_string() && lowerEquals(m.text, v.get_ref<const std::string&>());
    case Op::kExists: return m.exists;
    case Op::kNumeric: {
      if (!v.is_number()) return false;
      double x = v.get<double>();
      for (const Range& r : m.ranges) {
        if (!inRange(r, x)) return false;
      }
      return true;
    }
    case Op::kAnythingBut: {
      if (!m.excluded_prefix.empty() || !m.excluded_suffix.empty()) {
        if (!v.is_string()) return false;
        const std::string& s = v.get_ref<const std::string&>();
        if (!m.excluded_prefix.empty()) return s.rfind(m.excluded_prefix, 0) != 0;
        return !endsWith(s, m.excluded_suffix);
      }
      for (const Json& e : m.excluded) {
        if (sameValue(e, v)) return false;
      }
      return true;
    }
  }
  return false;
}

bool matchLeaf(const std::vector<Matcher>& matchers, const Json* value) {
  for (const Matcher& m : matchers) {
    if (m.op == Op::kExists) {
      if ((value != nullptr) == m.exists) return true;
      continue;
    }
    if (value == nullptr) continue;
    if (value->is_array()) {
      for (const Json& e : *value) {
        if (matchValue(m, e)) return true;
      }
    } else if (matchValue(m, *value)) {
      return true;
    }
  }
  return false;
}

bool matchNode(const Node& node, const Json& event) {
  if (!event.is_object()) return false;
  for (const auto& field : node.fields) {
    auto it = event.find(field.key);
    const Json* value = it == event.end() ? nullptr : &*it;
    if (field.child) {
      if (value == nullptr || !matchNode(*field.child, *value)) return false;
    } else if (!matchLeaf(field.matchers, value)) {
      return false;
    }
  }
  for (const auto& any : node.ors) {
    bool one = false;
    for (const auto& alt : any) {
      if (matchNode(*alt, event)) {
        one = true;
        break;
      }
    }
    if (!one) return false;
  }
  return true;
}

}  // namespace

std::optional<EventFilter> EventFilter::parse(std::string_view pattern) {
  Json j = Json::parse(pattern, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  auto root = parseNode(j, 0);
  if (!root) return std::nullopt;
  EventFilter f;
  f.root_ = std::move(root);
  return f;
}

bool EventFilter::matches(const nlohmann::json& event) const { return root_ && matchNode(*root_, event); }

bool anyMatches(const std::vector<EventFilter>& filters, const nlohmann::json& event) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    if (f.matches(event)) return true;
  }
  return false;
}

nlohmann::json filterView(const nlohmann::json& record) {
  Json view = record;
  auto body = record.find("body");
  if (body != record.end() && body->is_string()) {
    const std::string& text = body->get_ref<const std::string&>();
    // Checked first: linear, without recursion, and refusing nesting deeper than Jackson's.
    if (jsonSyntaxError(text, kJsonDefaultMaxDepth).empty()) {
      Json parsed = Json::parse(text, nullptr, false);
      if (!parsed.is_discarded()) view["body"] = std::move(parsed);
    }
  }
  return view;
}

}  // namespace stratus::esm
