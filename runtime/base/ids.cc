#include "runtime/base/ids.h"

#include <cstdint>
#include <cstdio>
#include <random>

namespace stratus {

namespace {
std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}
}  // namespace

std::string randomHex(size_t len) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(len);
  uint64_t bits = 0;
  int left = 0;
  for (size_t i = 0; i < len; ++i) {
    if (left == 0) {
      bits = rng()();
      left = 16;
    }
    out.push_back(kDigits[bits & 15]);
    bits >>= 4;
    --left;
  }
  return out;
}

std::string uuid4() {
  std::string h = randomHex(32);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace stratus
