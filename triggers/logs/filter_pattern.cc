#include "triggers/logs/filter_pattern.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <variant>

#include <nlohmann/json.hpp>

namespace stratus::logs {

namespace {

// Nesting and size bounds: a pattern is user input, parsed recursively.
constexpr int kMaxDepth = 32;
constexpr size_t kMaxPatternBytes = 1024;  // CloudWatch's FilterPattern limit
constexpr size_t kMaxFields = 256;         // space-delimited fields considered per message

enum class Op { kEq, kNe, kLt, kGt, kLe, kGe, kIsNull, kIsTrue, kIsFalse, kExists, kNotExists };

std::optional<double> asNumber(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  if (!std::isdigit(static_cast<unsigned char>(copy.back())) && copy.back() != '.') return std::nullopt;
  return v;
}

// A comparison's right-hand side: a number compares numerically, anything else as a string
// with wildcards.
struct Value {
  std::string text;
  bool quoted = false;
  std::optional<double> number;  // set when unquoted and numeric
};

bool compare(Op op, const Value& want, std::string_view got_text, std::optional<double> got_number) {
  if (want.number && got_number) {
    double a = *got_number, b = *want.number;
    switch (op) {
      case Op::kEq: return a == b;
      case Op::kNe: return a != b;
      case Op::kLt: return a < b;
      case Op::kGt: return a > b;
      case Op::kLe: return a <= b;
      case Op::kGe: return a >= b;
      default: return false;
    }
  }
  if (op == Op::kEq) return wildcardMatch(want.text, got_text);
  if (op == Op::kNe) return !wildcardMatch(want.text, got_text);
  return false;  // an ordering needs numbers on both sides
}

// ---- A small cursor over the pattern text, shared by the JSON and space-delimited parsers.

struct Cursor {
  std::string_view s;
  size_t i = 0;
  std::string error;

  void skipSpace() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool atEnd() {
    skipSpace();
    return i >= s.size();
  }
  bool eat(std::string_view token) {
    skipSpace();
    if (s.substr(i, token.size()) != token) return false;
    i += token.size();
    return true;
  }
  // A keyword (IS, NULL, ...): the word must end there.
  bool eatWord(std::string_view word) {
    skipSpace();
    if (s.size() - i < word.size()) return false;
    for (size_t k = 0; k < word.size(); ++k) {
      if (std::toupper(static_cast<unsigned char>(s[i + k])) != word[k]) return false;
    }
    size_t after = i + word.size();
    if (after < s.size() && (std::isalnum(static_cast<unsigned char>(s[after])) || s[after] == '_')) return false;
    i = after;
    return true;
  }
  bool fail(std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }
  std::optional<Op> op() {
    skipSpace();
    static const std::pair<std::string_view, Op> kOps[] = {
        {"!=", Op::kNe}, {"<=", Op::kLe}, {">=", Op::kGe}, {"=", Op::kEq}, {"<", Op::kLt}, {">", Op::kGt}};
    for (const auto& [text, o] : kOps) {
      if (s.substr(i, text.size()) == text) {
        i += text.size();
        return o;
      }
    }
    return std::nullopt;
  }
  // A quoted string (\" and \\ escapes) or a bare word ending at a space or one of `stops`.
  std::optional<Value> value(std::string_view stops) {
    skipSpace();
    Value v;
    if (i < s.size() && s[i] == '"') {
      ++i;
      v.quoted = true;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        v.text += s[i++];
      }
      if (i >= s.size()) {
        fail("a quoted value is not closed");
        return std::nullopt;
      }
      ++i;
      return v;
    }
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) &&
           stops.find(s[i]) == std::string_view::npos) {
      v.text += s[i++];
    }
    if (v.text.empty()) {
      fail("a value is missing");
      return std::nullopt;
    }
    v.number = asNumber(v.text);
    return v;
  }
};

// ---- Terms: ERROR "a phrase" ?optional -excluded

