#include "runtime/js/limited_allocator.h"

#include <cstdlib>
#include <cstring>

namespace stratus::js {

LimitedAllocator::LimitedAllocator(size_t limit_bytes) : limit_(limit_bytes) {}

LimitedAllocator::~LimitedAllocator() = default;

bool LimitedAllocator::reserve(size_t length) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (length > limit_ || used > limit_ - length) return false;
  } while (!used_.compare_exchange_weak(used, used + length, std::memory_order_relaxed));
  return true;
}

void* LimitedAllocator::Allocate(size_t length) {
  if (!reserve(length)) return nullptr;
  void* data = std::calloc(length == 0 ? 1 : length, 1);
  if (data == nullptr) used_.fetch_sub(length, std::memory_order_relaxed);
  return data;
}

void* LimitedAllocator::AllocateUninitialized(size_t length) {
  if (!reserve(length)) return nullptr;
  void* data = std::malloc(length == 0 ? 1 : length);
  if (data == nullptr) used_.fetch_sub(length, std::memory_order_relaxed);
  return data;
}

void LimitedAllocator::Free(void* data, size_t length) {
  if (data == nullptr) return;
  std::free(data);
  used_.fetch_sub(length, std::memory_order_relaxed);
}

}  // namespace stratus::js
