// The wire protocol between the server and an isolate host (runtime/js/host/, the
// stratus-isolate-host executable that runs the isolate tier's V8 isolates outside the server).
//
// Transport: one AF_UNIX stream socket (the host's fd 3, made by uv_spawn). Each message is a
// frame: a 4-byte little-endian length N followed by N bytes of body. The rare messages' bodies
// are UTF-8 JSON, one object with an "op" string, readable in a trace; the two every warm
// invocation sends, invoke and done, are binary (host_call_codec.h: a tag byte below '{', then
// fixed fields and length-prefixed raw strings), so the hot path neither escapes payloads nor
// builds parse trees. Bodies are small except payloads and logs, which are bounded (6 MB
// responses, 16 MiB of log per call), so a frame over kMaxFrameBytes is a protocol error that
// ends the host. Either side may put several frames in one write.
//
// Server -> host (each names a sandbox by "id", a number the server picks, unique per host):
//   {"op":"create","id":N,"spec":{JsFunctionSpec}}      remember a function; no isolate yet
//   {"op":"prestart","id":N,"seq":S}                    create the isolate and run init
//   invoke (binary): id, seq, timeout_ms, JsInvokeRequest  init first if needed, then invoke
//   {"op":"dispose","id":N}                             stop its JS (if any) and drop it
// Host -> server:
//   {"op":"ready","pid":P}                              sent once, when the host can serve
//   done (binary): id, seq, init JsResult?, init_ms?, result JsResult?, duration_ms?
//                                                       the answer to prestart / invoke
//   {"op":"fatal","id":N}                               V8 is about to abort the host for an
//                                                       out-of-memory in sandbox N (or -1)
// "seq" pairs an answer with its request; a sandbox has at most one request in flight.
//
// Pure functions and a byte-stream decoder; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/js/js_function.h"

namespace stratus::js::host {

inline constexpr size_t kFrameHeaderBytes = 4;
inline constexpr size_t kMaxFrameBytes = size_t{96} << 20;

// The frame of one message: header + body.
std::string encodeFrame(const nlohmann::json& message);
std::string encodeFrameBody(const std::string& body);

// Splits a byte stream into frame bodies. feed() what arrives, then take next() until it says
// none is complete. A header announcing more than kMaxFrameBytes makes failed() true for good.
class FrameDecoder {
 public:
  void feed(const char* data, size_t size);
  // The next complete body, if any.
  std::optional<std::string> next();
  // The same without a copy: the view is valid until the next feed() or next*().
  std::optional<std::string_view> nextView();
  bool failed() const { return failed_; }
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;  // start of the first unconsumed byte
  bool failed_ = false;
};

// JSON forms of the runtime/js values that cross the socket (field names as in the structs).
nlohmann::json toJson(const JsFunctionSpec& spec);
JsFunctionSpec functionSpecFromJson(const nlohmann::json& j);
nlohmann::json toJson(const JsInvokeRequest& request);
JsInvokeRequest invokeRequestFromJson(const nlohmann::json& j);
nlohmann::json toJson(const JsResult& result);
JsResult resultFromJson(const nlohmann::json& j);

}  // namespace stratus::js::host
