// Picks the version an alias invocation runs: the alias's version, or with probability w the
// one extra version of its RoutingConfig (LAMBDA.md §2). The random source is injected so
// tests can check the split exactly. Not thread-safe.
#pragma once

#include <functional>
#include <random>
#include <string>

#include "scheduler/function_record.h"

namespace stratus::scheduler {

class AliasRouter {
 public:
  // `uniform` returns a value in [0, 1).
  explicit AliasRouter(std::function<double()> uniform);
  AliasRouter();  // seeded from std::random_device

  std::string pick(const AliasRecord& alias);

 private:
  std::function<double()> uniform_;
};

}  // namespace stratus::scheduler
