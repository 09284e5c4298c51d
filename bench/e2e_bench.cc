// End-to-end benchmark of real `stratus serve` processes over loopback HTTP/1.1.
//
// It starts the servers itself (fork/exec, --listen 127.0.0.1:0, temp --data-dirs, the port
// parsed from stdout), creates functions through the Lambda API (stored zips built here, CRC32
// from zlib), and measures with its own closed-loop keep-alive client over raw sockets, timing
// every request with steady_clock (bench_common.h). Every function runs the same hello world,
// `exports.handler = async (event) => ({ statusCode: 200, body: 'hello' })`. Sections (--skip
// leaves any out):
//
//   cold    N distinct functions, each invoked once (a cold start), 1 client, on two servers:
//           one started with `--prewarm 0` (no pool of ready isolates) and one with the
//           server's default pool; `n/a` when this stratus has no --prewarm flag. Paced (an
//           idle gap after each, so a pool can refill) and interleaved, request by request,
//           with two baselines: a bare v8 isolate+context created in this process, and the
//           no-op route GET /_stratus/health. X-Amz-Log-Type: Tail gives the server's own
//           REPORT (Init Duration / Duration) to split the end-to-end time. Then a burst: M
//           more cold starts back to back on each server (how long does the pool last?).
//   warm    one function on $LATEST, 1 client then C clients (one epoll loop, C keep-alive
//           connections), alternating rounds with the no-op route (baseline) so that drift hits
//           both alike. p50/p99/mean, throughput, server CPU per request. Then, at 1 client,
//           $LATEST against a published version with provisioned concurrency (?Qualifier=1),
//           request by request.
//   scale   warm-path dispatch with 10,000 registered functions against 10: warm invoke of one
//           function (and the no-op route, as the same-run baseline) with 10 functions, then
//           again after creating 9,990 more (parallel keep-alive creates, one shared zip,
//           timed and bounded by --scale-setup-seconds), on that server and on a control
//           server that keeps 10, measured alternately (1 client: request by request), so
//           the ratio big/control is free of the VM's drift; an A/A ratio before the creates
//           shows the noise floor. Also: the same warm invoke while the creates run.
//   memory  RSS per idle warm isolate: N functions invoked once each (no eviction: a large
//           --memory-budget-mb), VmRSS of the server and its isolate hosts before and after, beside the RSS of N
//           bare isolate+contexts kept alive in this process; and how the cold start (Init
//           Duration) and the bare isolate creation change as the live isolates pile up.
//
// Every server here runs with `--node-tier isolate --prewarm-processes 0` (when the server has
// those flags): these sections measure the V8-isolate tier, which nodejs*.x functions no longer
// get by default (the process tier is the default now; bench/process_bench measures that), with
// no runtime processes started beside it, so that the figures stay comparable with runs from
// before the process tier. --server-arg comes after those.
//
// Aims (from the issues): cold invoke p50 <= 3 ms end to end; warm invoke p50 within 1.2x of
// the no-op route; warm dispatch at 10,000 functions within 1.1x of 10 functions; 1,000 idle
// warm isolates in at most 4 GiB. Every figure is printed beside a same-run baseline as a
// ratio, because this VM's speed drifts up to 2x between runs.
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>
#include <v8.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench/bench_common.h"
#include "runtime/base/crypto.h"
#include "runtime/js/js_function.h"

namespace {

using namespace stratus::bench;

// ---------------------------------------------------------------------------------------------
// Options

const std::set<std::string> kSections = {"cold", "warm", "scale", "memory"};

struct Options {
  std::string stratus;          // path of the server binary
  std::set<std::string> sections = kSections;
  int cold = 200;               // distinct functions, each invoked once, per server
  int cold_gap_ms = 20;         // idle time after each cold invoke (lets a pool refill)
  int cold_burst = 40;          // back-to-back cold invokes per server, after the paced ones
  std::string prewarm;          // the pool server's --prewarm value ("" = its default)
  int clients = 32;             // the concurrent warm phase
  int rounds = 3;               // warm: alternating no-op / invoke phases per client setting
  double phase_seconds = 2.0;   // per phase
  long max_requests = 200000;   // per phase (a bound; the duration normally ends a phase)
  double warmup_seconds = 1.0;  // untimed, per route and client setting
  int provisioned = 1;          // ProvisionedConcurrentExecutions of the provisioned route
  bool tail = true;             // X-Amz-Log-Type: Tail on cold invokes
  int scale_functions = 10000;
  int scale_base = 10;
  double scale_setup_seconds = 60;
  int scale_create_clients = 8;
  int scale_rounds = 8;
  double scale_phase_seconds = 0.25;
  int memory_functions = 1000;
  uint64_t memory_budget_mb = 262144;  // far above anything reachable: nothing is evicted
  uint64_t memory_max_rss_mb = 0;      // 0: min(12 GiB, 3/4 of MemAvailable)
  double memory_idle_seconds = 2.0;
  int memory_bare = -1;  // -1: as many as --memory-functions
  bool keep_data = false;
  std::vector<std::string> server_args;
  std::vector<std::string> tier_args;  // --node-tier isolate --prewarm-processes 0, if it has them
};

void usage() {
  std::fprintf(stderr,
      "usage: e2e_bench [options]\n"
      "  --stratus PATH         server binary (default: <dir of e2e_bench>/../stratus)\n"
      "  --skip LIST            leave out sections, comma separated: cold,warm,scale,memory\n"
      "  --only LIST            run only these sections\n"
      " cold:\n"
      "  --cold N               distinct functions cold-invoked once each, per server (default 200)\n"
      "  --cold-gap-ms MS       idle time after each paced cold invoke (default 20)\n"
      "  --cold-burst N         then N cold invokes back to back per server (default 40)\n"
      "  --prewarm N            the pool server's --prewarm (default: the server's default)\n"
      "  --no-tail              cold invokes without X-Amz-Log-Type: Tail\n"
      " warm:\n"
      "  --clients N            connections in the concurrent warm phase (default 32)\n"
      "  --rounds N             warm rounds (no-op phase + invoke phases) per setting (default 3)\n"
      "  --phase-seconds S      duration of one warm phase (default 2)\n"
      "  --max-requests N       request cap of one phase (default 200000)\n"
      "  --warmup-seconds S     untimed warm-up per route and setting (default 1)\n"
      "  --provisioned N        provisioned concurrency of the provisioned route (default 1)\n"
      " scale:\n"
      "  --scale-functions N    functions registered for the second measurement (default 10000)\n"
      "  --scale-base N         functions registered for the first one (default 10)\n"
      "  --scale-setup-seconds S  bound on creating the rest (default 60; fewer if it runs out)\n"
      "  --scale-create-clients N parallel keep-alive connections for the creates (default 8)\n"
      "  --scale-rounds N       rounds (a phase on each server) at C clients (default 8)\n"
      "  --scale-phase-seconds S  one phase (default 0.25); 1 client interleaves requests\n"
      "                         across the two servers for rounds x phase seconds\n"
      " memory:\n"
      "  --memory-functions N   functions invoked once each and left idle (default 1000)\n"
      "  --memory-budget-mb N   that server's --memory-budget-mb (default 262144: no eviction)\n"
      "  --memory-max-rss-mb N  stop invoking once the server's RSS passes this (default\n"
      "                         min(12288, 3/4 of MemAvailable))\n"
      "  --memory-idle-seconds S  idle time before the last RSS reading (default 2)\n"
      "  --memory-bare N        bare isolate+contexts kept alive in process, baseline\n"
      "                         (default: as many as --memory-functions; 0: none)\n"
      " all:\n"
      "  --keep-data            keep the temp data dirs (and server logs)\n"
      "  --server-arg ARG       extra argument for every `stratus serve` (repeatable; after\n"
      "                         the --node-tier isolate --prewarm-processes 0 all get)\n");
}

std::set<std::string> parseList(const std::string& s) {
  std::set<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    if (!kSections.count(item)) {
      std::fprintf(stderr, "e2e_bench: unknown section '%s' (cold, warm, scale, memory)\n",
                   item.c_str());
      std::exit(2);
    }
    out.insert(item);
  }
  return out;
}

