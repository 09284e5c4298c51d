// The composition root: `stratus serve --listen 127.0.0.1:PORT --data-dir DIR`.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "layers/code_store.h"
#include "scheduler/code_references.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/log.h"
#include "runtime/base/loop.h"
#include "runtime/base/worker_pool.h"
#include "sandbox/isolate_host_sandbox.h"
#include "sandbox/cgroup.h"
#include "sandbox/isolate_host_supervisor.h"
#include "sandbox/process_pool.h"
#include "sandbox/process_sandbox.h"
#include "sandbox/tiered_sandbox_factory.h"
#include "triggers/process_tier_setup.h"
#include "scheduler/function_registry.h"
#include "scheduler/layer_registry.h"
#include "triggers/esm/mapping_service.h"
#include "triggers/sqs/sqs_service.h"
#include "triggers/async/async_queue.h"
#include "scheduler/scheduler.h"
#include "triggers/api_server.h"
#include "triggers/function_validation.h"
#include "triggers/cli/commands.h"
#include "triggers/serve_options.h"
#include "triggers/logs/log_store.h"
#include "triggers/logs/logs_service.h"

namespace {

using stratus::triggers::ServeOptions;

// The default host memory budget: half of physical memory, leaving the rest to the OS and
// to whatever else runs here.
uint64_t defaultMemoryBudgetMb() {
  uint64_t total = uv_get_total_memory();
  return total ? total / 2 / (1024 * 1024) : 4096;
}

// A failed commit put `name` back in the registry: what was derived from it follows.
void followUndo(const std::string& name, const stratus::scheduler::FunctionState* undone,
                const stratus::scheduler::FunctionRegistry& registry,
                stratus::scheduler::Scheduler& sched, stratus::scheduler::ConcurrencyLimiter& limiter) {
  limiter.setReservedTotal(registry.reservedConcurrencyTotal());
  const stratus::scheduler::FunctionState* now = registry.find(name);
  if (!now) return sched.forget(name);
  sched.retire(name);
  std::set<std::string> qualifiers;
  for (const auto* s : {undone, now}) {
    if (s) for (const auto& [q, cfg] : s->provisioned) qualifiers.insert(q);
  }
  for (const auto& q : qualifiers) sched.provision(name, q);
}

// How the isolate hosts start: beside this binary, with an environment of their own (only what
// V8 diagnostics need), in cgroups under `cgroups` when there is one.
stratus::sandbox::IsolateSupervisorOptions isolateSupervisorOptions(const ServeOptions& o, const char* argv0,
                                                                    stratus::sandbox::CgroupTree* cgroups) {
  stratus::sandbox::IsolateSupervisorOptions opts;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::canonical(std::filesystem::path(argv0), ec);
  opts.binary = !o.isolate_host_binary.empty() ? o.isolate_host_binary
                : ec ? std::string("stratus-isolate-host")
                     : (self.parent_path() / "stratus-isolate-host").string();
  opts.prewarm = o.prewarm;
  opts.max_workers = o.max_workers;
  opts.hosts_per_size = o.isolate_hosts;
  opts.cgroups = cgroups;
  opts.host_env = {"PATH=/usr/bin:/bin"};
  if (const char* flags = std::getenv("STRATUS_V8_FLAGS")) opts.host_env.push_back(std::string("STRATUS_V8_FLAGS=") + flags);
  return opts;
}

// Loopback needs nothing; anywhere else needs credentials to verify signatures against, and
// says so on stderr (stdout's first line stays the banner).
bool checkExposure(ServeOptions& o) {
  using namespace stratus;
  for (const std::string& path : o.credentials_files) {
    if (Status loaded = triggers::loadCredentialsFile(path, o.api.exposure.credentials);
        !loaded.ok()) {
      std::fprintf(stderr, "stratus: %s\n", loaded.error().message.c_str());
      return false;
    }
  }
  o.api.exposure.listen_host = o.host;
  o.api.exposure.region = o.region;
  if (triggers::isLoopbackHost(o.host)) return true;
  if (o.api.exposure.credentials.empty()) {
    std::fprintf(stderr,
                 "stratus: refusing to listen on %s: it is not a loopback address, so every "
                 "request must be signed (SigV4), and no credentials were given. Pass --credentials "
                 "ACCESS_KEY_ID:SECRET (repeatable) or --credentials-file PATH, and sign "
                 "requests with them (e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or "
                 "listen on 127.0.0.1.\n",
                 o.host.empty() ? "*" : o.host.c_str());
    return false;
  }
  std::fprintf(stderr,
               "stratus: WARNING: listening on %s, which is not a loopback address: anyone who "
               "can reach it can try to use the Lambda API. Every request must be signed "
               "(SigV4) with one of the %zu credentials given at start.\n",
               o.host.empty() ? "*" : o.host.c_str(), o.api.exposure.credentials.size());
  std::fflush(stderr);
  return true;
}

int serve(ServeOptions& o, const char* argv0) {
  using namespace stratus;
  if (!checkExposure(o)) return 2;
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) {
    logError("cannot create data dir " + o.data_dir + ": " + ec.message());
    return 1;
  }
  Loop loop;
  // SQLite commits run on the writer's thread; the loop never waits for an fsync.
  auto writer = DbWriter::open(loop, o.data_dir + "/stratus.db");
  if (!writer.ok()) {
    logError(writer.error().message);
    return 1;
  }
  auto registry = scheduler::FunctionRegistry::open(**writer);
  if (!registry.ok()) {
    logError(registry.error().message);
    return 1;
  }
  auto layer_registry = scheduler::LayerRegistry::open(**writer);
  if (!layer_registry.ok()) {
    logError(layer_registry.error().message);
    return 1;
  }
  layers::CodeStore code(o.data_dir + "/code");
  if (Status recovered = code.recover(); !recovered.ok()) {
    logError(recovered.error().message);
    return 1;
  }
  {
    // Code no function or layer version references any more (deleted, replaced, or staged by
    // an upload a kill interrupted): nothing runs or commits yet, so nothing can be using it.
    scheduler::CodeReferences refs = scheduler::referencedCode(**registry, **layer_registry);
    uint64_t freed = code.sweepUnreferenced(refs.zips, refs.opt_trees);
    if (freed > 0) logInfo("code store: removed " + std::to_string(freed >> 10) + " KiB of unreferenced code");
  }
  uint64_t budget_mb = o.memory_budget_mb ? o.memory_budget_mb : defaultMemoryBudgetMb();
  std::unique_ptr<sandbox::ProcessTier> tier = triggers::setUpProcessTier(o.process, o.data_dir, budget_mb, argv0);
  // The isolate tier runs in stratus-isolate-host processes (docs/isolate-hosts.md), each in a
  // cgroup of its own under a tree beside the sandboxes' (hosts have a fixed cost of their own).
  std::unique_ptr<sandbox::CgroupTree> host_cgroups;
  if (tier && tier->cgroups()) {
    auto made = sandbox::CgroupTree::create(budget_mb + sandbox::kIsolateHostsOverheadMb, "isolate-hosts");
    if (made.ok()) {
      host_cgroups = std::move(made).value();
    } else {
      logWarn("isolate hosts run without cgroups: " + made.error().message);
    }
  }
  sandbox::IsolateHostSupervisor isolate_hosts(loop, isolateSupervisorOptions(o, argv0, host_cgroups.get()));
  sandbox::IsolateHostSandboxFactory isolates(isolate_hosts);
  std::unique_ptr<sandbox::ProcessPool> pool;
  if (tier && o.prewarm_processes > 0) {
    pool = std::make_unique<sandbox::ProcessPool>(
        loop, *tier, sandbox::ProcessPoolOptions{o.prewarm_processes, o.prewarm_processes, o.prewarm_processes});
  }
  std::unique_ptr<sandbox::ProcessSandboxFactory> processes;
  if (tier) processes = std::make_unique<sandbox::ProcessSandboxFactory>(loop, *tier, pool.get());
  sandbox::TieredSandboxFactory factory(isolates, processes.get(), tier ? o.process.node_tier : sandbox::NodeTier::kIsolate);
  scheduler::ConcurrencyLimiter limiter(o.account_concurrency);
  limiter.setReservedTotal((*registry)->reservedConcurrencyTotal());
  scheduler::SchedulerOptions sched_opts;
  sched_opts.region = o.region;
  sched_opts.account_id = o.account_id;
  sched_opts.idle_timeout_ms = o.idle_timeout_s * 1000;
  sched_opts.host_memory_budget_mb = budget_mb;
  scheduler::Scheduler sched(loop, **registry, code, factory, limiter, sched_opts);
  sched.provisionAll();  // provisioned concurrency survives restarts
  (*registry)->setUndoListener(
      [&](const std::string& name, const scheduler::FunctionState* undone) {
        followUndo(name, undone, **registry, sched, limiter);
      });
  // Queues commit through a writer and database of their own: a flood of messages neither
  // waits behind nor delays the functions' writes, and its group commit needs no delay (the
  // next group fills while one fsync runs; kCommitDelay is tuned for floods of creates).
  auto sqs_writer = DbWriter::open(loop, o.data_dir + "/sqs.db", std::chrono::microseconds(0));
  if (!sqs_writer.ok()) {
    logError(sqs_writer.error().message);
    return 1;
  }
  auto queues = sqs::SqsService::open(loop, **sqs_writer, SystemClock::instance(), {o.region, o.account_id});
  if (!queues.ok()) {
    logError(queues.error().message);
    return 1;
  }
  // Function logs (docs/logs.md): a database and writer of their own, so a chatty function's
  // lines neither wait behind nor delay the functions' and queues' commits.
  auto logs_writer = DbWriter::open(loop, o.data_dir + "/logs.db");
  if (!logs_writer.ok()) {
    logError(logs_writer.error().message);
    return 1;
  }
  auto log_store = logs::LogStore::open(loop, **logs_writer, SystemClock::instance(), o.logs);
  if (!log_store.ok()) {
    logError(log_store.error().message);
    return 1;
  }
  if (o.function_logs) sched.setLogSink(log_store->get());
  logs::LogsService logs_api(**log_store, {o.region, o.account_id});
  // Asynchronous invocation (triggers/async): events commit to a database of their own, with a
  // short group-commit delay, so a flood of Event invokes shares fsyncs without slowing the
  // functions' or the queues' writes.
  auto async_writer = DbWriter::open(loop, o.data_dir + "/async.db", std::chrono::microseconds(1000));
  if (!async_writer.ok()) {
    logError(async_writer.error().message);
    return 1;
  }
  auto async_queue = async::AsyncQueue::open(loop, **async_writer, sched, **registry, queues->get(),
                                             {o.region, o.account_id}, o.async);
  if (!async_queue.ok()) {
    logError(async_queue.error().message);
    return 1;
  }
  // SQS event source mappings: rows in stratus.db, pollers on the queues above (triggers/esm).
  esm::MappingServiceOptions esm_options{o.region, o.account_id, {}};
  if (!o.sqs_remotes_file.empty()) {
    auto remotes = esm::loadRemoteEndpoints(o.sqs_remotes_file);
    if (!remotes.ok()) {
      logError(remotes.error().message);
      return 1;
    }
    esm_options.remotes = std::move(remotes).value();
  }
  auto mappings = esm::MappingService::open(loop, **writer, **queues, sched, std::move(esm_options));
  if (!mappings.ok()) {
    logError(mappings.error().message);
    return 1;
  }
  triggers::ApiContext api_context{loop, **registry, code, sched, limiter,
                                   {o.region, o.account_id}, **layer_registry, queues->get(), &logs_api};
  api_context.async = async_queue->get();
  api_context.esm = mappings->get();
  triggers::ApiServer api(std::move(api_context), o.api);
  Status listening = api.listen(o.host, o.port);
  if (!listening.ok()) {
    logError(listening.error().message);
    return 1;
  }
  if (tier) {
    std::string host = o.host == "0.0.0.0" || o.host == "::" ? "127.0.0.1" : o.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    std::string url = "http://" + host + ":" + std::to_string(api.port());
    tier->setEndpoint("LAMBDA", url);
    tier->setEndpoint("SQS", url);
    tier->setEndpoint("CLOUDWATCH_LOGS", url);
  }
  if (pool) pool->start();
  isolate_hosts.start();
  (*mappings)->startPollers();
  std::printf("stratus: listening on http://%s:%d (data dir %s, %zu functions)\n", o.host.c_str(),
              api.port(), o.data_dir.c_str(), (*registry)->size());
  std::fflush(stdout);

