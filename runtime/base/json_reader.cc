#include "runtime/base/json_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace stratus {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// True when none of the 8 bytes in `w` needs a closer look inside a string: no '"', no '\\',
// no control character, nothing outside ASCII (which must be checked as UTF-8).
inline bool plainWord(uint64_t w) {
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  uint64_t special = has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) |
                     ((w - kOnes * 0x20) & ~w & kHighs) | (w & kHighs);
  return special == 0;
}

inline bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }

int hexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string hexByte(unsigned char c) {
  static const char* kDigits = "0123456789abcdef";
  return std::string("0x") + kDigits[c >> 4] + kDigits[c & 15];
}

// A number the grammar accepted but that fits no integer type and no finite double: +-inf
// when its magnitude is too large, +-0 when too small (decided from the digits and exponent,
// never by a conversion whose cost grows with a long lexeme).
double outOfRange(std::string_view lexeme) {
  bool negative = !lexeme.empty() && lexeme[0] == '-';
  size_t i = negative ? 1 : 0;
  bool seen = false;
  int64_t int_digits = 0, leading_fraction_zeros = 0;
  while (i < lexeme.size() && isDigit(lexeme[i])) {
    if (lexeme[i] != '0' || seen) {
      seen = true;
      ++int_digits;
    }
    ++i;
  }
  if (i < lexeme.size() && lexeme[i] == '.') {
    ++i;
    while (i < lexeme.size() && isDigit(lexeme[i])) {
      if (!seen && lexeme[i] == '0') ++leading_fraction_zeros;
      else seen = true;
      ++i;
    }
  }
  int64_t exponent = 0;
  if (i < lexeme.size() && (lexeme[i] == 'e' || lexeme[i] == 'E')) {
    ++i;
    bool neg_exp = i < lexeme.size() && lexeme[i] == '-';
    if (i < lexeme.size() && (lexeme[i] == '-' || lexeme[i] == '+')) ++i;
    while (i < lexeme.size() && isDigit(lexeme[i])) {
      if (exponent < (int64_t{1} << 40)) exponent = exponent * 10 + (lexeme[i] - '0');
      ++i;
    }
    if (neg_exp) exponent = -exponent;
  }
  // The decimal exponent of the first significant digit.
  int64_t magnitude = (int_digits > 0 ? int_digits - 1 : -(leading_fraction_zeros + 1)) + exponent;
  double v = magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return negative ? -v : v;
}

nlohmann::json numberValue(std::string_view lexeme, bool integer) {
  const char* first = lexeme.data();
  const char* last = lexeme.data() + lexeme.size();
  if (integer) {
    int64_t i = 0;
    auto r = std::from_chars(first, last, i);
    if (r.ec == std::errc() && r.ptr == last) return i;
    if (lexeme[0] != '-') {
      uint64_t u = 0;
      r = std::from_chars(first, last, u);
      if (r.ec == std::errc() && r.ptr == last) return u;
    }
  }
  double d = 0;
  auto r = std::from_chars(first, last, d);
  if (r.ec == std::errc() && r.ptr == last) return d;
  return outOfRange(lexeme);
}

// One pass over the text with an explicit stack of open containers. kBuild also builds the
// document; without it nothing is allocated but that stack.
template <bool kBuild>
class Scanner {
 public:
  Scanner(std::string_view text, size_t max_depth)
      : s_(reinterpret_cast<const unsigned char*>(text.data())),
        n_(text.size()),
        max_depth_(max_depth) {}

