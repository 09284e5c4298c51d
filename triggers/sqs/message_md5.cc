#include "triggers/sqs/message_md5.h"

#include "runtime/base/crypto.h"

namespace stratus::sqs {

namespace {

void appendLengthPrefixed(std::string& out, const std::string& bytes) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out += bytes;
}

}  // namespace

std::string md5OfBody(const std::string& body) { return md5Hex(body); }

std::string md5OfAttributes(const MessageAttributes& attributes) {
  if (attributes.empty()) return "";
  std::string buffer;
  for (const auto& [name, value] : attributes) {  // std::map: sorted by name, byte order
    appendLengthPrefixed(buffer, name);
    appendLengthPrefixed(buffer, value.data_type);
    if (value.isBinary()) {
      buffer.push_back(2);
      appendLengthPrefixed(buffer, value.binary_value);
    } else {
      buffer.push_back(1);
      appendLengthPrefixed(buffer, value.string_value);
    }
  }
  return md5Hex(buffer);
}

}  // namespace stratus::sqs
