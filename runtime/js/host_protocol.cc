#include "runtime/js/host_protocol.h"

namespace stratus::js::host {

std::string encodeFrameBody(const std::string& body) {
  std::string frame;
  frame.reserve(kFrameHeaderBytes + body.size());
  uint32_t n = static_cast<uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  frame += body;
  return frame;
}

std::string encodeFrame(const nlohmann::json& message) {
  // Invalid UTF-8 (a handler's log of binary data) is replaced rather than thrown on.
  return encodeFrameBody(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void FrameDecoder::feed(const char* data, size_t size) {
  if (failed_) return;
  // Drop what was consumed before growing, so the buffer holds one frame's worth at most.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > (size_t{1} << 20) && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data, size);
}

std::optional<std::string> FrameDecoder::next() {
  auto view = nextView();
  if (!view) return std::nullopt;
  return std::string(*view);
}

std::optional<std::string_view> FrameDecoder::nextView() {
  if (failed_ || buffered() < kFrameHeaderBytes) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  size_t n = size_t{p[0]} | size_t{p[1]} << 8 | size_t{p[2]} << 16 | size_t{p[3]} << 24;
  if (n > kMaxFrameBytes) {
    failed_ = true;
    return std::nullopt;
  }
  if (buffered() < kFrameHeaderBytes + n) return std::nullopt;
  std::string_view body(buffer_.data() + offset_ + kFrameHeaderBytes, n);
  offset_ += kFrameHeaderBytes + n;
  return body;
}

nlohmann::json toJson(const JsFunctionSpec& s) {
  return {{"task_root", s.task_root},
          {"opt_root", s.opt_root},
          {"handler", s.handler},
          {"env", s.env},
          {"heap_limit_bytes", s.heap_limit_bytes},
          {"function_name", s.function_name},
          {"function_version", s.function_version},
          {"memory_limit_mb", s.memory_limit_mb},
          {"log_group_name", s.log_group_name},
          {"log_stream_name", s.log_stream_name},
          {"defer_housekeeping", s.defer_housekeeping}};
}

JsFunctionSpec functionSpecFromJson(const nlohmann::json& j) {
  JsFunctionSpec s;
  s.task_root = j.value("task_root", "");
  s.opt_root = j.value("opt_root", "");
  s.handler = j.value("handler", "");
  if (auto it = j.find("env"); it != j.end() && it->is_object()) {
    s.env = it->get<std::map<std::string, std::string>>();
  }
  s.heap_limit_bytes = j.value("heap_limit_bytes", s.heap_limit_bytes);
  s.function_name = j.value("function_name", "");
  s.function_version = j.value("function_version", "");
  s.memory_limit_mb = j.value("memory_limit_mb", "");
  s.log_group_name = j.value("log_group_name", "");
  s.log_stream_name = j.value("log_stream_name", "");
  s.defer_housekeeping = j.value("defer_housekeeping", false);
  return s;
}

nlohmann::json toJson(const JsInvokeRequest& r) {
  return {{"request_id", r.request_id},
          {"event_json", r.event_json},
          {"invoked_function_arn", r.invoked_function_arn},
          {"deadline_epoch_ms", r.deadline_epoch_ms},
          {"client_context_json", r.client_context_json}};
}

JsInvokeRequest invokeRequestFromJson(const nlohmann::json& j) {
  JsInvokeRequest r;
  r.request_id = j.value("request_id", "");
  r.event_json = j.value("event_json", "");
  r.invoked_function_arn = j.value("invoked_function_arn", "");
  r.deadline_epoch_ms = j.value("deadline_epoch_ms", int64_t{0});
  r.client_context_json = j.value("client_context_json", "");
  return r;
}

namespace {
const char* outcomeName(JsOutcome o) {
  switch (o) {
    case JsOutcome::kOk: return "ok";
    case JsOutcome::kFunctionError: return "function_error";
    case JsOutcome::kTimeout: return "timeout";
    case JsOutcome::kOutOfMemory: return "out_of_memory";
  }
  return "function_error";
}
JsOutcome outcomeFromName(const std::string& name) {
  if (name == "ok") return JsOutcome::kOk;
  if (name == "timeout") return JsOutcome::kTimeout;
  if (name == "out_of_memory") return JsOutcome::kOutOfMemory;
  return JsOutcome::kFunctionError;
}
}  // namespace

nlohmann::json toJson(const JsResult& r) {
  return {{"outcome", outcomeName(r.outcome)},
          {"payload", r.payload},
          {"error_type", r.error_type},
          {"log_lines", r.log_lines},
          {"heap_used_bytes", r.heap_used_bytes},
          {"reusable", r.reusable}};
}

JsResult resultFromJson(const nlohmann::json& j) {
  JsResult r;
  r.outcome = outcomeFromName(j.value("outcome", ""));
  r.payload = j.value("payload", "");
  r.error_type = j.value("error_type", "");
  if (auto it = j.find("log_lines"); it != j.end() && it->is_array()) {
    r.log_lines = it->get<std::vector<std::string>>();
  }
  r.heap_used_bytes = j.value("heap_used_bytes", uint64_t{0});
  r.reusable = j.value("reusable", false);
  return r;
}

}  // namespace stratus::js::host
