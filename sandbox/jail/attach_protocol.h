// The messages between the server (sandbox/attach_helper.h) and the long-lived attach helper
// (`stratus-jail attach`, attach.h) on their socket. Header-only: the jail helper links libc
// and libcgroup only.
//
// Every message is a frame: a 4-byte length in host byte order (both ends are on one machine)
// and that many bytes of fields, each ended by a NUL (paths cannot hold a NUL, so no escaping).
//   request: id, pid, then SRC, DST for each tree to mount (at least one pair)
//   answer:  id, "ok"
//            id, "error", step, path, message   (e.g. "move_mount", "/var/task", "ENOENT text")
// The helper answers requests one at a time, in order; the id lets the server tell which. Its
// first message, once it can serve, is the hello: id 0, "ok" (requests are numbered from 1).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::sandbox::jail {

// Larger frames are refused (a request carries a pid and a few paths).
inline constexpr uint32_t kMaxAttachFrame = 64 * 1024;

struct AttachBind {
  std::string src;  // a host directory
  std::string dst;  // where it goes in the jail (absolute, must exist there)
};

struct AttachRequest {
  uint64_t id = 0;
  long pid = 0;  // a process in the jail's mount namespace (its outer helper)
  std::vector<AttachBind> binds;
};

struct AttachAnswer {
  uint64_t id = 0;
  bool ok = false;
  std::string step, path, message;  // when !ok

  // "move_mount /var/task: No such file or directory"
  std::string text() const { return ok ? "ok" : step + " " + path + ": " + message; }
};

namespace attach_wire {

inline std::string frame(const std::vector<std::string>& fields) {
  std::string body;
  for (const std::string& f : fields) {
    body += f;
    body += '\0';
  }
  uint32_t n = static_cast<uint32_t>(body.size());
  std::string out(sizeof n, '\0');
  std::memcpy(out.data(), &n, sizeof n);
  return out + body;
}

// Splits a frame's body into its fields; nullopt if it does not end with a NUL.
inline std::optional<std::vector<std::string>> fields(std::string_view body) {
  if (body.empty() || body.back() != '\0') return std::nullopt;
  std::vector<std::string> out;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\0', at);
    out.emplace_back(body.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

inline bool parseNumber(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// The length a frame header announces, once `buffer` holds the 4 bytes.
inline std::optional<uint32_t> announcedLength(std::string_view buffer) {
  if (buffer.size() < sizeof(uint32_t)) return std::nullopt;
  uint32_t n = 0;
  std::memcpy(&n, buffer.data(), sizeof n);
  return n;
}

}  // namespace attach_wire

inline std::string encodeAttachRequest(const AttachRequest& r) {
  std::vector<std::string> f = {std::to_string(r.id), std::to_string(r.pid)};
  for (const AttachBind& b : r.binds) {
    f.push_back(b.src);
    f.push_back(b.dst);
  }
  return attach_wire::frame(f);
}

inline std::string encodeAttachAnswer(const AttachAnswer& a) {
  if (a.ok) return attach_wire::frame({std::to_string(a.id), "ok"});
  return attach_wire::frame({std::to_string(a.id), "error", a.step, a.path, a.message});
}

// A request's body (the frame without its length); nullopt when malformed: fields missing or
// odd, a pid that is not a number above 1, a DST that is not absolute. `id` is set whenever the
// first field is a number, so even a refusal can name the request.
inline std::optional<AttachRequest> decodeAttachRequest(std::string_view body, uint64_t* id) {
  auto f = attach_wire::fields(body);
  if (!f || f->empty() || !attach_wire::parseNumber((*f)[0], id)) return std::nullopt;
  if (f->size() < 4 || f->size() % 2 != 0) return std::nullopt;
  AttachRequest r;
  r.id = *id;
  uint64_t pid = 0;
  if (!attach_wire::parseNumber((*f)[1], &pid) || pid <= 1 || pid > (1u << 22)) return std::nullopt;
  r.pid = static_cast<long>(pid);
  for (size_t i = 2; i < f->size(); i += 2) {
    const std::string &src = (*f)[i], &dst = (*f)[i + 1];
    if (src.empty() || dst.empty() || dst[0] != '/') return std::nullopt;
    r.binds.push_back({src, dst});
  }
  return r;
}

inline std::optional<AttachAnswer> decodeAttachAnswer(std::string_view body) {
  auto f = attach_wire::fields(body);
  AttachAnswer a;
  if (!f || f->size() < 2 || !attach_wire::parseNumber((*f)[0], &a.id)) return std::nullopt;
  if ((*f)[1] == "ok" && f->size() == 2) {
    a.ok = true;
    return a;
  }
  if ((*f)[1] != "error" || f->size() != 5) return std::nullopt;
  a.step = (*f)[2];
  a.path = (*f)[3];
  a.message = (*f)[4];
  return a;
}

}  // namespace stratus::sandbox::jail
