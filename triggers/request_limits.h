// How large a request body each operation may send, and the 413 Lambda answers past it. The
// HTTP server refuses a larger body before reading it (HttpServerOptions::body_limit), so a
// 70 MB body cannot be spent on an operation whose valid bodies are a few kilobytes. Pure.
//
//   code uploads (CreateFunction, UpdateFunctionCode, PublishLayerVersion, Stratus's layer
//   import): a 50 MB zip as base64 inside JSON, 70167211 bytes, AWS's figure
//   Invoke: its payload limit, 6 MB sync and 1 MB Event (LAMBDA.md §9); InvokeAsync: 1 MB
//   every other operation: 1 MiB, far above any valid body (Environment is capped at 4 KB,
//   50 tags at 384 bytes each)
#pragma once

#include <cstdint>
#include <string>

#include "runtime/base/error.h"

namespace stratus::triggers {

inline constexpr uint64_t kMaxRequestBytes = 70167211;  // the largest body anything reads
inline constexpr uint64_t kSyncPayloadMax = 6291456;
inline constexpr uint64_t kAsyncPayloadMax = 1048576;
inline constexpr uint64_t kControlRequestMax = 1048576;
// SQS requests: a 1 MiB message (or batch) JSON-escaped or percent-encoded, with room.
inline constexpr uint64_t kSqsRequestMax = 4 * 1048576;

struct BodyLimit {
  uint64_t bytes = kMaxRequestBytes;
  std::string operation;  // as the 413 names it ("InvokeFunction" for Invoke)
  bool event = false;     // an asynchronous invoke: its 413 counts the payload's bytes
};

// The limit for `operation` (the model's name; "" for Stratus's own routes, which are code
// uploads or bodiless). `event`: an Invoke whose X-Amz-Invocation-Type is Event.
BodyLimit bodyLimitFor(const std::string& operation, bool event);

// Lambda's 413 for a body of `size` bytes (0: unknown, chunked) over `limit`.
Error tooLargeError(const BodyLimit& limit, uint64_t size);

}  // namespace stratus::triggers
