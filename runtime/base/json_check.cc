#include "runtime/base/json_check.h"

#include <nlohmann/json.hpp>

namespace stratus {

namespace {

// A SAX consumer that keeps nothing: it only remembers why parsing stopped.
class SyntaxOnly : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    overflow = ex.id == 406;  // "number overflow": syntactically fine
    overflow_end = position;
    overflow_len = last_token.size();
    message = ex.what();
    return false;
  }

  bool overflow = false;
  std::size_t overflow_end = 0;
  std::size_t overflow_len = 0;
  std::string message;
};

}  // namespace

std::string jsonSyntaxError(std::string_view text) {
  std::string patched;
  std::string_view current = text;
  // Each pass neutralises one overflowing number (same length, so positions hold) and
  // checks again; a document is rarely more than a few such numbers.
  for (int pass = 0; pass < 1000; ++pass) {
    SyntaxOnly sax;
    if (nlohmann::json::sax_parse(current.begin(), current.end(), &sax)) return "";
    if (!sax.overflow || sax.overflow_len == 0 || sax.overflow_end < sax.overflow_len ||
        sax.overflow_end > current.size()) {
      return sax.message;
    }
    if (patched.empty()) patched.assign(text);
    size_t start = sax.overflow_end - sax.overflow_len;
    patched.replace(start, sax.overflow_len, sax.overflow_len, ' ');
    patched[start] = '0';
    current = patched;
  }
  return "too many numbers out of range";
}

}  // namespace stratus
