#include "triggers/serve_options.h"

#include <CLI/CLI.hpp>

#include "runtime/base/log.h"
#include "triggers/exposure.h"
#include "triggers/function_validation.h"

namespace stratus::triggers {

namespace {

// "HOST:PORT", "[::1]:PORT".
std::string checkListen(const std::string& v) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon + 1 == v.size()) return "wants HOST:PORT, e.g. 127.0.0.1:9000";
  std::string port = v.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoi(port) > 65535) {
    return "the port must be 0-65535";
  }
  return "";
}

// "nodejs=PATH", "python=PATH", or one runtime: "nodejs22.x=PATH".
std::string checkRuntimeBinary(const std::string& v) {
  size_t eq = v.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) return "wants RUNTIME=PATH, e.g. nodejs=/usr/bin/node";
  std::string name = v.substr(0, eq);
  bool family = name == "nodejs" || name == "python";
  bool runtime = (name.rfind("nodejs", 0) == 0 || name.rfind("python3.", 0) == 0) && isSupportedRuntime(name);
  return family || runtime ? "" : name + " is not nodejs, python or a nodejs*.x / python3.* runtime";
}

}  // namespace

int parseServeOptions(int argc, char** argv, ServeOptions& o) {
  CLI::App app{"stratus serve: the server (Lambda, SQS and CloudWatch Logs APIs on one port)."};
  app.name("stratus serve");
  // A flag given twice takes its last value, as before (the test harness passes --listen and a
  // test may pass its own); the repeatable ones say TakeAll.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string listen, node_tier, log_level = "info";
  std::vector<std::string> runtime_binaries, credentials;
  uint64_t logs_group_max_kb = o.logs.group_max_bytes >> 10;
  int64_t logs_sweep_ms = o.logs.sweep_interval_ms;
  uint64_t max_connections = 0;

  app.add_option("--listen", listen, "address to serve on, HOST:PORT (default 127.0.0.1:9000; port 0 picks a free port, "
                                     "printed at start)")
      ->check(CLI::Validator(checkListen, "HOST:PORT"));
  app.add_option("--data-dir", o.data_dir, "SQLite databases and the code store (default ./data)");
  app.add_option("--region", o.region, "region in ARNs (default us-east-1)");
  app.add_option("--account-id", o.account_id, "12-digit account in ARNs (default 000000000000)")
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos ? "" : "wants 12 digits";
          },
          "ACCOUNT"));
  app.add_option("--idle-timeout-seconds", o.idle_timeout_s, "idle sandboxes are discarded after N s (default 600)")
      ->check(CLI::Range(0, 31536000));
  app.add_option("--max-workers", o.max_workers, "threads running JavaScript at most (default 256)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--prewarm", o.prewarm,
                 "isolates of the default memory size (128 MB) kept bootstrapped for cold starts (default 4; 0: none)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--isolate-hosts", o.isolate_hosts,
                 "isolate host processes per memory size in use (default 1; docs/isolate-hosts.md)")
      ->check(CLI::Range(1, 64));
  app.add_option("--isolate-host", o.isolate_host_binary,
                 "the isolate host binary (default: stratus-isolate-host beside this one)");
  app.add_option("--prewarm-processes", o.prewarm_processes,
                 "node (128 MB), python and custom runtime processes each kept started in generic jails, claimed "
                 "by cold starts (default 2; 0: none)")
      ->check(CLI::Range(0, 256));
  app.add_option("--account-concurrency", o.account_concurrency, "account concurrency limit (default 1000)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--memory-budget-mb", o.memory_budget_mb,
                 "memory all sandboxes together may hold (running ones at their MemorySize, idle ones at their "
                 "footprint); past it idle ones are evicted, then invokes get 429 (default: half of RAM)");
  app.add_option("--node-tier", node_tier,
                 "where nodejs*.x functions run by default: process (the host's node in a jailed process, default) "
                 "or isolate (a V8 isolate); a function's STRATUS_TIER variable overrides")
      ->check(CLI::IsMember({"process", "isolate"}));
  app.add_option("--runtime-binary", runtime_binaries,
                 "host interpreter for a runtime family or one runtime, e.g. nodejs22.x=/usr/local/bin/node22 "
                 "(repeatable; defaults nodejs=/usr/bin/node, python=/usr/bin/python3)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator(checkRuntimeBinary, "RUNTIME=PATH"));
  app.add_option("--logs-group-max-kb", logs_group_max_kb,
                 "events a log group keeps at most (default 16384 KiB); past it its oldest streams go (docs/logs.md)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  app.add_option("--logs-sweep-ms", logs_sweep_ms, "how often retention policies are enforced (default 60000)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400000}));
  app.add_flag("!--no-function-logs", o.function_logs, "keep no invocation's lines (the Logs API still serves)");
  app.add_option("--sqs-remotes", o.sqs_remotes_file,
                 "where the queues of other regions/accounts live, for event source mappings on them (JSON; "
                 "docs/esm.md)");
  app.add_option("--async-delay-scale", o.async.delay_scale,
                 "multiplies every asynchronous retry delay and event age limit (default 1: Lambda's; tests: 0.01)")
      ->check(CLI::Range(1e-9, 1000.0));
  app.add_option("--async-max-in-flight", o.async.max_in_flight, "asynchronous events running at once (default 64)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--log-level", log_level, "debug, info, warn or error (default info)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  // Exposure (README, "Exposure and limits").
  app.add_option("--credentials", credentials,
                 "KEY:SECRET that may sign requests (SigV4); repeatable; required when --listen is not loopback")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator(
          [](const std::string& v) {
            std::map<std::string, std::string> probe;
            return parseCredential(v, probe) ? "" : "wants ACCESS_KEY_ID:SECRET";
          },
          "KEY:SECRET"));
  app.add_option("--credentials-file", o.credentials_files,
                 "more of them: KEY:SECRET lines, or an AWS credentials file (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--allow-origin", o.api.exposure.allow_origins,
                 "a browser origin (e.g. http://localhost:3000, or '*') allowed to call the APIs (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator([](const std::string& v) { return v.empty() ? "must not be empty" : ""; }, "ORIGIN"));
  app.add_option("--allow-host", o.api.exposure.allow_hosts,
                 "a Host name requests may carry besides the loopback names and the listen address (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator([](const std::string& v) { return v.empty() ? "must not be empty" : ""; }, "NAME"));
  app.add_option("--max-connections", max_connections,
                 "open connections at most (default: half the fd limit, 16..16384); at the cap the longest idle "
                 "one is closed, or new clients wait in the backlog")
      ->check(CLI::Range(1, 1048576));
  app.add_option("--header-timeout-ms", o.api.header_timeout_ms,
                 "a request's headers must arrive within N ms of its first byte (default 10000), else 408")
      ->check(CLI::Range(1, 3600000));
  app.add_option("--body-grace-ms", o.api.body_grace_ms,
                 "a body may take N ms (default 10000) plus its size at --min-body-rate, else 408");
  app.add_option("--min-body-rate", o.api.min_body_bytes_per_s, "bytes/s a slow body must keep (default 32768)");

  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!listen.empty()) {
    size_t colon = listen.rfind(':');
    o.host = listen.substr(0, colon);
    o.port = std::stoi(listen.substr(colon + 1));
    if (o.host.size() > 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  }
  if (!node_tier.empty()) {
    o.process.node_tier = node_tier == "isolate" ? sandbox::NodeTier::kIsolate : sandbox::NodeTier::kProcess;
  }
  for (const std::string& v : runtime_binaries) {
    size_t eq = v.find('=');
    o.process.binaries[v.substr(0, eq)] = v.substr(eq + 1);
  }
  for (const std::string& v : credentials) parseCredential(v, o.api.exposure.credentials);
  o.logs.group_max_bytes = logs_group_max_kb << 10;
  o.logs.sweep_interval_ms = logs_sweep_ms;
  if (max_connections) o.api.max_connections = max_connections;
  setLogLevel(log_level == "debug"  ? LogLevel::kDebug
              : log_level == "warn" ? LogLevel::kWarn
              : log_level == "error" ? LogLevel::kError
                                     : LogLevel::kInfo);
  return -1;
}

}  // namespace stratus::triggers
