#include "sandbox/child_spawn.h"

#include <sched.h>

namespace stratus::sandbox {

std::vector<char*> cStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

BatchSchedulingScope::BatchSchedulingScope() {
  int policy = sched_getscheduler(0);
  if (policy != SCHED_OTHER) return;  // a server run under a real-time or idle policy keeps it
  sched_param param{};
  if (sched_setscheduler(0, SCHED_BATCH, &param) == 0) policy_ = policy;
}

BatchSchedulingScope::~BatchSchedulingScope() {
  if (policy_ < 0) return;
  sched_param param{};
  (void)sched_setscheduler(0, policy_, &param);
}

namespace {

struct OwnedWrite {
  uv_write_t req;
  std::string bytes;
  std::function<void()> failed;
};

}  // namespace

int writeOwned(uv_stream_t* stream, std::string bytes, std::function<void()> failed) {
  auto* w = new OwnedWrite{{}, std::move(bytes), std::move(failed)};
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, stream, &buf, 1, [](uv_write_t* req, int status) {
    auto* done = reinterpret_cast<OwnedWrite*>(req);
    if (status < 0 && status != UV_ECANCELED && done->failed) done->failed();
    delete done;
  });
  if (rc != 0) delete w;
  return rc;
}

}  // namespace stratus::sandbox