struct TermPattern {
  std::vector<std::string> required, optional, excluded;
  bool matches(std::string_view m) const {
    for (const auto& t : required) {
      if (m.find(t) == std::string_view::npos) return false;
    }
    for (const auto& t : excluded) {
      if (m.find(t) != std::string_view::npos) return false;
    }
    if (optional.empty()) return true;
    for (const auto& t : optional) {
      if (m.find(t) != std::string_view::npos) return true;
    }
    return false;
  }
};

std::optional<TermPattern> parseTerms(std::string_view s, std::string* why) {
  TermPattern p;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    char kind = 0;
    if (s[i] == '?' || s[i] == '-') kind = s[i++];
    std::string term;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        term += s[i++];
      }
      if (i >= s.size()) {
        *why = "a quoted term is not closed";
        return std::nullopt;
      }
      ++i;
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) term += s[i++];
    }
    if (term.empty()) {
      if (kind == 0) continue;  // "" alone: no term
      *why = std::string("'") + kind + "' needs a term after it";
      return std::nullopt;
    }
    (kind == '?' ? p.optional : kind == '-' ? p.excluded : p.required).push_back(std::move(term));
  }
  return p;
}

// ---- JSON: { selector op value && (... || ...) }

struct Selector {
  // Each step: a member name, an index, or "any element" (index -1 with any = true).
  struct Step {
    std::string member;
    long index = -1;
    bool is_index = false;
    bool any = false;
  };
  std::vector<Step> steps;

  void collect(const nlohmann::json& at, size_t k, std::vector<const nlohmann::json*>& out) const {
    if (out.size() >= kMaxFields) return;
    if (k == steps.size()) {
      out.push_back(&at);
      return;
    }
    const Step& st = steps[k];
    if (st.any) {
      if (at.is_array() || at.is_object()) {
        for (const auto& e : at) collect(e, k + 1, out);
      }
    } else if (st.is_index) {
      if (at.is_array() && st.index >= 0 && static_cast<size_t>(st.index) < at.size()) {
        collect(at[static_cast<size_t>(st.index)], k + 1, out);
      }
    } else if (at.is_object()) {
      auto it = at.find(st.member);
      if (it != at.end()) collect(*it, k + 1, out);
    }
  }
};

struct JsonNode {
  enum Kind { kAnd, kOr, kCompare } kind = kCompare;
  std::vector<JsonNode> children;  // kAnd, kOr
  Selector selector;
  Op op = Op::kEq;
  Value value;

  bool eval(const nlohmann::json& doc) const {
    if (kind == kAnd) {
      for (const auto& c : children) {
        if (!c.eval(doc)) return false;
      }
      return true;
    }
    if (kind == kOr) {
      for (const auto& c : children) {
        if (c.eval(doc)) return true;
      }
      return false;
    }
    std::vector<const nlohmann::json*> found;
    selector.collect(doc, 0, found);
    if (op == Op::kNotExists) return found.empty();
    if (op == Op::kExists) return !found.empty();
    for (const nlohmann::json* v : found) {
      if (testOne(*v)) return true;
    }
    return false;
  }

  bool testOne(const nlohmann::json& v) const {
    switch (op) {
      case Op::kIsNull: return v.is_null();
      case Op::kIsTrue: return v.is_boolean() && v.get<bool>();
      case Op::kIsFalse: return v.is_boolean() && !v.get<bool>();
      default: break;
    }
    if (v.is_number()) {
      // A quoted number still compares as a number ("{ $.n = "5" }" is a string to CloudWatch,
      // so only unquoted values reach the numeric path).
      return compare(op, value, v.dump(), value.quoted ? std::nullopt : std::optional<double>(v.get<double>()));
    }
    if (v.is_string()) {
      if (value.number && !value.quoted && op != Op::kEq && op != Op::kNe) return false;
      Value as_text = value;
      as_text.number.reset();  // a string field compares as a string
      return compare(op, as_text, v.get_ref<const std::string&>(), std::nullopt);
    }
    if (v.is_boolean()) return compare(op, Value{value.text, value.quoted, {}}, v.get<bool>() ? "true" : "false", std::nullopt);
    return false;
  }
};

