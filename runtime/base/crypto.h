// Hashing and encodings from OpenSSL's libcrypto. Any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus {

std::string sha256Raw(std::string_view data);  // 32 raw bytes
std::string sha256Hex(std::string_view data);  // 64 lowercase hex chars
std::string md5Hex(std::string_view data);
std::string hmacSha256Raw(std::string_view key, std::string_view data);  // 32 raw bytes
// Compares in time independent of where they differ (signatures, tokens).
bool constantTimeEquals(std::string_view a, std::string_view b);
std::string hexEncode(std::string_view raw);
std::string base64Encode(std::string_view raw);
// Standard alphabet, padding required as AWS sends it; nullopt on anything malformed.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace stratus
