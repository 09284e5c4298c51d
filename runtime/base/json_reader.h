// Reading JSON text once, in time linear in its length and without recursion, so a hostile
// document can neither overflow the stack nor stall the thread that reads it. Pure; any thread.
//
// One scanner does both jobs: checking that bytes are one JSON value (invoke payloads, which
// are passed on untouched) and building a document (request bodies, which are decoded). Both
// refuse nesting deeper than a limit before any recursion could happen anywhere, refuse invalid
// UTF-8, and describe problems in Jackson's words with a line and column (Lambda's front end
// parses with Jackson: its errors read "... at [Source: REDACTED ...; line: 1, column: 3]").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/base/error.h"

namespace stratus {

// Jackson's default nesting limit (StreamReadConstraints.DEFAULT_MAX_DEPTH since 2.15), which
// a Lambda front end on Jackson >= 2.16 applies unless configured otherwise (unverified).
constexpr size_t kJsonDefaultMaxDepth = 1000;

// "" when `text` is exactly one JSON value (RFC 8259; a UTF-8 byte-order mark before it is
// skipped, as Jackson and nlohmann do) nested at most `max_depth` arrays/objects deep, else a
// description of the first problem. Numbers are checked against the grammar only, so 1e999 is
// valid (JavaScript reads it as Infinity). Escaped lone surrogates ("\ud800") pass, as they do
// in Jackson and JavaScript.
std::string jsonSyntaxError(std::string_view text, size_t max_depth = kJsonDefaultMaxDepth);

// Parses `text` with the same checks, plus: an escaped lone surrogate is an error, so every
// string in the result is valid UTF-8. Integers keep their type when they fit int64 or uint64;
// every other number is a double (+-inf beyond double's range). A repeated key: the last wins.
// The error is InvalidRequestContent with jsonSyntaxError's description as its message.
Result<nlohmann::json> parseJson(std::string_view text, size_t max_depth = kJsonDefaultMaxDepth);

}  // namespace stratus