bool parseSelector(Cursor& c, Selector& sel) {
  c.skipSpace();
  if (c.i >= c.s.size() || c.s[c.i] != '$') return c.fail("a JSON selector must start with $");
  ++c.i;
  while (c.i < c.s.size()) {
    char ch = c.s[c.i];
    if (ch == '.') {
      ++c.i;
      Selector::Step st;
      if (c.i < c.s.size() && c.s[c.i] == '*') {
        ++c.i;
        st.any = true;
      } else {
        while (c.i < c.s.size() && (std::isalnum(static_cast<unsigned char>(c.s[c.i])) ||
                                    c.s[c.i] == '_' || c.s[c.i] == '-' || c.s[c.i] == '@' || c.s[c.i] == ':')) {
          st.member += c.s[c.i++];
        }
        if (st.member.empty()) return c.fail("a selector step after '.' is empty");
      }
      sel.steps.push_back(std::move(st));
    } else if (ch == '[') {
      ++c.i;
      Selector::Step st;
      if (c.i < c.s.size() && c.s[c.i] == '*') {
        ++c.i;
        st.any = true;
      } else {
        std::string digits;
        while (c.i < c.s.size() && std::isdigit(static_cast<unsigned char>(c.s[c.i])) && digits.size() < 9) {
          digits += c.s[c.i++];
        }
        if (digits.empty()) return c.fail("an array index must be a number");
        st.is_index = true;
        st.index = std::stol(digits);
      }
      if (c.i >= c.s.size() || c.s[c.i] != ']') return c.fail("an array index is not closed");
      ++c.i;
      sel.steps.push_back(std::move(st));
    } else {
      break;
    }
    if (sel.steps.size() > kMaxDepth) return c.fail("the selector is too deep");
  }
  return true;
}

bool parseJsonOr(Cursor& c, JsonNode& out, int depth);

bool parseJsonPrimary(Cursor& c, JsonNode& out, int depth) {
  if (depth > kMaxDepth) return c.fail("the pattern nests too deeply");
  if (c.eat("(")) {
    if (!parseJsonOr(c, out, depth + 1)) return false;
    if (!c.eat(")")) return c.fail("a '(' is not closed");
    return true;
  }
  out.kind = JsonNode::kCompare;
  if (!parseSelector(c, out.selector)) return false;
  if (c.eatWord("IS")) {
    if (c.eatWord("NULL")) {
      out.op = Op::kIsNull;
    } else if (c.eatWord("TRUE")) {
      out.op = Op::kIsTrue;
    } else if (c.eatWord("FALSE")) {
      out.op = Op::kIsFalse;
    } else {
      return c.fail("IS must be followed by NULL, TRUE or FALSE");
    }
    return true;
  }
  if (c.eatWord("NOT")) {
    if (!c.eatWord("EXISTS")) return c.fail("NOT must be followed by EXISTS");
    out.op = Op::kNotExists;
    return true;
  }
  if (c.eatWord("EXISTS")) {
    out.op = Op::kExists;
    return true;
  }
  std::optional<Op> op = c.op();
  if (!op) return c.fail("a comparison operator (=, !=, <, >, <=, >=) is missing");
  out.op = *op;
  std::optional<Value> v = c.value(")&|}");
  if (!v) return false;
  out.value = std::move(*v);
  if (!out.value.number && out.op != Op::kEq && out.op != Op::kNe) {
    return c.fail("<, >, <= and >= need a number");
  }
  return true;
}

// `first op next op ...` of operands parsed by `operand`, kept as one node of `kind` (a single
// operand is itself).
bool parseJsonChain(Cursor& c, JsonNode& out, int depth, const char* op, JsonNode::Kind kind,
                    bool (*operand)(Cursor&, JsonNode&, int)) {
  JsonNode first;
  if (!operand(c, first, depth)) return false;
  if (!c.eat(op)) {
    out = std::move(first);
    return true;
  }
  out.kind = kind;
  out.children.push_back(std::move(first));
  do {
    JsonNode next;
    if (!operand(c, next, depth)) return false;
    out.children.push_back(std::move(next));
  } while (c.eat(op));
  return true;
}