Options parseOptions(int argc, char** argv) {
  Options o;
  o.stratus = std::filesystem::path(selfDir()).parent_path() / "stratus";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--stratus") o.stratus = value();
    else if (a == "--skip") {
      for (const auto& s : parseList(value())) o.sections.erase(s);
    } else if (a == "--only") o.sections = parseList(value());
    else if (a == "--cold") o.cold = std::atoi(value().c_str());
    else if (a == "--cold-gap-ms") o.cold_gap_ms = std::atoi(value().c_str());
    else if (a == "--cold-burst") o.cold_burst = std::atoi(value().c_str());
    else if (a == "--prewarm") o.prewarm = value();
    else if (a == "--clients") o.clients = std::atoi(value().c_str());
    else if (a == "--rounds") o.rounds = std::atoi(value().c_str());
    else if (a == "--phase-seconds") o.phase_seconds = std::atof(value().c_str());
    else if (a == "--max-requests") o.max_requests = std::atol(value().c_str());
    else if (a == "--warmup-seconds") o.warmup_seconds = std::atof(value().c_str());
    else if (a == "--provisioned") o.provisioned = std::atoi(value().c_str());
    else if (a == "--no-tail") o.tail = false;
    else if (a == "--scale-functions") o.scale_functions = std::atoi(value().c_str());
    else if (a == "--scale-base") o.scale_base = std::atoi(value().c_str());
    else if (a == "--scale-setup-seconds") o.scale_setup_seconds = std::atof(value().c_str());
    else if (a == "--scale-create-clients") o.scale_create_clients = std::atoi(value().c_str());
    else if (a == "--scale-rounds") o.scale_rounds = std::atoi(value().c_str());
    else if (a == "--scale-phase-seconds") o.scale_phase_seconds = std::atof(value().c_str());
    else if (a == "--memory-functions") o.memory_functions = std::atoi(value().c_str());
    else if (a == "--memory-budget-mb") o.memory_budget_mb = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--memory-max-rss-mb") o.memory_max_rss_mb = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--memory-idle-seconds") o.memory_idle_seconds = std::atof(value().c_str());
    else if (a == "--memory-bare") o.memory_bare = std::atoi(value().c_str());
    else if (a == "--keep-data") o.keep_data = true;
    else if (a == "--server-arg") o.server_args.push_back(value());
    else {
      usage();
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.cold < 1 || o.clients < 1 || o.rounds < 1 || o.phase_seconds <= 0 ||
      o.max_requests < 1 || o.provisioned < 1 || o.scale_base < 1 ||
      o.scale_functions < o.scale_base || o.scale_create_clients < 1 || o.scale_rounds < 1 ||
      o.scale_phase_seconds <= 0 || o.memory_functions < 1 || o.memory_bare < -1 ||
      o.cold_gap_ms < 0 || o.cold_burst < 0) {
    usage();
    std::exit(2);
  }
  return o;
}

std::vector<std::string> withArgs(const Options& o, std::vector<std::string> extra) {
  std::vector<std::string> all = o.tier_args;
  all.insert(all.end(), o.server_args.begin(), o.server_args.end());
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

// ---------------------------------------------------------------------------------------------
// In-process baselines: a bare isolate + context, created and disposed; and N of them kept
// alive for their RSS.

uint64_t selfRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

class BareIsolates {
 public:
  BareIsolates() : allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()) {}
  int64_t timeOne() {
    auto t0 = Clock::now();
    v8::Isolate* isolate = newIsolateWithContext(nullptr);
    isolate->Dispose();
    return nsBetween(t0, Clock::now());
  }
  // KiB of RSS per isolate+context while `n` of them are alive; the time each creation took
  // into `create_ns`.
  double rssKbPerLiveIsolate(int n, std::vector<int64_t>* create_ns) {
    struct Live {
      v8::Isolate* isolate;
      v8::Global<v8::Context> context;
    };
    std::vector<Live> live;
    live.reserve(static_cast<size_t>(n));
    uint64_t before = selfRssKb();
    for (int i = 0; i < n; ++i) {
      Live l;
      auto t0 = Clock::now();
      l.isolate = newIsolateWithContext(&l.context);
      create_ns->push_back(nsBetween(t0, Clock::now()));
      live.push_back(std::move(l));
    }
    uint64_t after = selfRssKb();
    for (auto& l : live) {
      l.context.Reset();
      l.isolate->Dispose();
    }
    return n > 0 ? static_cast<double>(after - before) / n : 0;
  }

 private:
  v8::Isolate* newIsolateWithContext(v8::Global<v8::Context>* keep) {
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    v8::Isolate* isolate = v8::Isolate::New(params);
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      v8::HandleScope handle_scope(isolate);
      v8::Local<v8::Context> context = v8::Context::New(isolate);
      if (keep) keep->Reset(isolate, context);
    }
    return isolate;
  }
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
};

// ---------------------------------------------------------------------------------------------
// Helpers

const char* verdict(bool ok) { return ok ? "MET" : "MISSED"; }

void printStatsRow(const char* label, const Stats& s, const char* extra = "") {
  std::printf("  %-48s %6zu %9.3f %9.3f %9.3f %9.3f  %s\n", label, s.n, s.p50_ms, s.p99_ms,
              s.mean_ms, s.max_ms, extra);
}
void printStatsHeader() {
  std::printf("  %-48s %6s %9s %9s %9s %9s\n", "", "n", "p50", "p99", "mean", "max");
}

void printRowHeader() {
  std::printf("  %-8s %-16s %8s %9s %9s %9s %9s %10s %12s %7s\n", "clients", "route", "n",
              "p50", "p99", "mean", "max", "req/s", "srv CPU us/r", "errors");
}
void printRow(int clients, const char* route, const Row& row) {
  std::printf("  %-8d %-16s %8zu %9.3f %9.3f %9.3f %9.3f %10.0f %12.1f %7llu\n", clients, route,
              row.stats.n, row.stats.p50_ms, row.stats.p99_ms, row.stats.mean_ms,
              row.stats.max_ms, row.rps, row.cpu_us_per_req,
              static_cast<unsigned long long>(row.errors));
  if (!row.first_error.empty()) std::printf("           first error: %s\n", row.first_error.c_str());
}

