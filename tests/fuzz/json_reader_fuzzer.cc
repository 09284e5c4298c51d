// runtime/base/json_reader: the input is JSON text (or not). Checks, besides no crash, no UB,
// no stack overflow at any depth:
//  - the validator and the parser agree: parseJson ok => jsonSyntaxError is ""; a syntax error
//    is parseJson's error message too, as InvalidRequestContent; the only thing the parser
//    refuses beyond the validator is an escaped lone surrogate
//  - the depth limit is a limit and nothing else: what passes at depth 4 passes at 1000, and a
//    refusal at 4 that passes at 1000 names the nesting depth
//  - a differential against nlohmann's own (iterative) parser: same verdict, and the same
//    document when both accept (nlohmann's number-overflow refusals excepted: 1e999 is valid
//    here and Infinity in JavaScript, and texts with a NUL byte, which nlohmann takes for the
//    end of its input)
//  - what it builds is valid UTF-8 and round-trips: dump() then parseJson gives it back.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/base/json_reader.h"

namespace {

using nlohmann::json;
using stratus::parseJson;
using stratus::jsonSyntaxError;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "json_reader invariant broken: %s\ninput (%zu bytes): %.*s\n", what.c_str(),
               input.size(), static_cast<int>(std::min<size_t>(input.size(), 2000)), input.data());
  std::abort();
}

bool hasEscapedSurrogate(std::string_view s) {
  for (size_t i = 0; i + 3 < s.size(); ++i) {
    if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] == 'd' || s[i + 2] == 'D')) {
      char c = s[i + 3];
      if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) return true;
    }
  }
  return false;
}

// Depth-bounded by the caller (documents parseJson built at most 1000 deep).
bool hasNonFinite(const json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_array() || j.is_object()) {
    for (const json& e : j) {
      if (hasNonFinite(e)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string syntax = jsonSyntaxError(text);
  auto parsed = parseJson(text);
  if (parsed.ok() && !syntax.empty()) fail("parsed, yet the validator says: " + syntax, text);
  if (!parsed.ok()) {
    if (parsed.error().code != stratus::ErrorCode::kInvalidRequestContent) fail("error code", text);
    if (parsed.error().message.empty()) fail("empty error message", text);
    // Same words for the same first problem; a lone surrogate before it is the parser's first.
    if (!syntax.empty() && parsed.error().message != syntax && !hasEscapedSurrogate(text)) {
      fail("validator and parser describe it differently: '" + syntax + "' vs '" +
               parsed.error().message + "'",
           text);
    }
    if (syntax.empty() && !hasEscapedSurrogate(text)) {
      fail("the parser refused what the validator passed: " + parsed.error().message, text);
    }
  }

  // The depth limit.
  std::string shallow = jsonSyntaxError(text, 4);
  if (shallow.empty() && !syntax.empty()) fail("passes at depth 4 but not at 1000", text);
  if (!shallow.empty() && syntax.empty() && shallow.find("nesting depth") == std::string::npos) {
    fail("refused at depth 4 for something other than depth: " + shallow, text);
  }
  if (parseJson(text, 4).ok() && !parsed.ok()) fail("parses at depth 4 but not at 1000", text);

  // Differential against nlohmann (its SAX parser is iterative, so any depth is safe here).
  // nlohmann reads a NUL byte as the end of its input (Jackson and we refuse it): skip those.
  if (size <= 64 * 1024 && text.find('\0') == std::string_view::npos) {
    bool theirs_ok = false, theirs_overflow = false;
    json theirs;
    try {
      theirs = json::parse(text);
      theirs_ok = true;
    } catch (const json::out_of_range&) {
      theirs_overflow = true;  // a number beyond double: we accept it as +-inf
    } catch (const json::parse_error&) {
    }
    if (theirs_ok && !parsed.ok()) {
      if (!jsonSyntaxError(text, std::numeric_limits<size_t>::max()).empty()) {
        fail("nlohmann accepts what we refuse: " + parsed.error().message, text);
      }
      // Refused only for its depth: fine.
    }
    if (!theirs_ok && !theirs_overflow && parsed.ok()) fail("we accept what nlohmann refuses", text);
    if (theirs_ok && parsed.ok() && theirs != *parsed) {
      fail("documents differ: ours " + parsed->dump() + " theirs " + theirs.dump(), text);
    }
  }

  if (parsed.ok()) {
    std::string dumped;
    try {
      dumped = parsed->dump();  // strict: throws on invalid UTF-8 in any string
    } catch (const json::exception& e) {
      fail(std::string("the document does not dump: ") + e.what(), text);
    }
    auto again = parseJson(dumped);
    if (!again.ok()) fail("its own dump does not parse: " + again.error().message, text);
    if (*again != *parsed && !hasNonFinite(*parsed)) fail("dump does not round-trip: " + dumped, text);
  }
  return 0;
}