bool parseJsonAnd(Cursor& c, JsonNode& out, int depth) {
  return parseJsonChain(c, out, depth, "&&", JsonNode::kAnd, parseJsonPrimary);
}

bool parseJsonOr(Cursor& c, JsonNode& out, int depth) {
  return parseJsonChain(c, out, depth, "||", JsonNode::kOr, parseJsonAnd);
}

std::optional<JsonNode> parseJson(std::string_view s, std::string* why) {
  Cursor c{s, 0, {}};
  c.eat("{");
  JsonNode root;
  if (!parseJsonOr(c, root, 0) || !c.eat("}") || !c.atEnd()) {
    *why = c.error.empty() ? "a JSON pattern must be one expression inside { }" : c.error;
    return std::nullopt;
  }
  return root;
}

// ---- Space-delimited: [name, ..., name op value && name op value, ...]

struct FieldCondition {
  std::string field;  // the named field it tests
  Op op = Op::kEq;
  Value value;
};

struct SpaceDelimitedPattern {
  struct Element {
    bool ellipsis = false;
    std::string name;
  };
  std::vector<Element> elements;
  // Conditions as an OR of ANDs (a field's conditions joined by && and ||), all fields ANDed.
  std::vector<std::vector<std::vector<FieldCondition>>> field_conditions;

  bool conditionsHold(const std::map<std::string, std::string_view>& bound) const {
    for (const auto& any_of : field_conditions) {
      bool one = false;
      for (const auto& all_of : any_of) {
        bool all = true;
        for (const FieldCondition& fc : all_of) {
          auto it = bound.find(fc.field);
          if (it == bound.end() || !compare(fc.op, fc.value, it->second, asNumber(it->second))) {
            all = false;
            break;
          }
        }
        if (all) {
          one = true;
          break;
        }
      }
      if (!one) return false;
    }
    return true;
  }

  bool bind(size_t e, const std::vector<std::string_view>& fields, size_t f,
            std::map<std::string, std::string_view>& bound, int& budget) const {
    if (--budget < 0) return false;  // pathological ellipsis patterns give up, unmatched
    if (e == elements.size()) return f == fields.size() && conditionsHold(bound);
    if (elements[e].ellipsis) {
      for (size_t take = f; take <= fields.size(); ++take) {
        if (bind(e + 1, fields, take, bound, budget)) return true;
      }
      return false;
    }
    if (f >= fields.size()) return false;
    bound[elements[e].name] = fields[f];
    bool ok = bind(e + 1, fields, f + 1, bound, budget);
    if (!ok) bound.erase(elements[e].name);
    return ok;
  }

  bool matches(std::string_view m) const {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < m.size() && fields.size() < kMaxFields) {
      while (i < m.size() && std::isspace(static_cast<unsigned char>(m[i]))) ++i;
      if (i >= m.size()) break;
      char close = m[i] == '"' ? '"' : m[i] == '[' ? ']' : 0;
      if (close) {
        size_t end = m.find(close, i + 1);
        if (end != std::string_view::npos) {
          fields.push_back(m.substr(i + 1, end - i - 1));
          i = end + 1;
          continue;
        }
      }
      size_t start = i;
      while (i < m.size() && !std::isspace(static_cast<unsigned char>(m[i]))) ++i;
      fields.push_back(m.substr(start, i - start));
    }
    std::map<std::string, std::string_view> bound;
    int budget = 10000;
    return bind(0, fields, 0, bound, budget);
  }
};

bool isNameChar(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '$'; }

