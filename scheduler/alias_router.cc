#include "scheduler/alias_router.h"

namespace stratus::scheduler {

AliasRouter::AliasRouter(std::function<double()> uniform) : uniform_(std::move(uniform)) {}

AliasRouter::AliasRouter() {
  auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
  uniform_ = [gen] { return std::uniform_real_distribution<double>(0.0, 1.0)(*gen); };
}

std::string AliasRouter::pick(const AliasRecord& alias) {
  if (alias.additional_weights.empty()) return alias.function_version;
  double u = uniform_();
  double acc = 0;
  for (const auto& [version, weight] : alias.additional_weights) {
    acc += weight;
    if (u < acc) return version;
  }
  return alias.function_version;
}

}  // namespace stratus::scheduler
