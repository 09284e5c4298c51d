#include "runtime/js/host_call_codec.h"

#include <cstring>

#include "runtime/js/host_protocol.h"

namespace stratus::js::host {

namespace {

// Appends to a frame whose 4-byte length is filled in by finish().
class Writer {
 public:
  explicit Writer(size_t reserve) {
    out_.reserve(kFrameHeaderBytes + reserve);
    out_.append(kFrameHeaderBytes, '\0');
  }
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, 8);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void str(const std::string& s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    out_.append(b, 4);
    out_ += s;
  }
  std::string finish() {
    uint32_t n = static_cast<uint32_t>(out_.size() - kFrameHeaderBytes);
    for (int i = 0; i < 4; ++i) out_[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return std::move(out_);
  }

 private:
  std::string out_;
};

// Reads a body; every read checks what is left, and one failure makes ok() false for good.
class Reader {
 public:
  explicit Reader(std::string_view body) : p_(body) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return p_.empty(); }
  uint8_t u8() {
    if (!need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(p_[0]);
    p_.remove_prefix(1);
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(p_[i])} << (8 * i);
    p_.remove_prefix(8);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p_[i])} << (8 * i);
    p_.remove_prefix(4);
    return v;
  }
  void str(std::string* out) {
    uint32_t n = u32();
    if (!need(n)) return;
    out->assign(p_.data(), n);
    p_.remove_prefix(n);
  }

 private:
  bool need(size_t n) {
    if (ok_ && p_.size() >= n) return true;
    ok_ = false;
    return false;
  }
  std::string_view p_;
  bool ok_ = true;
};

constexpr uint8_t kHasInit = 1;
constexpr uint8_t kHasResult = 2;

size_t resultSize(const JsResult& r) {
  size_t n = 32 + r.payload.size() + r.error_type.size();
  for (const auto& line : r.log_lines) n += 4 + line.size();
  return n;
}

void writeResult(Writer& w, const JsResult& r) {
  w.u8(static_cast<uint8_t>(r.outcome == JsOutcome::kOk              ? 0
                            : r.outcome == JsOutcome::kFunctionError ? 1
                            : r.outcome == JsOutcome::kTimeout       ? 2
                                                                     : 3));
  w.str(r.payload);
  w.str(r.error_type);
  w.u64(r.log_lines.size());
  for (const auto& line : r.log_lines) w.str(line);
  w.u64(r.heap_used_bytes);
  w.u8(r.reusable ? 1 : 0);
}

bool readResult(Reader& r, JsResult* out) {
  switch (r.u8()) {
    case 0: out->outcome = JsOutcome::kOk; break;
    case 1: out->outcome = JsOutcome::kFunctionError; break;
    case 2: out->outcome = JsOutcome::kTimeout; break;
    case 3: out->outcome = JsOutcome::kOutOfMemory; break;
    default: return false;
  }
  r.str(&out->payload);
  r.str(&out->error_type);
  uint64_t lines = r.u64();
  // Each line takes at least its 4-byte length: a count beyond that is a lie, not a reserve().
  for (uint64_t i = 0; i < lines && r.ok(); ++i) r.str(&out->log_lines.emplace_back());
  out->heap_used_bytes = r.u64();
  uint8_t reusable = r.u8();
  out->reusable = reusable == 1;
  return r.ok() && reusable <= 1;  // one encoding per value: decode then encode is the identity
}

}  // namespace

std::string encodeInvokeFrame(const InvokeMessage& m) {
  const JsInvokeRequest& q = m.request;
  Writer w(48 + q.request_id.size() + q.event_json.size() + q.invoked_function_arn.size() +
           q.client_context_json.size());
  w.u8(static_cast<uint8_t>(kInvokeTag));
  w.i64(m.id);
  w.i64(m.seq);
  w.i64(m.timeout_ms);
  w.str(q.request_id);
  w.str(q.event_json);
  w.str(q.invoked_function_arn);
  w.str(q.client_context_json);
  return w.finish();
}

bool decodeInvoke(std::string_view body, InvokeMessage* out) {
  Reader r(body);
  if (r.u8() != static_cast<uint8_t>(kInvokeTag)) return false;
  out->id = r.i64();
  out->seq = r.i64();
  out->timeout_ms = r.i64();
  r.str(&out->request.request_id);
  r.str(&out->request.event_json);
  r.str(&out->request.invoked_function_arn);
  r.str(&out->request.client_context_json);
  return r.ok() && r.atEnd();
}

std::string encodeDoneFrame(const DoneMessage& m) {
  Writer w(32 + (m.init ? resultSize(*m.init) : 0) + (m.result ? resultSize(*m.result) : 0));
  w.u8(static_cast<uint8_t>(kDoneTag));
  w.i64(m.id);
  w.i64(m.seq);
  w.u8((m.init ? kHasInit : 0) | (m.result ? kHasResult : 0));
  if (m.init) {
    writeResult(w, *m.init);
    w.f64(m.init_ms);
  }
  if (m.result) {
    writeResult(w, *m.result);
    w.f64(m.duration_ms);
  }
  return w.finish();
}

bool decodeDone(std::string_view body, DoneMessage* out) {
  Reader r(body);
  if (r.u8() != static_cast<uint8_t>(kDoneTag)) return false;
  out->id = r.i64();
  out->seq = r.i64();
  uint8_t parts = r.u8();
  if (!r.ok() || (parts & ~(kHasInit | kHasResult)) != 0) return false;
  if (parts & kHasInit) {
    if (!readResult(r, &out->init.emplace())) return false;
    out->init_ms = r.f64();
  }
  if (parts & kHasResult) {
    if (!readResult(r, &out->result.emplace())) return false;
    out->duration_ms = r.f64();
  }
  return r.ok() && r.atEnd();
}

}  // namespace stratus::js::host
