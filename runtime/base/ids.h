// Random identifiers. Any thread.
#pragma once

#include <string>

namespace stratus {

std::string uuid4();                // "1b2c...-..." lowercase, RFC 4122 version 4
std::string randomHex(size_t len);  // `len` lowercase hex characters

}  // namespace stratus
