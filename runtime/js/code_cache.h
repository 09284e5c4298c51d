// Process-wide cache of V8 code caches (ScriptCompiler::CachedData bytes), keyed by a name (a
// file path, or the bootstrap's) and a hash of the source. The first isolate that compiles a
// script pays for parsing and compiling; later isolates of any function with the same file
// deserialize instead, which is most of what a cold start of a big bundle costs.
//
// Threads: any. Entries are immutable once stored and shared by pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stratus::js {

class CodeCache {
 public:
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

  static CodeCache& instance();

  // A key for `source` under `name`: the name, the length and a 64-bit hash of the text. V8
  // itself only re-checks the length, so the hash is what guards against stale entries.
  static std::string keyFor(std::string_view name, std::string_view source);

  Bytes find(const std::string& key);
  // Ignored once the cache holds kMaxBytes. `replace` overwrites an existing entry (a cache
  // made later holds more compiled functions).
  void store(const std::string& key, std::vector<uint8_t> bytes, bool replace = false);
  // V8 rejected the entry (flags or version changed): forget it so it is rebuilt.
  void drop(const std::string& key);

  size_t bytesForTest();

 private:
  static constexpr size_t kMaxBytes = 256u << 20;

  std::mutex mu_;
  std::unordered_map<std::string, Bytes> entries_;  // guarded by mu_
  size_t bytes_ = 0;                                // guarded by mu_
};

}  // namespace stratus::js
