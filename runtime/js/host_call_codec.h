// The binary bodies of the two messages every warm invocation sends over the isolate host's
// socket (host_protocol.h): "invoke" (server -> host) and "done" (host -> server). They are the
// hot path, so they skip JSON: no escaping of the event and response payloads (which are JSON
// text themselves), no parse tree, the strings decoded straight into the structs the two sides
// use. The rarer messages (create, prestart, dispose, ready, fatal) stay JSON.
//
// A body is binary when its first byte is a tag below (JSON bodies begin with '{'). After the
// tag: integers little-endian (i64 / u64, 8 bytes; u8 flags), doubles as their IEEE-754 bits in
// a u64, strings as a u32 length and the bytes (any bytes: nothing is re-encoded).
//
//   invoke: 0x01 id:i64 seq:i64 timeout_ms:i64 request_id:str event_json:str
//           invoked_function_arn:str client_context_json:str
//   done:   0x02 id:i64 seq:i64 parts:u8 (1: init follows, 2: result follows)
//           [init:result init_ms:f64] [result:result duration_ms:f64]
//   result: outcome:u8 (0 ok, 1 function error, 2 timeout, 3 out of memory) payload:str
//           error_type:str log_line_count:u64 log_line:str... heap_used_bytes:u64 reusable:u8
//
// Decoding checks every length against the body (a short or overlong body, an unknown tag or
// outcome is rejected: a protocol error). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/js/js_function.h"

namespace stratus::js::host {

inline constexpr char kInvokeTag = 0x01;
inline constexpr char kDoneTag = 0x02;

struct InvokeMessage {
  int64_t id = 0;
  int64_t seq = 0;
  int64_t timeout_ms = 3000;
  JsInvokeRequest request;  // deadline_epoch_ms is not sent: the host sets it from timeout_ms
};

// The answer to a prestart or an invoke: the init result when this call initialised the
// sandbox, the invoke result when it invoked.
struct DoneMessage {
  int64_t id = 0;
  int64_t seq = 0;
  std::optional<JsResult> init;
  double init_ms = 0;
  std::optional<JsResult> result;
  double duration_ms = 0;
};

// Whole frames (header included), ready to write.
std::string encodeInvokeFrame(const InvokeMessage& m);
std::string encodeDoneFrame(const DoneMessage& m);

// A frame body (as FrameDecoder gives it) into the message; false when it is not a well-formed
// one of that kind.
bool decodeInvoke(std::string_view body, InvokeMessage* out);
bool decodeDone(std::string_view body, DoneMessage* out);

}  // namespace stratus::js::host