  // SIGTERM / SIGINT: stop accepting and leave. Every acknowledged change is already
  // committed to SQLite (the writer commits what is still queued before it stops, but no one
  // waits for those answers); JavaScript still running on workers
  // is abandoned with the process rather than waited for (a handler may run for 15 minutes).
  uv_signal_t sigterm, sigint;
  auto on_signal = [](uv_signal_t* h, int signum) {
    auto* l = static_cast<Loop*>(h->data);
    logInfo(std::string("stratus: stopping on ") + (signum == SIGTERM ? "SIGTERM" : "SIGINT"));
    l->stop();
  };
  for (auto* s : {&sigterm, &sigint}) {
    uv_signal_init(loop.raw(), s);
    s->data = &loop;
  }
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_signal_start(&sigint, on_signal, SIGINT);

  loop.run();
  api.close();
  // Sandboxes do not outlive the server: idle ones are frozen, and a frozen process cannot act
  // on its parent-death signal, so they are thawed and killed here, with their cgroups.
  isolate_hosts.killAll();
  host_cgroups.reset();  // kills what is left in them
  if (tier) tier->killAllSandboxes();
  sched.setLogSink(nullptr);
  log_store->reset();
  logs_writer->reset();
  async_writer->reset();
  sqs_writer->reset();
  writer->reset();
  std::fflush(stdout);
  std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (stratus::triggers::cli::isClientCommand(argc, argv)) return stratus::triggers::cli::runClientCommand(argc, argv);
  if (argc < 2 || std::string(argv[1]) != "serve") {
    std::cerr << "usage: stratus serve [--listen HOST:PORT] [--data-dir DIR] [options]   (stratus serve --help)\n"
                 "       stratus deploy|dev|invoke|logs|coldstart|list|delete|layer import ...   (stratus SUBCOMMAND "
                 "--help)\n";
    return 2;
  }
  ServeOptions options;
  if (int status = stratus::triggers::parseServeOptions(argc, argv, options); status >= 0) return status;
  return serve(options, argv[0]);
}
