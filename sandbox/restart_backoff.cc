#include "sandbox/restart_backoff.h"

#include <algorithm>

namespace stratus::sandbox {

void RestartBackoff::failed(uint64_t now_ms, std::string why) {
  ++failures_;
  last_failure_ms_ = now_ms;
  last_error_ = std::move(why);
}

uint64_t RestartBackoff::delayMs() const {
  if (failures_ <= 1) return 0;
  uint64_t delay = options_.first_delay_ms;
  for (int i = 2; i < failures_ && delay < options_.max_delay_ms; ++i) delay *= 2;
  return std::min(delay, options_.max_delay_ms);
}

bool RestartBackoff::mayStart(uint64_t now_ms) const {
  if (gaveUp()) return false;
  return failures_ == 0 || now_ms >= nextStartMs();
}

}  // namespace stratus::sandbox