void progress(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void progress(const char* fmt, ...) {
  std::printf("e2e_bench: ");
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::printf("\n");
  std::fflush(stdout);
}

// p50 of the first or last quarter of v.
template <typename T>
double quarterP50(const std::vector<T>& v, bool last) {
  size_t q = std::max<size_t>(1, v.size() / 4);
  std::vector<T> part(last ? v.end() - static_cast<long>(q) : v.begin(),
                      last ? v.end() : v.begin() + static_cast<long>(q));
  if constexpr (std::is_same_v<T, double>) return statsOfMs(part).p50_ms;
  else return statsOf(part).p50_ms;
}

// Creates functions over `clients` parallel keep-alive connections; stops issuing after
// `seconds` (0: no bound). Returns the phase (latencies of the creates, errors).
Phase createMany(const ChildProcess& server, const std::vector<std::string>& requests,
                 int clients, double seconds) {
  LoopSpec spec;
  spec.port = server.port();
  spec.clients = clients;
  spec.next = [&requests](long i) {
    return static_cast<size_t>(i) < requests.size() ? &requests[static_cast<size_t>(i)] : nullptr;
  };
  spec.seconds = seconds;
  spec.expect_status = 201;
  spec.cpu_of = &server;
  return runLoop(spec);
}

// Invokes and checks the hello answer; returns the decoded Tail log ("" without Tail).
std::string invokeHello(Conn& conn, const std::string& request, const std::string& what,
                        int64_t* ns = nullptr) {
  Response r;
  std::string err;
  auto t0 = Clock::now();
  if (!conn.roundTrip(request, &r, &err)) die(what + ": " + err);
  if (ns) *ns = nsBetween(t0, Clock::now());
  std::string log;
  if (!r.log_result.empty()) {
    if (auto d = stratus::base64Decode(r.log_result)) log = *d;
  }
  if (r.status != 200 || !r.function_error.empty() || r.body != kHelloResponse)
    die(what + ": HTTP " + std::to_string(r.status) + " " + r.function_error + " " +
        r.body.substr(0, 500) + "\n" + log);
  return log;
}

// Alternating timed phases of `routes` at `clients`, the order rotated every round so that a
// drift inside a round favours none. Untimed warm-up of each route first.
std::vector<Row> alternate(const ChildProcess& server, int clients,
                           const std::vector<const std::string*>& routes, int rounds,
                           double seconds, long max_requests, double warmup_seconds,
                           const std::vector<const std::string*>& expect) {
  if (warmup_seconds > 0) {
    for (size_t k = 0; k < routes.size(); ++k)
      runPhase(server, clients, *routes[k], warmup_seconds, max_requests, expect[k]);
  }
  std::vector<std::vector<Phase>> phases(routes.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t j = 0; j < routes.size(); ++j) {
      size_t k = (j + static_cast<size_t>(round)) % routes.size();
      phases[k].push_back(runPhase(server, clients, *routes[k], seconds, max_requests, expect[k]));
    }
  }
  std::vector<Row> rows;
  for (auto& p : phases) rows.push_back(merge(p));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Sections. Each fills its result; the summary prints them all at the end.

struct ColdResult {
  bool ran = false;
  bool has_pool = false;
  std::string pool_label;  // how the pool server was started
  std::string prewarm_help;
  int n = 0;
  Stats cold_nopool, cold_pool, isolate, noop, init_nopool, init_pool, dur_nopool, dur_pool,
      create;
  std::vector<int64_t> cold_nopool_ns, cold_pool_ns, isolate_ns, create_ns;
  std::vector<double> init_nopool_ms, init_pool_ms;
  int gap_ms = 0;
  // The burst: back-to-back cold starts, in order.
  std::vector<int64_t> burst_nopool_ns, burst_pool_ns;
  std::vector<double> burst_init_nopool_ms, burst_init_pool_ms;
};

ColdResult runCold(const Options& opt, const std::string& work, bool has_prewarm,
                   const std::string& prewarm_help) {
  ColdResult res;
  res.ran = true;
  res.n = opt.cold;
  res.has_pool = has_prewarm;
  res.prewarm_help = prewarm_help;
  ChildProcess nopool, pool;
  startStratus(nopool, opt.stratus, work, "cold-nopool",
               withArgs(opt, has_prewarm ? std::vector<std::string>{"--prewarm", "0"}
                                         : std::vector<std::string>{}));
  progress("%s (pid %d)%s", nopool.banner().c_str(), nopool.pid(),
           has_prewarm ? " [--prewarm 0]" : " [no --prewarm flag in this build]");
  if (has_prewarm) {
    std::vector<std::string> extra;
    if (!opt.prewarm.empty()) extra = {"--prewarm", opt.prewarm};
    res.pool_label = opt.prewarm.empty() ? "server default" : "--prewarm " + opt.prewarm;
    startStratus(pool, opt.stratus, work, "cold-pool", withArgs(opt, extra));
    progress("%s (pid %d) [%s]", pool.banner().c_str(), pool.pid(), res.pool_label.c_str());
  }

  progress("cold: creating %d + %d functions per server...", opt.cold, opt.cold_burst);
  res.gap_ms = opt.cold_gap_ms;
  const std::string run_tag = std::to_string(getpid());
  std::vector<std::pair<std::string, std::string>> fns;  // name, source
  for (int i = 0; i < opt.cold; ++i) {
    std::string n = "cold-" + std::to_string(i);
    fns.push_back({n, helloSource(run_tag + "/" + n)});
  }
  for (int i = 0; i < opt.cold_burst; ++i) {
    std::string n = "burst-" + std::to_string(i);
    fns.push_back({n, helloSource(run_tag + "/" + n)});
  }
  {
    Conn conn(nopool.port());
    for (size_t i = 0; i < fns.size(); ++i) {
      auto t0 = Clock::now();
      createFunction(conn, nopool.port(), fns[i].first, fns[i].second);
      if (static_cast<int>(i) < opt.cold) res.create_ns.push_back(nsBetween(t0, Clock::now()));
    }
  }
  if (has_prewarm) {
    std::vector<std::string> reqs;
    for (const auto& [n, src] : fns)
      reqs.push_back(createFunctionRequest(pool.port(), n, indexJsZip(src)));
    Phase p = createMany(pool, reqs, 4, 0);
    if (p.errors) die("cold: CreateFunction on the pool server: " + p.first_error);
  }
  // Let the pool fill before the first cold invoke.
  std::this_thread::sleep_for(std::chrono::milliseconds(has_prewarm ? 1000 : 100));

  progress("cold: %d functions per server, interleaved with the baselines...", opt.cold);
  BareIsolates bare;
  bare.timeOne();  // the first isolate in a process pays one-off costs
  Conn a(nopool.port());
  std::optional<Conn> b;
  if (has_prewarm) b.emplace(pool.port());
  const std::string health_req = buildRequest(nopool.port(), "GET", "/_stratus/health", "");
  a.mustRoundTrip(health_req, 200, "health");
  const std::vector<std::string> tail_header =
      opt.tail ? std::vector<std::string>{"X-Amz-Log-Type: Tail"} : std::vector<std::string>{};
  std::vector<int64_t> noop_ns;
  std::vector<double> dur_nopool_ms, dur_pool_ms;
  std::vector<double>& init_pool_ms = res.init_pool_ms;
  auto gap = [&] {
    if (opt.cold_gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt.cold_gap_ms));
  };
  for (int i = 0; i < opt.cold; ++i) {
    res.isolate_ns.push_back(bare.timeOne());
    int64_t ns = 0;
    {
      auto t0 = Clock::now();
      a.mustRoundTrip(health_req, 200, "health");
      noop_ns.push_back(nsBetween(t0, Clock::now()));
    }
    const std::string fn = "cold-" + std::to_string(i);
    auto one = [&](bool on_pool) {
      Conn& c = on_pool ? *b : a;
      int port = on_pool ? pool.port() : nopool.port();
      std::string log = invokeHello(c, invokeRequest(port, fn, "{\"i\":" + std::to_string(i) + "}",
                                                     "", tail_header),
                                    std::string("cold invoke ") + (on_pool ? "(pool) " : "") + fn,
                                    &ns);
      (on_pool ? res.cold_pool_ns : res.cold_nopool_ns).push_back(ns);
      double init = reportField(log, "Init Duration: ");
      double dur = reportField(log, "\tDuration: ");
      if (init >= 0) (on_pool ? init_pool_ms : res.init_nopool_ms).push_back(init);
      if (dur >= 0) (on_pool ? dur_pool_ms : dur_nopool_ms).push_back(dur);
      gap();
    };
    // Alternate which server goes first, so that neither always runs while the other's
    // background work (a pool refill, a finished isolate's teardown) is still going.
    if (i % 2 == 0) {
      one(false);
      if (has_prewarm) one(true);
    } else {
      if (has_prewarm) one(true);
      one(false);
    }
  }

  // The burst: back to back on one server, then on the other (pool first: it had the longest
  // rest), each after a second's rest.
  if (opt.cold_burst > 0) {
    progress("cold: burst of %d back-to-back cold starts per server...", opt.cold_burst);
    for (bool on_pool : {true, false}) {
      if (on_pool && !has_prewarm) continue;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      Conn& c = on_pool ? *b : a;
      int port = on_pool ? pool.port() : nopool.port();
      for (int i = 0; i < opt.cold_burst; ++i) {
        int64_t ns = 0;
        std::string fn = "burst-" + std::to_string(i);
        std::string log = invokeHello(c, invokeRequest(port, fn, "{}", "", {"X-Amz-Log-Type: Tail"}),
                                      "burst cold invoke " + fn, &ns);
        (on_pool ? res.burst_pool_ns : res.burst_nopool_ns).push_back(ns);
        (on_pool ? res.burst_init_pool_ms : res.burst_init_nopool_ms)
            .push_back(reportField(log, "Init Duration: "));
      }
    }
  }
  res.cold_nopool = statsOf(res.cold_nopool_ns);
  res.cold_pool = statsOf(res.cold_pool_ns);
  res.isolate = statsOf(res.isolate_ns);
  res.noop = statsOf(noop_ns);
  res.init_nopool = statsOfMs(res.init_nopool_ms);
  res.init_pool = statsOfMs(init_pool_ms);
  res.dur_nopool = statsOfMs(dur_nopool_ms);
  res.dur_pool = statsOfMs(dur_pool_ms);
  res.create = statsOf(res.create_ns);
  nopool.stop();
  pool.stop();
  return res;
}

