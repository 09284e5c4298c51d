#include "triggers/logs/platform_records.h"

#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"

namespace stratus::logs {

namespace {

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// "REPORT RequestId: x\tDuration: 1.00 ms\t..." -> {"RequestId": "x", "Duration": "1.00 ms", ...}
std::map<std::string, std::string> fields(const std::string& line, size_t skip) {
  std::map<std::string, std::string> out;
  size_t i = skip;
  while (i < line.size()) {
    size_t tab = line.find('\t', i);
    std::string part = line.substr(i, tab == std::string::npos ? std::string::npos : tab - i);
    while (!part.empty() && (part.back() == '\n' || part.back() == ' ')) part.pop_back();
    size_t colon = part.find(": ");
    if (colon != std::string::npos) out[part.substr(0, colon)] = part.substr(colon + 2);
    if (tab == std::string::npos) break;
    i = tab + 1;
  }
  return out;
}

// "1.23 ms" -> 1.23; "128 MB" -> 128.
double number(const std::string& v) { return std::strtod(v.c_str(), nullptr); }

std::string status(const std::map<std::string, std::string>& f) {
  auto it = f.find("Status");
  return it == f.end() ? "success" : it->second == "error" ? "error" : it->second;
}

}  // namespace

std::vector<TimedLine> asJsonPlatformRecords(std::vector<TimedLine> lines, const std::string& system_log_level) {
  bool warn_only = system_log_level == "WARN";
  std::vector<TimedLine> out;
  out.reserve(lines.size());
  for (TimedLine& l : lines) {
    const std::string& m = l.message;
    nlohmann::json record;
    std::string type;
    if (startsWith(m, "INIT_START ")) {
      auto f = fields(m, 11);
      type = "platform.initStart";
      record = {{"initializationType", "on-demand"}, {"phase", "init"},
                {"runtimeVersion", f["Runtime Version"]}, {"runtimeVersionArn", f["Runtime Version ARN"]}};
    } else if (startsWith(m, "START RequestId: ")) {
      std::string rest = m.substr(17);
      size_t sp = rest.find(' ');
      std::string version;
      size_t v = rest.find("Version: ");
      if (v != std::string::npos) version = rest.substr(v + 9);
      while (!version.empty() && version.back() == '\n') version.pop_back();
      type = "platform.start";
      record = {{"requestId", rest.substr(0, sp)}, {"version", version}};
    } else if (startsWith(m, "END RequestId: ")) {
      continue;
    } else if (startsWith(m, "REPORT ")) {
      auto f = fields(m, 7);
      type = "platform.report";
      nlohmann::json metrics = {{"durationMs", number(f["Duration"])},
                                {"billedDurationMs", static_cast<int64_t>(number(f["Billed Duration"]))},
                                {"memorySizeMB", static_cast<int64_t>(number(f["Memory Size"]))},
                                {"maxMemoryUsedMB", static_cast<int64_t>(number(f["Max Memory Used"]))}};
      if (f.count("Init Duration")) metrics["initDurationMs"] = number(f["Init Duration"]);
      record = {{"requestId", f["RequestId"]}, {"metrics", metrics}, {"status", status(f)}};
      if (f.count("Error Type")) record["errorType"] = f["Error Type"];
    } else if (startsWith(m, "INIT_REPORT ")) {
      auto f = fields(m, 12);
      type = "platform.initReport";
      record = {{"initializationType", "on-demand"}, {"phase", f.count("Phase") ? f["Phase"] : "init"},
                {"status", status(f)}, {"metrics", {{"durationMs", number(f["Init Duration"])}}}};
      if (f.count("Error Type")) record["errorType"] = f["Error Type"];
    } else {
      out.push_back(std::move(l));
      continue;
    }
    bool failure = record.contains("status") && record["status"] != "success";
    if (warn_only && !failure) continue;
    nlohmann::json j = {{"time", formatIso8601(l.timestamp)}, {"type", type}, {"record", record}};
    out.push_back({l.timestamp, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"});
  }
  return out;
}

}  // namespace stratus::logs
