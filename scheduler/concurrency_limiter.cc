#include "scheduler/concurrency_limiter.h"

namespace stratus::scheduler {

ConcurrencyLease::~ConcurrencyLease() { limiter_->release(function_, reserved_); }

Result<std::shared_ptr<ConcurrencyLease>> ConcurrencyLimiter::acquire(
    const std::string& function, std::optional<int> reserved) {
  int& mine = in_flight_[function];
  if (reserved) {
    if (mine >= *reserved) {
      return Error{ErrorCode::kTooManyRequests, "Rate Exceeded.",
                   "ReservedFunctionConcurrentInvocationLimitExceeded"};
    }
  } else if (unreserved_in_flight_ >= unreservedLimit()) {
    return Error{ErrorCode::kTooManyRequests, "Rate Exceeded.",
                 "ConcurrentInvocationLimitExceeded"};
  }
  ++mine;
  if (!reserved) ++unreserved_in_flight_;
  return std::make_shared<ConcurrencyLease>(this, function, reserved.has_value());
}

void ConcurrencyLimiter::release(const std::string& function, bool reserved) {
  auto it = in_flight_.find(function);
  if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
  if (!reserved) --unreserved_in_flight_;
}

int ConcurrencyLimiter::inFlight(const std::string& function) const {
  auto it = in_flight_.find(function);
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace stratus::scheduler