struct WarmResult {
  bool ran = false;
  int provisioned = 0;
  std::string provisioned_note;  // e.g. the first provisioned invoke reported an Init Duration
  struct Setting {
    int clients;
    Row noop, warm;
  };
  std::vector<Setting> settings;
  Row pair_warm, pair_prov;  // 1 client, request by request
  double pair_seconds = 0;
};

WarmResult runWarm(const Options& opt, const std::string& work) {
  WarmResult res;
  res.ran = true;
  res.provisioned = opt.provisioned;
  ChildProcess server;
  // The warm and provisioned paths do not depend on a pool: keep the server's default.
  startStratus(server, opt.stratus, work, "warm", withArgs(opt, {}));
  progress("%s (pid %d)", server.banner().c_str(), server.pid());
  const int port = server.port();
  Conn conn(port);
  createFunction(conn, port, "hello", helloSource("warm"));
  createFunction(conn, port, "prov", helloSource("provisioned"));
  conn.mustRoundTrip(buildRequest(port, "POST", "/2015-03-31/functions/prov/versions", "{}"), 201,
                     "PublishVersion prov");
  const std::string pc_path = "/2019-09-30/functions/prov/provisioned-concurrency?Qualifier=1";
  conn.mustRoundTrip(buildRequest(port, "PUT", pc_path,
                                  "{\"ProvisionedConcurrentExecutions\":" +
                                      std::to_string(opt.provisioned) + "}"),
                     202, "PutProvisionedConcurrencyConfig prov:1");
  auto t0 = Clock::now();
  for (;;) {
    Response r = conn.mustRoundTrip(buildRequest(port, "GET", pc_path, ""), 200,
                                    "GetProvisionedConcurrencyConfig prov:1");
    if (r.body.find("\"Status\":\"READY\"") != std::string::npos) break;
    if (r.body.find("\"Status\":\"FAILED\"") != std::string::npos)
      die("provisioned concurrency FAILED: " + r.body);
    if (secondsSince(t0) > 30) die("provisioned concurrency not READY within 30 s: " + r.body);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  progress("warm: provisioned concurrency %d READY after %.0f ms", opt.provisioned,
           secondsSince(t0) * 1000);
  // The first provisioned invoke must find an initialised sandbox: no Init Duration.
  {
    std::string log = invokeHello(conn, invokeRequest(port, "prov", "{}", "1",
                                                      {"X-Amz-Log-Type: Tail"}),
                                  "provisioned invoke prov:1");
    if (reportField(log, "Init Duration: ") >= 0)
      res.provisioned_note = "the first provisioned invoke reported an Init Duration (" +
                             std::to_string(reportField(log, "Init Duration: ")) +
                             " ms): it did not find a ready sandbox";
  }
  const std::string health_req = buildRequest(port, "GET", "/_stratus/health", "");
  const std::string warm_req = invokeRequest(port, "hello", "{}");
  const std::string prov_req = invokeRequest(port, "prov", "{}", "1");
  invokeHello(conn, warm_req, "warm invoke");
  const std::string hello = kHelloResponse;

  progress("warm: %d rounds x %.1f s per phase, <= %ld requests each...", opt.rounds,
           opt.phase_seconds, opt.max_requests);
  std::vector<int> settings = {1};
  if (opt.clients != 1) settings.push_back(opt.clients);
  for (int c : settings) {
    std::vector<Row> rows = alternate(server, c, {&health_req, &warm_req}, opt.rounds,
                                      opt.phase_seconds, opt.max_requests, opt.warmup_seconds,
                                      {nullptr, &hello});
    res.settings.push_back({c, rows[0], rows[1]});
  }
  // Two invoke routes of the same server: request by request, so drift cannot favour one.
  res.pair_seconds = opt.rounds * opt.phase_seconds;
  progress("warm: $LATEST vs provisioned, request by request, %.1f s...", res.pair_seconds);
  {
    std::vector<Target> targets = {{&server, warm_req, &hello}, {&server, prov_req, &hello}};
    if (opt.warmup_seconds > 0) interleaveRequests(targets, opt.warmup_seconds, opt.max_requests);
    auto rows = interleaveRequests(targets, res.pair_seconds, opt.max_requests);
    res.pair_warm = rows[0];
    res.pair_prov = rows[1];
  }
  server.stop();
  return res;
}

struct ScaleResult {
  bool ran = false;
  int base = 0, target = 0, created = 0;  // created: registered on the big server at the end
  double setup_s = 0;
  bool setup_bounded = false;  // the time bound ended the creates early
  Stats create;
  double create_cpu_us = 0;
  uint64_t create_errors = 0;
  std::string create_first_error;
  struct Setting {
    int clients;
    Row ctl_before, big_before, ctl_after, big_after;
  };
  std::vector<Setting> settings;
  uint64_t rss_before_kb = 0, rss_after_kb = 0;  // the big server
  Stats during;  // warm invokes of fn-00000 on the big server while the creates ran
};

// Two servers with the same `base` functions: the control keeps them, the other gets the
// rest created. The warm invoke of fn-00000 is measured on both in alternating phases before
// (an A/A test: the noise floor) and after the creates, so that the VM's drift hits both alike.
ScaleResult runScale(const Options& opt, const std::string& work) {
  ScaleResult res;
  res.ran = true;
  res.base = opt.scale_base;
  res.target = opt.scale_functions;
  ChildProcess ctl, big;
  startStratus(ctl, opt.stratus, work, "scale-control", withArgs(opt, {}));
  startStratus(big, opt.stratus, work, "scale-big", withArgs(opt, {}));
  progress("%s (pid %d) [control] and %s (pid %d)", ctl.banner().c_str(), ctl.pid(),
           big.banner().c_str(), big.pid());
  // One zip for every function: the code store keeps it once, so a create is the API work
  // plus one SQLite commit. The measured function is the first one.
  const std::string zip = indexJsZip(helloSource("scale"));
  auto name = [](int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "fn-%05d", i);
    return std::string(buf);
  };
  for (ChildProcess* server : {&ctl, &big}) {
    Conn conn(server->port());
    for (int i = 0; i < opt.scale_base; ++i)
      conn.mustRoundTrip(createFunctionRequest(server->port(), name(i), zip), 201,
                         "CreateFunction " + name(i));
    invokeHello(conn, invokeRequest(server->port(), name(0), "{}"), "warm invoke " + name(0));
  }
  const std::string ctl_req = invokeRequest(ctl.port(), name(0), "{}");
  const std::string big_req = invokeRequest(big.port(), name(0), "{}");
  const std::string hello = kHelloResponse;
  std::vector<int> settings = {1};
  if (opt.clients != 1) settings.push_back(opt.clients);
  // 1 client: request by request across the two servers; C clients: alternating short
  // phases (a closed loop of C connections cannot interleave requests across servers).
  auto measure = [&](bool after) {
    for (size_t k = 0; k < settings.size(); ++k) {
      const int c = settings[k];
      Row rc, rb;
      if (c == 1) {
        std::vector<Target> targets = {{&ctl, ctl_req, &hello}, {&big, big_req, &hello}};
        interleaveRequests(targets, opt.warmup_seconds / 2, opt.max_requests);
        auto rows = interleaveRequests(targets, opt.scale_rounds * opt.scale_phase_seconds,
                                       opt.max_requests);
        rc = rows[0];
        rb = rows[1];
      } else {
        if (opt.warmup_seconds > 0) {
          runPhase(ctl, c, ctl_req, opt.warmup_seconds / 2, opt.max_requests, &hello);
          runPhase(big, c, big_req, opt.warmup_seconds / 2, opt.max_requests, &hello);
        }
        std::vector<Phase> pc, pb;
        for (int round = 0; round < opt.scale_rounds; ++round) {
          for (int j = 0; j < 2; ++j) {
            bool on_big = (j + round) % 2 == 1;
            (on_big ? pb : pc).push_back(runPhase(on_big ? big : ctl, c, on_big ? big_req : ctl_req,
                                                  opt.scale_phase_seconds, opt.max_requests, &hello));
          }
        }
        rc = merge(pc);
        rb = merge(pb);
      }
      if (!after) {
        res.settings.push_back({c, rc, rb, {}, {}});
      } else {
        res.settings[k].ctl_after = rc;
        res.settings[k].big_after = rb;
      }
    }
  };
  progress("scale: warm invoke with %d functions on both servers...", opt.scale_base);
  measure(false);
  res.rss_before_kb = big.rssKb();

  progress("scale: creating %d more functions (%d connections, at most %.0f s)...",
           opt.scale_functions - opt.scale_base, opt.scale_create_clients,
           opt.scale_setup_seconds);
  std::vector<std::string> reqs;
  reqs.reserve(static_cast<size_t>(opt.scale_functions - opt.scale_base));
  for (int i = opt.scale_base; i < opt.scale_functions; ++i)
    reqs.push_back(createFunctionRequest(big.port(), name(i), zip));
  // Meanwhile, one more client keeps invoking fn-00000 on the same server: does the control
  // plane's work (a durable commit per create) hold up the data plane?
  std::atomic<bool> creating{true};
  std::vector<int64_t> during_ns;
  std::thread prober([&] {
    Conn conn(big.port());
    while (creating.load()) {
      int64_t ns = 0;
      invokeHello(conn, big_req, "warm invoke during the creates", &ns);
      during_ns.push_back(ns);
    }
  });
  auto t0 = Clock::now();
  Phase p = createMany(big, reqs, opt.scale_create_clients, opt.scale_setup_seconds);
  res.setup_s = secondsSince(t0);
  creating = false;
  prober.join();
  res.during = statsOf(during_ns);
  res.create = statsOf(p.latencies_ns);
  res.create_errors = p.errors;
  res.create_first_error = p.first_error;
  res.create_cpu_us = p.latencies_ns.empty() ? 0 : p.server_cpu_s * 1e6 / p.latencies_ns.size();
  res.created = opt.scale_base + static_cast<int>(p.latencies_ns.size() - p.errors);
  res.setup_bounded = p.latencies_ns.size() < reqs.size();
  reqs.clear();
  reqs.shrink_to_fit();
  // A quick check that the server kept them: the last one created answers.
  {
    Conn conn(big.port());
    std::string last = name(res.created - 1);
    conn.mustRoundTrip(buildRequest(big.port(), "GET",
                                    "/2015-03-31/functions/" + last + "/configuration", ""),
                       200, "GetFunctionConfiguration " + last);
  }
  // The creates leave the disk flushing their commits for a moment: let that settle.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  progress("scale: %d functions registered after %.1f s; warm invoke again...", res.created,
           res.setup_s);
  measure(true);
  res.rss_after_kb = big.rssKb();
  ctl.stop();
  big.stop();
  return res;
}

