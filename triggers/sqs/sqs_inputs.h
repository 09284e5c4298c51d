// Reads of a decoded SQS input (members already of their model types, sqs_json_protocol.h),
// with absent members as empty values. Pure; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::sqs {

inline std::string textOf(const nlohmann::json& in, const char* key) {
  auto it = in.find(key);
  return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::optional<int64_t> integerOf(const nlohmann::json& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

inline std::vector<std::string> textList(const nlohmann::json& in, const char* key) {
  std::vector<std::string> out;
  auto it = in.find(key);
  if (it == in.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace stratus::sqs
