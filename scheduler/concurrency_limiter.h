// Lambda's concurrency quotas (LAMBDA.md §13): an account limit shared by every function
// without reserved concurrency, and reserved concurrency as both a guarantee and a cap.
// A running invocation holds a ConcurrencyLease from start to response. Loop thread only.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/base/error.h"

namespace stratus::scheduler {

class ConcurrencyLimiter;

// Releases its unit when destroyed. Must not outlive the limiter.
class ConcurrencyLease {
 public:
  ConcurrencyLease(ConcurrencyLimiter* limiter, std::string function, bool reserved)
      : limiter_(limiter), function_(std::move(function)), reserved_(reserved) {}
  ~ConcurrencyLease();
  ConcurrencyLease(const ConcurrencyLease&) = delete;
  ConcurrencyLease& operator=(const ConcurrencyLease&) = delete;

 private:
  ConcurrencyLimiter* limiter_;
  std::string function_;
  bool reserved_;
};

class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(int account_limit) : account_limit_(account_limit) {}

  // A unit for one invocation of `function`, whose reserved concurrency is `reserved` (if
  // any), or TooManyRequestsException with Lambda's Reason.
  Result<std::shared_ptr<ConcurrencyLease>> acquire(const std::string& function,
                                                    std::optional<int> reserved);

  // Σ reserved concurrency over all functions: the unreserved pool is what remains.
  void setReservedTotal(int total) { reserved_total_ = total; }
  int accountLimit() const { return account_limit_; }
  int unreservedLimit() const { return account_limit_ - reserved_total_; }
  int inFlight(const std::string& function) const;
  int unreservedInFlight() const { return unreserved_in_flight_; }
  const std::map<std::string, int>& inFlightByFunction() const { return in_flight_; }

 private:
  friend class ConcurrencyLease;
  void release(const std::string& function, bool reserved);

  int account_limit_;
  int reserved_total_ = 0;
  int unreserved_in_flight_ = 0;
  std::map<std::string, int> in_flight_;
};

}  // namespace stratus::scheduler