struct MemoryResult {
  bool ran = false;
  int requested = 0, invoked = 0;
  bool stopped_by_guard = false;
  uint64_t guard_mb = 0, budget_mb = 0;
  uint64_t rss_start_kb = 0, rss_before_kb = 0, rss_after_kb = 0, rss_idle_kb = 0;
  std::vector<std::pair<int, uint64_t>> curve;  // (isolates, RSS kB)
  double setup_s = 0;
  Stats cold;  // the cold invokes themselves
  double cold_first_q = 0, cold_last_q = 0;
  int reinvoked = 0, recold = 0;  // second pass: invokes that were cold again (evicted)
  int bare_n = 0;
  double bare_kb = 0;
  double bare_first_q = 0, bare_last_q = 0;  // creation time p50, first vs last quarter
  std::vector<double> init_ms;
  double idle_s = 0;
};

MemoryResult runMemory(const Options& opt, const std::string& work) {
  MemoryResult res;
  res.ran = true;
  res.requested = opt.memory_functions;
  res.budget_mb = opt.memory_budget_mb;
  res.guard_mb = opt.memory_max_rss_mb;
  res.idle_s = opt.memory_idle_seconds;
  if (res.guard_mb == 0) res.guard_mb = std::min<uint64_t>(12288, memAvailableMb() * 3 / 4);

  const int bare_n = opt.memory_bare < 0 ? opt.memory_functions : opt.memory_bare;
  if (bare_n > 0) {
    progress("memory: %d bare isolate+contexts kept alive in process...", bare_n);
    BareIsolates bare;
    bare.timeOne();
    res.bare_n = bare_n;
    std::vector<int64_t> ns;
    res.bare_kb = bare.rssKbPerLiveIsolate(bare_n, &ns);
    res.bare_first_q = quarterP50(ns, false);
    res.bare_last_q = quarterP50(ns, true);
  }

  ChildProcess server;
  startStratus(server, opt.stratus, work, "memory",
               withArgs(opt, {"--memory-budget-mb", std::to_string(opt.memory_budget_mb)}));
  progress("%s (pid %d) [--memory-budget-mb %llu]", server.banner().c_str(), server.pid(),
           static_cast<unsigned long long>(opt.memory_budget_mb));
  const int port = server.port();
  res.rss_start_kb = server.treeRssKb();
  progress("memory: creating %d functions (distinct code)...", opt.memory_functions);
  auto name = [](int i) { return "mem-" + std::to_string(i); };
  const std::string run_tag = std::to_string(getpid());
  std::vector<std::string> reqs;
  for (int i = 0; i < opt.memory_functions; ++i)
    reqs.push_back(createFunctionRequest(port, name(i), indexJsZip(helloSource(run_tag + "/" + name(i)))));
  auto t0 = Clock::now();
  Phase p = createMany(server, reqs, 4, 0);
  res.setup_s = secondsSince(t0);
  if (p.errors) die("memory: CreateFunction: " + p.first_error);
  reqs.clear();
  reqs.shrink_to_fit();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  res.rss_before_kb = server.treeRssKb();
  res.curve.push_back({0, res.rss_before_kb});

  progress("memory: invoking each once, 1 client (stop if RSS passes %llu MB)...",
           static_cast<unsigned long long>(res.guard_mb));
  Conn conn(port);
  std::vector<int64_t> cold_ns;
  const int step = std::max(1, opt.memory_functions / 8);
  for (int i = 0; i < opt.memory_functions; ++i) {
    int64_t ns = 0;
    std::string log = invokeHello(conn, invokeRequest(port, name(i), "{}", "", {"X-Amz-Log-Type: Tail"}),
                                  "invoke " + name(i), &ns);
    cold_ns.push_back(ns);
    res.init_ms.push_back(reportField(log, "Init Duration: "));
    res.invoked = i + 1;
    if ((i + 1) % step == 0 || i + 1 == opt.memory_functions) {
      uint64_t rss = server.treeRssKb();
      res.curve.push_back({i + 1, rss});
      if (rss / 1024 > res.guard_mb && i + 1 < opt.memory_functions) {
        res.stopped_by_guard = true;
        break;
      }
    }
  }
  res.rss_after_kb = server.treeRssKb();
  res.cold = statsOf(cold_ns);
  res.cold_first_q = quarterP50(cold_ns, false);
  res.cold_last_q = quarterP50(cold_ns, true);
  progress("memory: %d isolates; idle for %.1f s...", res.invoked, opt.memory_idle_seconds);
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.memory_idle_seconds));
  res.rss_idle_kb = server.treeRssKb();

  // Were any evicted? Invoke each again: a cold start reports an Init Duration.
  for (int i = 0; i < res.invoked; ++i) {
    std::string log = invokeHello(conn, invokeRequest(port, name(i), "{}", "", {"X-Amz-Log-Type: Tail"}),
                                  "re-invoke " + name(i));
    res.reinvoked++;
    if (reportField(log, "Init Duration: ") >= 0) res.recold++;
  }
  server.stop();
  return res;
}

