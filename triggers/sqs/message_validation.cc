#include "triggers/sqs/message_validation.h"

#include "runtime/base/crypto.h"

namespace stratus::sqs {

bool validMessageCharacters(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    uint32_t cp;
    int extra;
    if (*p < 0x80) {
      cp = *p;
      extra = 0;
    } else if ((*p & 0xE0) == 0xC0) {
      cp = *p & 0x1F;
      extra = 1;
    } else if ((*p & 0xF0) == 0xE0) {
      cp = *p & 0x0F;
      extra = 2;
    } else if ((*p & 0xF8) == 0xF0) {
      cp = *p & 0x07;
      extra = 3;
    } else {
      return false;
    }
    if (end - p < extra + 1) return false;  // truncated sequence
    ++p;
    for (int i = 0; i < extra; ++i, ++p) {
      if ((*p & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (*p & 0x3F);
    }
    // Overlong forms and surrogates are not well-formed UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)) return false;
    bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                   (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!allowed) return false;
  }
  return true;
}

SqsError invalidMessageContents() {
  return sqsError(SqsErrorKind::kInvalidMessageContents,
                  "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
                  "#xE000 to #xFFFD | #x10000 to #x10FFFF");
}

namespace {

bool validAttributeName(const std::string& n) {
  if (n.empty() || n.size() > 256) return false;
  if (n.front() == '.' || n.back() == '.' || n.find("..") != std::string::npos) return false;
  if (n.rfind("AWS.", 0) == 0 || n.rfind("Amazon.", 0) == 0) return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

SqsResult<MessageAttributes> parseMessageAttributes(const nlohmann::json& attributes) {
  MessageAttributes out;
  if (!attributes.is_object()) return out;
  if (attributes.size() > 10) {
    return invalidParameter("Number of message attributes [" + std::to_string(attributes.size()) +
                            "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, value] : attributes.items()) {
    if (!validAttributeName(name)) {
      return invalidParameter("Message (user) attribute name '" + name + "' is invalid.");
    }
    AttributeValue v;
    v.data_type = value.value("DataType", std::string());
    if (v.data_type.empty()) {
      return invalidParameter("The message attribute '" + name + "' must contain non-empty message attribute type.");
    }
    std::string base = v.data_type.substr(0, v.data_type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      return invalidParameter("The type of message (user) attribute '" + name +
                              "' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
    }
    if (v.data_type.size() > 256) {
      return invalidParameter("Message (user) attribute '" + name + "' type must be less than 256 characters.");
    }
    if (base == "Binary") {
      std::string encoded = value.value("BinaryValue", std::string());
      std::optional<std::string> raw = base64Decode(encoded);
      if (encoded.empty() || !raw || raw->empty()) {
        return invalidParameter("Message (user) attribute '" + name + "' must contain a non-empty value of type 'Binary'.");
      }
      v.binary_value = std::move(*raw);
    } else {
      v.string_value = value.value("StringValue", std::string());
      if (v.string_value.empty()) {
        return invalidParameter("Message (user) attribute '" + name + "' must contain a non-empty value of type '" +
                                base + "'.");
      }
      if (!validMessageCharacters(v.string_value)) return invalidMessageContents();
      if (base == "Number") {
        // SQS takes numbers of up to 38 significant digits, from -10^128 to 10^126.
        const std::string& s = v.string_value;
        size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
        bool digits = false, bad = i >= s.size();
        for (bool dot = false, exp = false; i < s.size() && !bad; ++i) {
          char c = s[i];
          if (c >= '0' && c <= '9') {
            digits = true;
          } else if (c == '.' && !dot && !exp) {
            dot = true;
          } else if ((c == 'e' || c == 'E') && digits && !exp) {
            exp = true;
            if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
          } else {
            bad = true;
          }
        }
        if (bad || !digits) {
          return invalidParameter("Can't cast the value of message (user) attribute '" + name + "' to a number.");
        }
      }
    }
    out[name] = std::move(v);
  }
  return out;
}

size_t messageSize(const std::string& body, const MessageAttributes& attributes) {
  size_t n = body.size();
  for (const auto& [name, v] : attributes) {
    n += name.size() + v.data_type.size() + (v.isBinary() ? v.binary_value.size() : v.string_value.size());
  }
  return n;
}

bool validBatchEntryId(const std::string& id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace stratus::sqs
