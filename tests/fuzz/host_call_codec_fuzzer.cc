// runtime/js/host_call_codec + the frame decoder of host_protocol: the input is a byte stream as
// the server or a host might receive it. Checks, besides no crash and no UB:
//  - the frame decoder splits it the same whether it arrives whole or a byte at a time;
//  - every body that decodes as an invoke or a done encodes back to exactly the same bytes (one
//    encoding per message: nothing is silently dropped, defaulted or reinterpreted), and no
//    body decodes as both.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/js/host_call_codec.h"
#include "runtime/js/host_protocol.h"

namespace {

using namespace stratus::js::host;

[[noreturn]] void fail(const char* what, std::string_view body) {
  std::fprintf(stderr, "host_call_codec invariant broken: %s (body of %zu bytes)\n", what, body.size());
  std::abort();
}

std::string bodyOfFrame(const std::string& frame) { return frame.substr(kFrameHeaderBytes); }

std::vector<std::string> split(const uint8_t* data, size_t size, size_t chunk) {
  FrameDecoder decoder;
  std::vector<std::string> bodies;
  for (size_t at = 0; at < size; at += chunk) {
    decoder.feed(reinterpret_cast<const char*>(data) + at, std::min(chunk, size - at));
    while (auto body = decoder.next()) bodies.push_back(*body);
  }
  return bodies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The input as one body, and as a stream of frames.
  std::vector<std::string> bodies = {std::string(reinterpret_cast<const char*>(data), size)};
  std::vector<std::string> whole = split(data, size, size ? size : 1);
  if (split(data, size, 1) != whole) fail("the decoder depends on how the stream is split", "");
  bodies.insert(bodies.end(), whole.begin(), whole.end());
  for (const std::string& body : bodies) {
    InvokeMessage invoke;
    DoneMessage done;
    bool is_invoke = decodeInvoke(body, &invoke);
    bool is_done = decodeDone(body, &done);
    if (is_invoke && is_done) fail("a body decodes as both an invoke and a done", body);
    if (is_invoke && bodyOfFrame(encodeInvokeFrame(invoke)) != body) fail("invoke re-encodes differently", body);
    if (is_done && bodyOfFrame(encodeDoneFrame(done)) != body) fail("done re-encodes differently", body);
  }
  return 0;
}