// ---------------------------------------------------------------------------------------------
// Summary

bool printCold(const ColdResult& c) {
  std::printf("-- cold invoke: %d distinct functions per server, each invoked once, 1 client, "
              "interleaved request by request with the baselines, %d ms idle after each --\n",
              c.n, c.gap_ms);
  if (c.has_pool) {
    std::printf("   the pool server runs with the %s; stratus serve --help: \"%s\"\n",
                c.pool_label.c_str(), c.prewarm_help.c_str());
  }
  printStatsHeader();
  printStatsRow("cold invoke, no prewarm pool", c.cold_nopool,
                c.has_pool ? "(--prewarm 0)" : "(this stratus has no --prewarm)");
  if (c.has_pool) {
    std::string label = "(" + c.pool_label + ")";
    printStatsRow("cold invoke, prewarm pool", c.cold_pool, label.c_str());
  } else {
    std::printf("  %-48s %6s %9s %9s   n/a: `stratus serve --help` lists no --prewarm\n",
                "cold invoke, prewarm pool", "-", "n/a", "n/a");
  }
  printStatsRow("baseline: bare isolate+context (in process)", c.isolate);
  printStatsRow("baseline: no-op route GET /_stratus/health", c.noop);
  if (c.init_nopool.n) printStatsRow("server REPORT Init Duration, no pool", c.init_nopool);
  if (c.has_pool) {
    if (c.init_pool.n) printStatsRow("server REPORT Init Duration, pool", c.init_pool);
    else std::printf("  %-48s %6d   (no pool cold start reported one)\n",
                     "server REPORT Init Duration, pool", 0);
  }
  if (c.dur_nopool.n) printStatsRow("server REPORT Duration, no pool", c.dur_nopool);
  if (c.dur_pool.n) printStatsRow("server REPORT Duration, pool", c.dur_pool);
  printStatsRow("(setup) CreateFunction, sequential, no aim", c.create);
  const Stats& nb = c.cold_nopool;
  std::printf("  no pool: cold p50 / bare isolate p50 = %.2fx   cold p50 / no-op p50 = %.1fx   "
              "cold p50 - bare isolate p50 = %.3f ms\n",
              nb.p50_ms / c.isolate.p50_ms, nb.p50_ms / c.noop.p50_ms, nb.p50_ms - c.isolate.p50_ms);
  if (c.has_pool)
    std::printf("  pool:    cold p50 / bare isolate p50 = %.2fx   cold p50 / no-op p50 = %.1fx   "
                "pool / no pool: p50 %.2fx  p99 %.2fx\n",
                c.cold_pool.p50_ms / c.isolate.p50_ms, c.cold_pool.p50_ms / c.noop.p50_ms,
                c.cold_pool.p50_ms / nb.p50_ms, c.cold_pool.p99_ms / nb.p99_ms);
  if (c.init_nopool.n && c.dur_nopool.n)
    std::printf("  of the no-pool cold p50: server init %.3f + handler %.3f = %.3f ms; HTTP, "
                "scheduling and the rest %.3f ms\n",
                c.init_nopool.p50_ms, c.dur_nopool.p50_ms, c.init_nopool.p50_ms + c.dur_nopool.p50_ms,
                nb.p50_ms - c.init_nopool.p50_ms - c.dur_nopool.p50_ms);
  if (c.cold_nopool_ns.size() >= 8) {
    std::printf("  trend, p50 of the first vs last quarter of functions: cold (no pool) %.3f -> "
                "%.3f",
                quarterP50(c.cold_nopool_ns, false), quarterP50(c.cold_nopool_ns, true));
    if (c.has_pool)
      std::printf(", cold (pool) %.3f -> %.3f", quarterP50(c.cold_pool_ns, false),
                  quarterP50(c.cold_pool_ns, true));
    std::printf(", bare isolate %.3f -> %.3f, CreateFunction %.3f -> %.3f",
                quarterP50(c.isolate_ns, false), quarterP50(c.isolate_ns, true),
                quarterP50(c.create_ns, false), quarterP50(c.create_ns, true));
    if (c.init_nopool_ms.size() >= 8)
      std::printf(", Init Duration (no pool) %.3f -> %.3f", quarterP50(c.init_nopool_ms, false),
                  quarterP50(c.init_nopool_ms, true));
    if (c.init_pool_ms.size() >= 8)
      std::printf(", Init Duration (pool) %.3f -> %.3f", quarterP50(c.init_pool_ms, false),
                  quarterP50(c.init_pool_ms, true));
    std::printf("\n");
  }
  auto series = [](const char* label, const std::vector<int64_t>& ns, const std::vector<double>& init) {
    if (ns.empty()) return;
    std::printf("    %-8s p50 %.3f p99 %.3f; in order (end to end / Init Duration, ms):", label,
                statsOf(ns).p50_ms, statsOf(ns).p99_ms);
    for (size_t i = 0; i < ns.size() && i < 12; ++i)
      std::printf(" %.1f/%.1f", ns[i] / 1e6, init[i]);
    if (ns.size() > 12) std::printf(" ...");
    std::printf("\n");
  };
  if (!c.burst_nopool_ns.empty()) {
    std::printf("  burst: %zu more cold starts back to back per server (after 1 s of rest):\n",
                c.burst_nopool_ns.size());
    if (c.has_pool) series("pool", c.burst_pool_ns, c.burst_init_pool_ms);
    series("no pool", c.burst_nopool_ns, c.burst_init_nopool_ms);
    if (c.has_pool)
      std::printf("    pool / no pool, burst p50: %.2fx (paced above: %.2fx)\n",
                  statsOf(c.burst_pool_ns).p50_ms / statsOf(c.burst_nopool_ns).p50_ms,
                  c.cold_pool.p50_ms / c.cold_nopool.p50_ms);
  }
  bool met = nb.p50_ms <= 3.0;
  std::printf("  AIM cold invoke p50 <= 3 ms end to end, no pool: %.3f ms -> %s (p99 %.3f ms)\n",
              nb.p50_ms, verdict(met), nb.p99_ms);
  if (c.has_pool) {
    bool pmet = c.cold_pool.p50_ms <= 3.0;
    std::printf("  AIM cold invoke p50 <= 3 ms end to end, pool:    %.3f ms -> %s (p99 %.3f ms)\n",
                c.cold_pool.p50_ms, verdict(pmet), c.cold_pool.p99_ms);
    met = met || pmet;  // the aim is for the server as shipped: either start path
  }
  return met;
}

