// The request-target helpers every route goes through: percentDecode and parseQuery
// (runtime/base/http_server.h) and FunctionName / ARN parsing (triggers/function_name.h). The
// input is split at its first two NUL bytes into a path segment, a Qualifier value and a query.
// Checks, besides no crash and no UB:
//  - percentDecode never grows its input, leaves text without '%' (and '+') as is, and undoes
//    full percent-encoding of any bytes; parseQuery undoes an encoded query of any names/values
//    and yields at most one pair per '&'-separated part
//  - parseFunctionRef answers with one of its four documented errors, or a plain name (and a
//    valid qualifier) that it finds again, unchanged, in the ARN it builds from them.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "runtime/base/http_server.h"
#include "triggers/function_name.h"

namespace {

using namespace stratus;
using namespace stratus::triggers;

std::string_view g_input;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "request_target invariant broken: %s\ninput (%zu bytes): %.*s\n", what.c_str(),
               g_input.size(), static_cast<int>(std::min<size_t>(g_input.size(), 2000)), g_input.data());
  std::abort();
}

std::string encodeAll(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool plainName(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

void checkPercent(const std::string& s) {
  for (bool plus : {false, true}) {
    std::string d = percentDecode(s, plus);
    if (d.size() > s.size()) fail("percentDecode grew its input");
    if (s.find('%') == std::string::npos && (!plus || s.find('+') == std::string::npos) && d != s) {
      fail("percentDecode changed text without escapes");
    }
    if (percentDecode(encodeAll(s), plus) != s) fail("percentDecode does not undo encoding");
  }
}

void checkQuery(const std::string& raw) {
  std::multimap<std::string, std::string> q = parseQuery(raw);
  size_t parts = 1;
  for (char c : raw) parts += c == '&';
  if (q.size() > parts) fail("parseQuery yields more pairs than parts");
  // Round trip: the pairs it found, fully encoded, parse back to themselves.
  std::string encoded;
  for (const auto& [k, v] : q) {
    if (!encoded.empty()) encoded += '&';
    encoded += encodeAll(k) + "=" + encodeAll(v);
  }
  std::multimap<std::string, std::string> again = parseQuery(encoded);
  // Empty parts ("&&", a pair with an empty name and no '=') may vanish; compare the rest.
  std::multimap<std::string, std::string> expected;
  for (const auto& [k, v] : q) {
    if (!k.empty() || !v.empty()) expected.emplace(k, v);
  }
  std::multimap<std::string, std::string> got;
  for (const auto& [k, v] : again) {
    if (!k.empty() || !v.empty()) got.emplace(k, v);
  }
  if (got != expected) fail("parseQuery does not undo encoding");
}

void checkFunctionRef(const std::string& raw, const std::string& qualifier) {
  const AccountScope scope{"us-east-1", "000000000000"};
  auto ref = parseFunctionRef(raw, qualifier, scope);
  if (!ref.ok()) {
    const Error& e = ref.error();
    if (e.message.empty()) fail("an error without a message");
    if (e.code != ErrorCode::kValidation && e.code != ErrorCode::kAccessDenied &&
        e.code != ErrorCode::kResourceNotFound && e.code != ErrorCode::kInvalidParameterValue) {
      fail("unexpected error code: " + e.message);
    }
    return;
  }
  if (!plainName(ref->name) || raw.find(ref->name) == std::string::npos) fail("bad name: " + ref->name);
  if (!qualifier.empty() && ref->qualifier != qualifier) fail("the Qualifier parameter was not kept");
  // What it parsed names the same function in every form Lambda accepts.
  const std::string forms[] = {
      ref->qualifier.empty() ? functionArn(scope, ref->name) : qualifiedArn(scope, ref->name, ref->qualifier),
      ref->qualifier.empty() ? ref->name : ref->name + ":" + ref->qualifier,
      scope.account_id + ":function:" + ref->name + (ref->qualifier.empty() ? "" : ":" + ref->qualifier)};
  for (const std::string& form : forms) {
    if (form.size() > 256) continue;  // a long name plus the ARN prefix may pass the limit
    // A Qualifier parameter only the looser pattern allows ("$latest") cannot go in a name.
    auto again = parseFunctionRef(form, "", scope);
    if (!again.ok()) {
      if (ref->qualifier != "$LATEST" && ref->qualifier.find('$') != std::string::npos) continue;
      if (ref->qualifier.size() > 128) continue;
      fail("its own form " + form + " does not parse: " + again.error().message);
    }
    if (again->name != ref->name || again->qualifier != ref->qualifier) fail("form " + form + " parses differently");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  g_input = in;
  size_t a = in.find('\0');
  std::string segment(in.substr(0, a));
  std::string qualifier, query;
  if (a != std::string_view::npos) {
    std::string_view rest = in.substr(a + 1);
    size_t b = rest.find('\0');
    qualifier = std::string(rest.substr(0, b));
    if (b != std::string_view::npos) query = std::string(rest.substr(b + 1));
  }
  checkPercent(segment);
  checkQuery(query.empty() ? segment : query);
  // As a route hands it over: the path segment percent-decoded, the Qualifier from the query.
  checkFunctionRef(percentDecode(segment), qualifier);
  return 0;
}
