// `stratus serve`'s flags, parsed and checked with CLI11 (`stratus serve --help` lists them):
// what the composition root (main.cc) builds the server from. The CLI's main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "triggers/api_server.h"
#include "triggers/async/async_queue.h"
#include "triggers/logs/log_store.h"
#include "triggers/process_tier_setup.h"

namespace stratus::triggers {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 9000;
  std::string data_dir = "data";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  int64_t idle_timeout_s = 600;
  size_t max_workers = 256;
  size_t prewarm = 4;  // isolates of the default memory size kept bootstrapped ahead of demand
  int isolate_hosts = 1;  // isolate host processes per memory size
  std::string isolate_host_binary;  // "": stratus-isolate-host beside this binary
  int prewarm_processes = 2;  // node and python runtime processes each, started ahead
  int account_concurrency = 1000;
  uint64_t memory_budget_mb = 0;  // 0: half of the machine's memory
  ProcessTierOptions process;
  ApiServerOptions api;  // exposure policy, connection cap, deadlines
  std::vector<std::string> credentials_files;
  logs::LogStoreOptions logs;  // size cap per log group, retention sweep
  bool function_logs = true;  // --no-function-logs: invocations' lines are not kept (benchmarks)
  async::AsyncOptions async;  // --async-delay-scale, --async-max-in-flight
  std::string sqs_remotes_file;  // event source mappings on other endpoints' queues (docs/esm.md)
};

// Parses argv (argv[1] is "serve") into `o`. Returns -1 to go on and serve, else the exit
// status to end with: 0 after --help, 2 after a mistake (CLI11 printed which flag and why).
int parseServeOptions(int argc, char** argv, ServeOptions& o);

}  // namespace stratus::triggers
