// Checking that bytes are JSON without building a document. Any thread.
#pragma once

#include <string>
#include <string_view>

namespace stratus {

// Empty when `text` is one valid JSON value (RFC 8259), else the parser's description of the
// first problem. Numbers too large for a double are valid JSON (JavaScript reads them as
// Infinity), unlike nlohmann's default parse, which refuses them.
std::string jsonSyntaxError(std::string_view text);

}  // namespace stratus