  bool run() {
    if (n_ >= 3 && s_[0] == 0xEF && s_[1] == 0xBB && s_[2] == 0xBF) i_ = 3;
    skipWs();
    if (i_ >= n_) return fail("No content to map due to end-of-input");
    for (;;) {
      Step step = value();
      if (step == kError) return false;
      if (step == kNeedValue) continue;
      // A value is complete: close what it completes, or move on to the next one.
      for (;;) {
        skipWs();
        if (kinds_.empty()) {
          if (i_ < n_) return unexpected("expected end-of-input after the JSON value");
          return true;
        }
        if (i_ >= n_) {
          return fail(std::string("Unexpected end-of-input: expected close marker for ") +
                      (kinds_.back() == 'a' ? "Array" : "Object"));
        }
        unsigned char c = s_[i_];
        if (kinds_.back() == 'a') {
          if (c == ']') {
            ++i_;
            close();
            continue;
          }
          if (c != ',') return unexpected("was expecting comma to separate Array entries");
          ++i_;
          break;
        }
        if (c == '}') {
          ++i_;
          close();
          continue;
        }
        if (c != ',') return unexpected("was expecting comma to separate Object entries");
        ++i_;
        if (!member()) return false;
        break;
      }
    }
  }

  const std::string& error() const { return error_; }
  nlohmann::json take() { return std::move(root_); }

 private:
  enum Step { kError, kComplete, kNeedValue };