std::optional<SpaceDelimitedPattern> parseSpaceDelimited(std::string_view s, std::string* why) {
  Cursor c{s, 0, {}};
  c.eat("[");
  SpaceDelimitedPattern p;
  auto name = [&]() {
    c.skipSpace();
    std::string n;
    while (c.i < c.s.size() && isNameChar(c.s[c.i])) n += c.s[c.i++];
    return n;
  };
  if (!c.eat("]")) {
    do {
      if (p.elements.size() >= kMaxFields) {
        *why = "too many fields";
        return std::nullopt;
      }
      if (c.eat("...")) {
        p.elements.push_back({true, {}});
        continue;
      }
      std::string field = name();
      if (field.empty()) {
        *why = c.error.empty() ? "a field name is missing" : c.error;
        return std::nullopt;
      }
      p.elements.push_back({false, field});
      c.skipSpace();
      if (c.i < c.s.size() && c.s[c.i] != ',' && c.s[c.i] != ']') {
        std::vector<std::vector<FieldCondition>> any_of(1);
        std::string subject = field;  // the first condition tests this field
        while (true) {
          std::optional<Op> op = c.op();
          if (!op) {
            *why = "a comparison operator is missing after '" + subject + "'";
            return std::nullopt;
          }
          std::optional<Value> v = c.value(",]&|");
          if (!v) {
            *why = c.error;
            return std::nullopt;
          }
          if (!v->number && *op != Op::kEq && *op != Op::kNe) {
            *why = "<, >, <= and >= need a number";
            return std::nullopt;
          }
          any_of.back().push_back({subject, *op, std::move(*v)});
          if (c.eat("&&")) {
          } else if (c.eat("||")) {
            any_of.emplace_back();
          } else {
            break;
          }
          subject = name();
          if (subject.empty()) {
            *why = "a field name is missing after && or ||";
            return std::nullopt;
          }
        }
        p.field_conditions.push_back(std::move(any_of));
      }
    } while (c.eat(","));
    if (!c.eat("]")) {
      *why = "a space-delimited pattern must end with ]";
      return std::nullopt;
    }
  }
  if (!c.atEnd()) {
    *why = "nothing may follow the closing ]";
    return std::nullopt;
  }
  for (const auto& any_of : p.field_conditions) {
    for (const auto& all_of : any_of) {
      for (const FieldCondition& fc : all_of) {
        bool named = false;
        for (const auto& e : p.elements) named = named || e.name == fc.field;
        if (!named) {
          *why = "the condition names a field the pattern does not have: " + fc.field;
          return std::nullopt;
        }
      }
    }
  }
  return p;
}

}  // namespace

struct FilterPattern::Impl {
  std::variant<TermPattern, JsonNode, SpaceDelimitedPattern> kind;
};

bool wildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob with one backtrack point: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<FilterPattern> FilterPattern::parse(std::string_view text, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (text.size() > kMaxPatternBytes) {
    *why = "the filter pattern is longer than 1024 characters";
    return std::nullopt;
  }
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text.substr(first) == "\"\"") return FilterPattern(nullptr);
  auto impl = std::make_shared<Impl>();
  if (text[first] == '{') {
    auto json = parseJson(text.substr(first), why);
    if (!json) return std::nullopt;
    impl->kind = std::move(*json);
  } else if (text[first] == '[') {
    auto fields = parseSpaceDelimited(text.substr(first), why);
    if (!fields) return std::nullopt;
    impl->kind = std::move(*fields);
  } else {
    auto terms = parseTerms(text, why);
    if (!terms) return std::nullopt;
    impl->kind = std::move(*terms);
  }
  return FilterPattern(std::move(impl));
}

bool FilterPattern::matches(std::string_view message) const {
  if (!impl_) return true;
  if (const auto* terms = std::get_if<TermPattern>(&impl_->kind)) return terms->matches(message);
  if (const auto* fields = std::get_if<SpaceDelimitedPattern>(&impl_->kind)) return fields->matches(message);
  // JSON patterns match only events whose message is a JSON document.
  nlohmann::json doc = nlohmann::json::parse(message, nullptr, false);
  if (doc.is_discarded()) return false;
  return std::get<JsonNode>(impl_->kind).eval(doc);
}

}  // namespace stratus::logs
