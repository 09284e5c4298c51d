#include "triggers/cli/log_follower.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

namespace stratus::triggers::cli {

using nlohmann::json;

int64_t nowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LogFollower::LogFollower(const Common& common, std::string group, int64_t since_ms, std::string filter)
    : client_(common.endpoint, common.region, "logs"),
      group_(std::move(group)),
      filter_(std::move(filter)),
      since_ms_(since_ms) {}

bool LogFollower::poll(std::ostream& out) {
  if (off_) return false;
  std::string token;
  int64_t newest = since_ms_;
  for (int page = 0; page < 100; ++page) {
    json ask = {{"logGroupName", group_}, {"startTime", since_ms_}};
    if (!filter_.empty()) ask["filterPattern"] = filter_;
    if (!token.empty()) ask["nextToken"] = token;
    ClientResponse r = client_.call(
        "POST", "/", ask.dump(),
        {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "Logs_20140328.FilterLogEvents"}});
    if (r.status == 400 && r.body.find("ResourceNotFoundException") != std::string::npos) return true;  // not yet
    if (r.status != 200) {
      std::cerr << "stratus: the server's logs are not available (" << describeFailure(r, client_.endpoint())
                << ")\n";
      off_ = true;
      return false;
    }
    group_seen_ = true;
    json j = json::parse(r.body, nullptr, false);
    for (const auto& e : j.value("events", json::array())) {
      int64_t ts = e.value("timestamp", int64_t{0});
      if (!seen_.emplace(e.value("eventId", ""), ts).second) continue;
      std::string message = e.value("message", "");
      out << message << (message.empty() || message.back() != '\n' ? "\n" : "");
      newest = std::max(newest, ts);
    }
    token = j.value("nextToken", "");
    if (token.empty()) break;
  }
  // The next poll starts at the newest line seen: lines of the same millisecond may still
  // follow it, and the ids already printed are skipped.
  since_ms_ = newest;
  for (auto it = seen_.begin(); it != seen_.end();) it = it->second < since_ms_ ? seen_.erase(it) : std::next(it);
  out.flush();
  return true;
}

}  // namespace stratus::triggers::cli
