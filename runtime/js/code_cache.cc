#include "runtime/js/code_cache.h"

#include <functional>

namespace stratus::js {

CodeCache& CodeCache::instance() {
  static CodeCache* cache = new CodeCache();  // leaked: isolates may outlive static destructors
  return *cache;
}

std::string CodeCache::keyFor(std::string_view name, std::string_view source) {
  size_t hash = std::hash<std::string_view>{}(source);
  std::string key(name);
  key += '\0';
  key += std::to_string(source.size());
  key += ':';
  key += std::to_string(hash);
  return key;
}

CodeCache::Bytes CodeCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

void CodeCache::store(const std::string& key, std::vector<uint8_t> bytes, bool replace) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    if (!replace) return;
    bytes_ -= it->second->size();
    entries_.erase(it);
  }
  if (bytes_ + bytes.size() > kMaxBytes) return;
  bytes_ += bytes.size();
  entries_.emplace(key, std::make_shared<const std::vector<uint8_t>>(std::move(bytes)));
}

void CodeCache::drop(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->second->size();
  entries_.erase(it);
}

size_t CodeCache::bytesForTest() {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace stratus::js