  void skipWs() {
    while (i_ < n_) {
      unsigned char c = s_[i_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++i_;
    }
  }

  // A value starts here (after optional whitespace).
  Step value() {
    skipWs();
    if (i_ >= n_) {
      fail("Unexpected end-of-input: expected a value");
      return kError;
    }
    switch (s_[i_]) {
      case '[':
        if (!open('a', nlohmann::json::array())) return kError;
        skipWs();
        if (i_ < n_ && s_[i_] == ']') {
          ++i_;
          close();
          return kComplete;
        }
        return kNeedValue;
      case '{':
        if (!open('o', nlohmann::json::object())) return kError;
        skipWs();
        if (i_ < n_ && s_[i_] == '}') {
          ++i_;
          close();
          return kComplete;
        }
        return member() ? kNeedValue : kError;
      case '"': {
        std::string text;
        if (!string(kBuild ? &text : nullptr)) return kError;
        if constexpr (kBuild) attach(nlohmann::json(std::move(text)));
        return kComplete;
      }
      case 't':
        return literal("true", true) ? kComplete : kError;
      case 'f':
        return literal("false", false) ? kComplete : kError;
      case 'n':
        return literal("null", nullptr) ? kComplete : kError;
      default:
        if (s_[i_] == '-' || isDigit(s_[i_])) return number() ? kComplete : kError;
        unexpected(
            "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' "
            "or 'false')");
        return kError;
    }
  }

  // After '{' or ',' in an object: the member's name and its colon.
  bool member() {
    skipWs();
    if (i_ >= n_) return fail("Unexpected end-of-input: expected a field name");
    if (s_[i_] != '"') return unexpected("was expecting double-quote to start field name");
    std::string* key = nullptr;
    if constexpr (kBuild) {
      keys_.back().clear();
      key = &keys_.back();
    }
    if (!string(key)) return false;
    skipWs();
    if (i_ >= n_) return fail("Unexpected end-of-input: expected a colon");
    if (s_[i_] != ':') return unexpected("was expecting a colon to separate field name and value");
    ++i_;
    return true;
  }

  bool open(char kind, nlohmann::json empty) {
    if (kinds_.size() >= max_depth_) {
      return fail("Document nesting depth (" + std::to_string(kinds_.size() + 1) +
                  ") exceeds the maximum allowed (" + std::to_string(max_depth_) +
                  ", from `StreamReadConstraints.getMaxNestingDepth()`)");
    }
    ++i_;
    kinds_.push_back(kind);
    if constexpr (kBuild) {
      containers_.push_back(attach(std::move(empty)));
      keys_.emplace_back();
    }
    return true;
  }

  void close() {
    kinds_.pop_back();
    if constexpr (kBuild) {
      containers_.pop_back();
      keys_.pop_back();
    }
  }

  // Places a finished value (or a container about to be filled) where it belongs.
  nlohmann::json* attach(nlohmann::json&& v) {
    if (containers_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    nlohmann::json* top = containers_.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    nlohmann::json& slot = (*top)[keys_.back()];
    slot = std::move(v);
    return &slot;
  }

  template <typename V>
  bool literal(const char* word, V v) {
    size_t len = std::strlen(word);
    if (n_ - i_ >= len && std::memcmp(s_ + i_, word, len) == 0) {
      i_ += len;
      if constexpr (kBuild) attach(nlohmann::json(v));
      return true;
    }
    size_t end = i_;
    while (end < n_ && end - i_ < 32 && (std::isalnum(s_[end]) || s_[end] == '_')) ++end;
    if (end < n_ && s_[end] >= 0x80 && end - i_ < 32) {
      i_ = end;
      return utf8Length() != 0 && fail("Unexpected character in token");
    }
    std::string token(reinterpret_cast<const char*>(s_ + i_), std::max<size_t>(end - i_, 1));
    return fail("Unrecognized token '" + token +
                "': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or "
                "'false')");
  }

  bool number() {
    size_t start = i_;
    bool integer = true;
    if (s_[i_] == '-') ++i_;
    if (i_ >= n_) return fail("Unexpected end-of-input in a Number value");
    if (s_[i_] == '0') {
      ++i_;
      if (i_ < n_ && isDigit(s_[i_])) return fail("Invalid numeric value: Leading zeroes not allowed");
    } else if (isDigit(s_[i_])) {
      while (i_ < n_ && isDigit(s_[i_])) ++i_;
    } else {
      return unexpected("expected digit (0-9) to follow minus sign, for valid numeric value");
    }
    if (i_ < n_ && s_[i_] == '.') {
      integer = false;
      ++i_;
      if (i_ >= n_) return fail("Unexpected end-of-input in a Number value");
      if (!isDigit(s_[i_])) return unexpected("Decimal point not followed by a digit");
      while (i_ < n_ && isDigit(s_[i_])) ++i_;
    }
    if (i_ < n_ && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integer = false;
      ++i_;
      if (i_ < n_ && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= n_) return fail("Unexpected end-of-input in a Number value");
      if (!isDigit(s_[i_])) return unexpected("Exponent indicator not followed by a digit");
      while (i_ < n_ && isDigit(s_[i_])) ++i_;
    }
    if constexpr (kBuild) {
      std::string_view lexeme(reinterpret_cast<const char*>(s_ + start), i_ - start);
      attach(numberValue(lexeme, integer));
    }
    return true;
  }

  // The length of the well-formed UTF-8 sequence at i_ (RFC 3629: no overlongs, no encoded
  // surrogates, nothing above U+10FFFF), or 0 after failing.
  size_t utf8Length() {
    unsigned char c = s_[i_];
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      fail("Invalid UTF-8 start byte " + hexByte(c));
      return 0;
    }
    if (n_ - i_ < len) {
      i_ = n_;
      fail("Unexpected end-of-input in VALUE_STRING");
      return 0;
    }
    for (size_t k = 1; k < len; ++k) {
      unsigned char b = s_[i_ + k];
      bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
      if (!ok) {
        i_ += k;
        fail("Invalid UTF-8 middle byte " + hexByte(b));
        return 0;
      }
    }
    return len;
  }

  // At '"': consumes the string; appends its decoded content to `out` when given.
  bool string(std::string* out) {
    ++i_;
    size_t run = i_;
    auto flush = [&] {
      if (out && i_ > run) out->append(reinterpret_cast<const char*>(s_ + run), i_ - run);
    };
    for (;;) {
      while (n_ - i_ >= 8) {
        uint64_t w;
        std::memcpy(&w, s_ + i_, 8);
        if (!plainWord(w)) break;
        i_ += 8;
      }
      if (i_ >= n_) return fail("Unexpected end-of-input in VALUE_STRING");
      unsigned char c = s_[i_];
      if (c == '"') {
        flush();
        ++i_;
        return true;
      }
      if (c == '\\') {
        flush();
        if (!escape(out)) return false;
        run = i_;
        continue;
      }
      if (c < 0x20) {
        return fail("Illegal unquoted character ((CTRL-CHAR, code " + std::to_string(c) +
                    ")): has to be escaped using backslash to be included in string value");
      }
      if (c < 0x80) {
        ++i_;
        continue;
      }
      size_t len = utf8Length();
      if (len == 0) return false;
      i_ += len;
    }
  }

  bool hex4(size_t at, uint32_t& cp) {
    if (n_ - at < 4) {
      i_ = n_;
      return fail("Unexpected end-of-input within/between String entries");
    }
    cp = 0;
    for (size_t k = 0; k < 4; ++k) {
      int h = hexValue(s_[at + k]);
      if (h < 0) {
        i_ = at + k;
        return unexpected("expected a hex-digit for character escape sequence");
      }
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    return true;
  }

  // At '\\' inside a string.
  bool escape(std::string* out) {
    if (n_ - i_ < 2) {
      i_ = n_;
      return fail("Unexpected end-of-input in VALUE_STRING");
    }
    unsigned char e = s_[i_ + 1];
    char plain = 0;
    switch (e) {
      case '"': plain = '"'; break;
      case '\\': plain = '\\'; break;
      case '/': plain = '/'; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': break;
      default:
        ++i_;
        if (e >= 0x20 && e < 0x7F) {
          return fail(std::string("Unrecognized character escape '") + static_cast<char>(e) +
                      "' (code " + std::to_string(e) + ")");
        }
        return fail("Unrecognized character escape (CTRL-CHAR, code " + std::to_string(e) + ")");
    }
    if (plain) {
      if (out) *out += plain;
      i_ += 2;
      return true;
    }
    uint32_t cp = 0;
    if (!hex4(i_ + 2, cp)) return false;
    size_t used = 6;
    bool lone = false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (n_ - i_ >= 12 && s_[i_ + 6] == '\\' && s_[i_ + 7] == 'u' && hex4(i_ + 8, low) &&
          low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        used = 12;
      } else {
        if (!error_.empty()) return false;  // a bad hex digit in the second escape
        lone = true;
      }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      lone = true;
    }
    if (lone && kBuild) return fail("Invalid \\u escape: unpaired UTF-16 surrogate");
    if (out) appendUtf8(*out, cp);
    i_ += used;
    return true;
  }

  bool unexpected(const std::string& what) {
    unsigned char c = s_[i_];
    std::string shown = c >= 0x20 && c < 0x7F
                            ? "'" + std::string(1, static_cast<char>(c)) + "' (code " +
                                  std::to_string(c) + ")"
                            : "(CTRL-CHAR, code " + std::to_string(c) + ")";
    return fail("Unexpected character (" + shown + "): " + what);
  }

  // Records the first problem with where it is, as Jackson words locations; always false.
  bool fail(const std::string& what) {
    if (!error_.empty()) return false;
    size_t at = std::min(i_, n_);
    size_t line = 1, line_start = 0;
    const unsigned char* p = s_;
    const unsigned char* end = s_ + at;
    while ((p = static_cast<const unsigned char*>(std::memchr(p, '\n', end - p))) != nullptr) {
      ++line;
      ++p;
      line_start = p - s_;
    }
    error_ = what + "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
                    "disabled); line: " + std::to_string(line) +
             ", column: " + std::to_string(at - line_start + 1) + "]";
    return false;
  }

  const unsigned char* s_;
  size_t n_;
  size_t i_ = 0;
  size_t max_depth_;
  std::string error_;
  std::vector<char> kinds_;  // 'a' or 'o' for each open container
  // Building only: the open containers (stable addresses: see attach) and each one's
  // current member name.
  std::vector<nlohmann::json*> containers_;
  std::vector<std::string> keys_;
  nlohmann::json root_;
};

}  // namespace

std::string jsonSyntaxError(std::string_view text, size_t max_depth) {
  Scanner<false> scanner(text, max_depth);
  if (scanner.run()) return "";
  return scanner.error();
}

Result<nlohmann::json> parseJson(std::string_view text, size_t max_depth) {
  Scanner<true> scanner(text, max_depth);
  if (!scanner.run()) return Error{ErrorCode::kInvalidRequestContent, scanner.error(), {}};
  return scanner.take();
}

}  // namespace stratus
