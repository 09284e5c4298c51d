#include "triggers/cli/logs_command.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "triggers/cli/log_follower.h"

namespace stratus::triggers::cli {

namespace {

std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

}  // namespace

std::optional<int64_t> parseSince(const std::string& text, int64_t now_ms) {
  if (text.empty() || text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.empty() || text.size() > 15) return std::nullopt;
    return std::stoll(text);
  }
  std::string digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  int64_t n = std::stoll(digits);
  switch (text.back()) {
    case 's': return now_ms - n * 1000;
    case 'm': return now_ms - n * 60 * 1000;
    case 'h': return now_ms - n * 3600 * 1000;
    case 'd': return now_ms - n * 86400 * 1000;
    default: return std::nullopt;
  }
}

int runLogs(const Common& common, const LogsArgs& a) {
  auto since = parseSince(a.since, nowEpochMs());
  if (!since) {
    std::cerr << "stratus logs: --since wants 30s, 10m, 2h, 1d or epoch milliseconds, got " << a.since << "\n";
    return 2;
  }
  LambdaClient lambda(common.endpoint, common.region);
  ClientResponse config = lambda.call("GET", functionPath(a.name) + "/configuration");
  if (config.status != 200) {
    std::cerr << "stratus: " << describeFailure(config, lambda.endpoint()) << "\n";
    return 1;
  }
  nlohmann::json c = nlohmann::json::parse(config.body, nullptr, false);
  std::string group = "/aws/lambda/" + c.value("FunctionName", a.name);
  if (c.is_object() && c.contains("LoggingConfig") && c["LoggingConfig"].is_object()) {
    group = c["LoggingConfig"].value("LogGroup", group);
  }
  LogFollower follower(common, group, *since, a.filter);
  if (!follower.poll(std::cout)) return 1;
  if (!a.follow) return 0;
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  while (!g_stop) {
    for (int i = 0; i < 10 && !g_stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!g_stop && !follower.poll(std::cout)) return 1;
  }
  return 0;
}

}  // namespace stratus::triggers::cli