bool printWarm(const WarmResult& w) {
  std::printf("-- warm invoke: one function on $LATEST vs the no-op route, same client, "
              "alternating rounds --\n");
  printRowHeader();
  bool met = true;
  for (const auto& s : w.settings) {
    printRow(s.clients, "no-op", s.noop);
    printRow(s.clients, "warm invoke", s.warm);
    double r50 = s.warm.stats.p50_ms / s.noop.stats.p50_ms;
    double r99 = s.warm.stats.p99_ms / s.noop.stats.p99_ms;
    double rcpu = s.noop.cpu_us_per_req > 0 ? s.warm.cpu_us_per_req / s.noop.cpu_us_per_req : 0;
    std::printf("  %-8d ratio warm/no-op: p50 %.2fx  p99 %.2fx  mean %.2fx  throughput %.2fx "
                "slower  server CPU/req %.2fx\n",
                s.clients, r50, r99, s.warm.stats.mean_ms / s.noop.stats.mean_ms,
                s.noop.rps / s.warm.rps, rcpu);
    std::printf("  AIM warm invoke p50 within 1.2x of no-op, %d client%s: %.2fx -> %s\n",
                s.clients, s.clients == 1 ? "" : "s", r50, verdict(r50 <= 1.2));
    met = met && r50 <= 1.2;
    uint64_t rc = s.noop.reconnects + s.warm.reconnects;
    if (rc) std::printf("  note: %llu reconnects (Connection: close answers)\n",
                        static_cast<unsigned long long>(rc));
  }
  std::printf("-- provisioned invoke: version 1 with provisioned concurrency %d (?Qualifier=1) vs "
              "$LATEST warm, 1 client, request by request for %.0f s --\n",
              w.provisioned, w.pair_seconds);
  printRowHeader();
  printRow(1, "warm $LATEST", w.pair_warm);
  printRow(1, "provisioned", w.pair_prov);
  std::printf("  %-8d ratio provisioned/warm: p50 %.2fx  p99 %.2fx  mean %.2fx  (one server: "
              "its CPU is not split by route)\n",
              1, w.pair_prov.stats.p50_ms / w.pair_warm.stats.p50_ms,
              w.pair_prov.stats.p99_ms / w.pair_warm.stats.p99_ms,
              w.pair_prov.stats.mean_ms / w.pair_warm.stats.mean_ms);
  if (!w.provisioned_note.empty()) std::printf("  PROBLEM: %s\n", w.provisioned_note.c_str());
  return met;
}

void printStartPaths(const ColdResult& c, const WarmResult& w) {
  std::printf("-- hello world by start path, 1 client (from the sections above; warm and "
              "provisioned from the request-by-request pair; ratio to the warm p50) --\n");
  std::printf("  %-40s %9s %9s %10s\n", "", "p50", "p99", "x warm");
  const Row* warm = w.ran ? &w.pair_warm : nullptr;
  const Row* prov = w.ran ? &w.pair_prov : nullptr;
  double wp50 = warm ? warm->stats.p50_ms : 0;
  auto line = [&](const char* label, double p50, double p99) {
    if (wp50 > 0) std::printf("  %-40s %9.3f %9.3f %9.1fx\n", label, p50, p99, p50 / wp50);
    else std::printf("  %-40s %9.3f %9.3f %10s\n", label, p50, p99, "-");
  };
  if (c.ran) {
    line("cold, no prewarm pool", c.cold_nopool.p50_ms, c.cold_nopool.p99_ms);
    if (c.has_pool) line("cold, prewarm pool", c.cold_pool.p50_ms, c.cold_pool.p99_ms);
    else std::printf("  %-40s %9s %9s %10s\n", "cold, prewarm pool", "n/a", "n/a", "n/a");
  }
  if (warm) line("warm ($LATEST, idle sandbox)", warm->stats.p50_ms, warm->stats.p99_ms);
  if (prov) line("provisioned (Qualifier=1)", prov->stats.p50_ms, prov->stats.p99_ms);
}

bool printScale(const ScaleResult& s) {
  std::printf("-- warm dispatch vs registered functions: warm invoke of fn-00000 on a server "
              "with %d functions and on a control server with %d; 1 client: request by request across "
              "the two, %d clients: alternating phases --\n",
              s.created, s.base, s.settings.size() > 1 ? s.settings.back().clients : 1);
  std::printf("  (setup) %d CreateFunction calls in %.1f s = %.0f/s over parallel connections "
              "(one shared zip)%s; latency p50 %.3f p99 %.3f ms; server CPU %.0f us/create; "
              "errors %llu%s\n",
              s.created - s.base, s.setup_s, (s.created - s.base) / std::max(s.setup_s, 1e-9),
              s.setup_bounded ? " STOPPED by --scale-setup-seconds" : "", s.create.p50_ms,
              s.create.p99_ms, s.create_cpu_us, static_cast<unsigned long long>(s.create_errors),
              s.create_first_error.empty() ? "" : (" (" + s.create_first_error + ")").c_str());
  std::printf("  meanwhile, 1 client invoking fn-00000 on that server: n %zu  p50 %.3f  p99 %.3f  "
              "max %.3f ms (1 client, idle server: see big @%d below)\n",
              s.during.n, s.during.p50_ms, s.during.p99_ms, s.during.max_ms, s.base);
  std::printf("  big server RSS: %.1f MB with %d functions, %.1f MB with %d (%+.1f KB per "
              "function)\n",
              s.rss_before_kb / 1024.0, s.base, s.rss_after_kb / 1024.0, s.created,
              s.created > s.base ? (static_cast<double>(s.rss_after_kb) - s.rss_before_kb) /
                                       (s.created - s.base)
                                 : 0.0);
  printRowHeader();
  bool met = true;
  for (const auto& st : s.settings) {
    std::string b0 = "big @" + std::to_string(s.base), b1 = "big @" + std::to_string(s.created);
    std::string c0 = "control @" + std::to_string(s.base) + " a", c1 = "control @" + std::to_string(s.base) + " b";
    printRow(st.clients, c0.c_str(), st.ctl_before);
    printRow(st.clients, b0.c_str(), st.big_before);
    printRow(st.clients, c1.c_str(), st.ctl_after);
    printRow(st.clients, b1.c_str(), st.big_after);
    auto ratios = [](const Row& x, const Row& y, double* p50, double* p99, double* cpu, double* tput) {
      *p50 = x.stats.p50_ms / y.stats.p50_ms;
      *p99 = x.stats.p99_ms / y.stats.p99_ms;
      *cpu = y.cpu_us_per_req > 0 ? x.cpu_us_per_req / y.cpu_us_per_req : 0;
      *tput = x.rps > 0 ? y.rps / x.rps : 0;
    };
    double a50, a99, acpu, atp, m50, m99, mcpu, mtp, l50, l99, lcpu, ltp;
    ratios(st.big_before, st.ctl_before, &a50, &a99, &acpu, &atp);
    ratios(st.big_after, st.ctl_after, &m50, &m99, &mcpu, &mtp);
    ratios(st.big_after, st.big_before, &l50, &l99, &lcpu, &ltp);
    std::printf("  %-8d big/control, both @%d (A/A, the noise floor): p50 %.2fx  p99 %.2fx  "
                "server CPU/req %.2fx  throughput %.2fx slower\n",
                st.clients, s.base, a50, a99, acpu, atp);
    std::printf("  %-8d big @%d / control @%d:                   p50 %.2fx  p99 %.2fx  "
                "server CPU/req %.2fx  throughput %.2fx slower\n",
                st.clients, s.created, s.base, m50, m99, mcpu, mtp);
    std::printf("  %-8d big @%d / big @%d (same server, before/after; drift included): p50 "
                "%.2fx  p99 %.2fx  server CPU/req %.2fx\n",
                st.clients, s.created, s.base, l50, l99, lcpu);
    // At 1 client the latency is the measure; at C clients the server is saturated and its
    // CPU per request is.
    double judged = st.clients == 1 ? m50 : mcpu;
    double aa = st.clients == 1 ? a50 : acpu;
    bool ok = judged <= 1.1;
    std::printf("  AIM warm dispatch at %d functions within 1.1x of %d, %d client%s (%s, big / "
                "control): %.2fx -> %s%s\n",
                s.created, s.base, st.clients, st.clients == 1 ? "" : "s",
                st.clients == 1 ? "p50" : "server CPU/request", judged, verdict(ok),
                !ok && std::abs(aa - 1) >= std::abs(judged - 1)
                    ? " (but the A/A ratio is as far from 1: within the noise, rerun)"
                    : "");
    met = met && ok;
  }
  if (s.created < s.target)
    std::printf("  note: only %d of the %d functions were registered (see the setup line)\n",
                s.created, s.target);
  return met;
}

