// The ArrayBuffer allocator of one isolate. ArrayBuffer memory lives outside the V8 heap, so
// the heap limit does not bound it: this allocator refuses (V8 then throws a RangeError) once
// the isolate's buffers would exceed `limit_bytes`, so `Buffer.alloc(1e10)` fails in JS instead
// of taking the host's memory.
//
// Threads: any (V8 may free buffers from GC threads).
#pragma once

#include <v8-array-buffer.h>

#include <atomic>
#include <cstddef>
#include <memory>

namespace stratus::js {

class LimitedAllocator final : public v8::ArrayBuffer::Allocator {
 public:
  explicit LimitedAllocator(size_t limit_bytes);
  ~LimitedAllocator() override;

  void* Allocate(size_t length) override;
  void* AllocateUninitialized(size_t length) override;
  void Free(void* data, size_t length) override;

  size_t usedBytes() const { return used_.load(std::memory_order_relaxed); }

 private:
  bool reserve(size_t length);

  const size_t limit_;
  std::atomic<size_t> used_{0};
};

}  // namespace stratus::js
