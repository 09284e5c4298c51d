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

}  // namespace stratus::sandbox