bool printMemory(const MemoryResult& m) {
  std::printf("-- memory per idle warm isolate: %d functions invoked once each, then idle "
              "(--memory-budget-mb %llu) --\n",
              m.invoked, static_cast<unsigned long long>(m.budget_mb));
  auto mb = [](uint64_t kb) { return kb / 1024.0; };
  std::printf("  (setup) %d CreateFunction calls, distinct code, 4 connections: %.1f s\n",
              m.requested, m.setup_s);
  std::printf("  server VmRSS: at start %.1f MB, after the creates %.1f MB, after %d invokes "
              "%.1f MB, after %.1f s idle %.1f MB\n",
              mb(m.rss_start_kb), mb(m.rss_before_kb), m.invoked, mb(m.rss_after_kb),
              m.idle_s, mb(m.rss_idle_kb));
  std::printf("  RSS curve (isolates: MB):");
  for (const auto& [n, kb] : m.curve) std::printf(" %d: %.0f", n, mb(kb));
  std::printf("\n");
  double per_mb = m.invoked ? (static_cast<double>(m.rss_idle_kb) - m.rss_before_kb) / 1024.0 / m.invoked : 0;
  // The slope over the second half of the curve: the marginal cost once the server's own
  // one-off allocations are made.
  double slope_mb = 0;
  if (m.curve.size() >= 3) {
    const auto& mid = m.curve[m.curve.size() / 2];
    const auto& end = m.curve.back();
    if (end.first > mid.first)
      slope_mb = (static_cast<double>(end.second) - mid.second) / 1024.0 / (end.first - mid.first);
  }
  std::printf("  per idle warm isolate: %.2f MB (idle RSS - RSS before the invokes) / %d; "
              "marginal over the second half %.2f MB\n",
              per_mb, m.invoked, slope_mb);
  if (m.bare_n)
    std::printf("  baseline: bare isolate+context kept alive in process: %.2f MB each (%d); "
                "Stratus isolate = %.1fx that\n",
                m.bare_kb / 1024.0, m.bare_n, m.bare_kb > 0 ? per_mb * 1024.0 / m.bare_kb : 0.0);
  std::printf("  cold invokes meanwhile: p50 %.3f p99 %.3f ms; p50 of the first vs last quarter "
              "(as live isolates pile up): end to end %.3f -> %.3f ms, server Init Duration %.3f "
              "-> %.3f ms",
              m.cold.p50_ms, m.cold.p99_ms, m.cold_first_q, m.cold_last_q,
              quarterP50(m.init_ms, false), quarterP50(m.init_ms, true));
  if (m.bare_n)
    std::printf("; baseline, bare isolate+context with the others kept alive: %.3f -> %.3f ms",
                m.bare_first_q, m.bare_last_q);
  std::printf("\n");
  std::printf("  evictions: invoking all %d again found %d cold (must be 0)\n", m.reinvoked,
              m.recold);
  if (m.stopped_by_guard)
    std::printf("  note: STOPPED at %d of %d functions: server RSS passed %llu MB "
                "(--memory-max-rss-mb)\n",
                m.invoked, m.requested, static_cast<unsigned long long>(m.guard_mb));
  double proj = per_mb * 1000;
  double proj_total = proj + mb(m.rss_before_kb);
  bool met = proj <= 4096 && m.recold == 0;
  std::printf("  AIM 1,000 idle warm isolates in <= 4 GiB: projected %.0f MB for the isolates "
              "(%.0f MB server RSS in all) -> %s%s\n",
              proj, proj_total, verdict(met), m.recold ? " (evictions: the figure is low)" : "");
  return met;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  setToolName("e2e_bench");
  Options opt = parseOptions(argc, argv);
  if (!std::filesystem::exists(opt.stratus)) die("no server binary at " + opt.stratus);
  stratus::js::initializeV8(argv[0]);
  keepTempDirs(opt.keep_data);
  const std::string work = makeTempDir("stratus-e2e");
  auto run_t0 = Clock::now();

  std::string help;
  const bool has_prewarm = stratusHasFlag(opt.stratus, "--prewarm", &help);
  std::string prewarm_help;
  if (has_prewarm) {
    // The flag's line and its continuation lines (indented deeper than a flag).
    size_t at = help.find("--prewarm");
    size_t end = help.find('\n', at);
    while (end != std::string::npos && help.compare(end + 1, 6, "      ") == 0 &&
           help.find("--", end + 1) > help.find('\n', end + 1))
      end = help.find('\n', end + 1);
    prewarm_help = help.substr(at, end == std::string::npos ? std::string::npos : end - at);
    for (char& ch : prewarm_help)
      if (ch == '\n') ch = ' ';
    while (prewarm_help.find("  ") != std::string::npos)
      prewarm_help.replace(prewarm_help.find("  "), 2, " ");
  }
  if (stratusHasFlag(opt.stratus, "--node-tier", nullptr)) opt.tier_args = {"--node-tier", "isolate"};
  if (stratusHasFlag(opt.stratus, "--prewarm-processes", nullptr))
    opt.tier_args.insert(opt.tier_args.end(), {"--prewarm-processes", "0"});
  std::string tier_text = opt.tier_args.empty() ? "no process tier flags (isolates only)"
                                                : "every server runs with";
  for (const auto& a : opt.tier_args) tier_text += " " + a;
  progress("%s: %s", opt.stratus.c_str(), tier_text.c_str());
  progress("%s: --prewarm %s", opt.stratus.c_str(),
           has_prewarm ? ("supported: " + prewarm_help).c_str() : "not supported (n/a)");
  if (!has_prewarm && !opt.prewarm.empty())
    std::fprintf(stderr, "e2e_bench: --prewarm %s ignored: the server has no such flag\n",
                 opt.prewarm.c_str());

  ColdResult cold;
  WarmResult warm;
  ScaleResult scale;
  MemoryResult memory;
  std::vector<std::pair<std::string, double>> section_s;
  auto timed = [&](const char* name, auto&& fn) {
    if (!opt.sections.count(name)) return;
    auto t0 = Clock::now();
    fn();
    section_s.push_back({name, secondsSince(t0)});
  };
  timed("cold", [&] { cold = runCold(opt, work, has_prewarm, prewarm_help); });
  timed("warm", [&] { warm = runWarm(opt, work); });
  timed("scale", [&] { scale = runScale(opt, work); });
  timed("memory", [&] { memory = runMemory(opt, work); });
  double total_s = secondsSince(run_t0);

  std::printf("\n== e2e_bench summary (%u cores, %.0f s run:", std::thread::hardware_concurrency(),
              total_s);
  for (const auto& [n, s] : section_s) std::printf(" %s %.0f s", n.c_str(), s);
  std::printf("; latencies in ms, closed loop, timed per request) ==\n");
  std::printf("   handler everywhere: exports.handler = %s; %s\n", kHelloHandler,
              opt.tier_args.empty() ? "isolate tier (no --node-tier flag)"
                                    : "on the isolate tier (--node-tier isolate, "
                                      "--prewarm-processes 0)");
  bool all_met = true;
  std::vector<std::string> skipped;
  for (const auto& s : {"cold", "warm", "scale", "memory"})
    if (!opt.sections.count(s)) skipped.push_back(s);
  if (cold.ran) all_met = printCold(cold) && all_met;
  if (warm.ran) all_met = printWarm(warm) && all_met;
  if (cold.ran || warm.ran) printStartPaths(cold, warm);
  if (scale.ran) all_met = printScale(scale) && all_met;
  if (memory.ran) all_met = printMemory(memory) && all_met;
  if (!skipped.empty()) {
    std::printf("-- skipped:");
    for (const auto& s : skipped) std::printf(" %s", s.c_str());
    std::printf(" --\n");
  }
  std::printf("== aims: %s ==\n", all_met ? "all met" : "not all met");
  std::fflush(stdout);
  cleanupAll();
  return 0;
}
