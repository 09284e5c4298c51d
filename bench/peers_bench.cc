// Peers on the same hello world, measured with the same closed-loop client in one run:
//
//   stratus  a warm invoke of `exports.handler = async (event) => ({ statusCode: 200, body:
//            'hello' })` through the Lambda API (POST .../functions/hello/invocations), on the
//            server's default tier for nodejs20.x: the process tier (the host's node in a
//            jailed process per execution environment; C clients need C of them)
//   stratus-iso  the same on a second server started with `--node-tier isolate
//            --prewarm-processes 0`: the V8-isolate tier (the tier peers_bench measured before
//            the process tier; `n/a` when the server has no --node-tier flag)
//   workerd  Cloudflare's runtime from npm (bench/node_modules), one worker module calling the
//            same handler per request (bench/peers/workerd.capnp, hello_worker.js)
//   node     the machine's `node`: an http server calling the same handler per request
//            (bench/peers/node_hello.js)
//
// Each gets POST / with body {} and must answer {"statusCode":200,"body":"hello"} (checked on
// every response). 1 client, then C clients (default 32), in alternating rounds with the
// order rotated, so that drift hits every server alike; p50/p99/mean, throughput, and the
// server's CPU per request (all its threads and its descendants' - the process tier's runtime
// processes -, /proc/<pid>/stat). Warm-up phases repeat until a server's process tree stops
// growing, so that no timed phase pays for a cold start. A peer that cannot be found or started
// is reported with the reason and left out; the others still run.
//
// Aims (from the issues): Stratus warm throughput at 32 clients at least 1.5x workerd's on the
// isolate tier, and at least workerd's on the process tier.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_common.h"

#ifndef STRATUS_BENCH_DIR
#define STRATUS_BENCH_DIR "bench"
#endif

namespace {

using namespace stratus::bench;

struct Options {
  std::string stratus;
  std::string workerd;  // "" = look in bench/node_modules
  std::string node = "node";
  std::string bench_dir = STRATUS_BENCH_DIR;
  std::set<std::string> skip;
  int clients = 32;
  int rounds = 3;
  double phase_seconds = 1.0;
  double warmup_seconds = 0.5;
  long max_requests = 200000;
  bool keep_data = false;
  std::vector<std::string> server_args;
};

void usage() {
  std::fprintf(stderr,
      "usage: peers_bench [options]\n"
      "  --stratus PATH       server binary (default: <dir of peers_bench>/../stratus)\n"
      "  --workerd PATH       workerd binary (default: bench/node_modules/@cloudflare/\n"
      "                       workerd-linux-64/bin/workerd, then bench/node_modules/.bin/workerd)\n"
      "  --node PATH          node binary (default: node on PATH)\n"
      "  --bench-dir DIR      the bench/ source dir (peers/ configs, node_modules)\n"
      "  --skip LIST          leave out peers, comma separated: stratus-iso,workerd,node\n"
      "  --clients N          connections in the concurrent setting (default 32)\n"
      "  --rounds N           rounds per setting, one phase per server each (default 3)\n"
      "  --phase-seconds S    duration of one phase (default 1)\n"
      "  --warmup-seconds S   untimed warm-up per server and setting (default 0.5)\n"
      "  --max-requests N     request cap of one phase (default 200000)\n"
      "  --keep-data          keep the temp dir (logs, data)\n"
      "  --server-arg ARG     extra argument for `stratus serve` (repeatable)\n");
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
    else if (a == "--workerd") o.workerd = value();
    else if (a == "--node") o.node = value();
    else if (a == "--bench-dir") o.bench_dir = value();
    else if (a == "--skip") {
      std::stringstream in(value());
      std::string item;
      while (std::getline(in, item, ',')) {
        if (item.empty()) continue;
        if (item != "workerd" && item != "node" && item != "stratus-iso") {
          std::fprintf(stderr, "peers_bench: unknown peer '%s' (stratus-iso, workerd, node)\n",
                       item.c_str());
          std::exit(2);
        }
        o.skip.insert(item);
      }
    } else if (a == "--clients") o.clients = std::atoi(value().c_str());
    else if (a == "--rounds") o.rounds = std::atoi(value().c_str());
    else if (a == "--phase-seconds") o.phase_seconds = std::atof(value().c_str());
    else if (a == "--warmup-seconds") o.warmup_seconds = std::atof(value().c_str());
    else if (a == "--max-requests") o.max_requests = std::atol(value().c_str());
    else if (a == "--keep-data") o.keep_data = true;
    else if (a == "--server-arg") o.server_args.push_back(value());
    else {
      usage();
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.clients < 1 || o.rounds < 1 || o.phase_seconds <= 0 || o.max_requests < 1) {
    usage();
    std::exit(2);
  }
  return o;
}

// First line of `cmd` (stdout and stderr), "" if it failed to run or exited non-zero.
std::string firstLineOf(const std::string& cmd) {
  std::string text;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return "";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) return "";
  return text.substr(0, text.find('\n'));
}

std::string shellQuoted(const std::string& s) { return "'" + s + "'"; }

// A listening TCP socket on 127.0.0.1 with a free port (for workerd's --socket-fd).
int listenOnFreePort(int* port, std::string* err) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = "socket failed";
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 1024) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    *err = "bind/listen on 127.0.0.1:0 failed";
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

struct Peer {
  std::string name;
  std::string version;  // what it reported
  std::string detail;   // how it runs
  std::string skipped;  // why it is not measured ("" = measured)
  std::unique_ptr<ChildProcess> proc = std::make_unique<ChildProcess>();
  std::string request;  // its hello request
  struct Setting {
    int clients;
    Row row;
  };
  std::vector<Setting> settings;
  uint64_t rss_kb = 0;
  int threads = 0;
  int descendants = 0;  // processes under it (the process tier's runtimes and their jails)
};

// One request, on a fresh connection, with a short timeout: is it answering hello?
bool answersHello(int port, const std::string& request, double timeout_s, std::string* why) {
  auto t0 = Clock::now();
  std::string err;
  Response r;
  while (secondsSince(t0) < timeout_s) {
    Conn c(port, timeout_s);
    if (c.roundTrip(request, &r, &err)) {
      if (r.status == 200 && r.body == kHelloResponse) return true;
      *why = "answered HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *why = "no answer within " + std::to_string(static_cast<int>(timeout_s)) + " s: " + err;
  return false;
}

std::string findWorkerd(const Options& o, std::string* tried) {
  std::vector<std::string> candidates;
  if (!o.workerd.empty()) {
    candidates.push_back(o.workerd);
  } else {
    candidates.push_back(o.bench_dir + "/node_modules/@cloudflare/workerd-linux-64/bin/workerd");
    candidates.push_back(o.bench_dir + "/node_modules/.bin/workerd");
  }
  for (const auto& c : candidates) {
    *tried += (tried->empty() ? "" : ", ") + c;
    if (!std::filesystem::exists(c)) continue;
    return c;
  }
  return "";
}

void startWorkerd(const Options& o, const std::string& work, Peer& p) {
  p.name = "workerd";
  if (o.skip.count("workerd")) {
    p.skipped = "skipped (--skip workerd)";
    return;
  }
  std::string tried;
  std::string bin = findWorkerd(o, &tried);
  if (bin.empty()) {
    p.skipped = "not installed (looked for " + tried +
                "); bench/run.sh installs it with `npm install workerd` into bench/node_modules";
    return;
  }
  p.version = firstLineOf(shellQuoted(bin) + " --version");
  if (p.version.empty()) {
    p.skipped = bin + " --version failed: " + firstLineOf(shellQuoted(bin) + " --version; true");
    return;
  }
  std::string config = o.bench_dir + "/peers/workerd.capnp";
  if (!std::filesystem::exists(config)) {
    p.skipped = "no config at " + config;
    return;
  }
  int port = 0;
  std::string err;
  int fd = listenOnFreePort(&port, &err);
  if (fd < 0) {
    p.skipped = err;
    return;
  }
  ChildSpec spec;
  spec.name = "workerd";
  spec.argv = {bin, "serve", config, "--socket-fd", "http=" + std::to_string(fd)};
  spec.log_path = work + "/workerd.log";
  spec.port_marker = "";
  spec.known_port = port;
  spec.inherit_fd = fd;
  std::string why;
  bool ok = p.proc->tryStart(spec, &why);
  close(fd);  // the child has its own copy
  if (!ok) {
    p.skipped = "did not start: " + why;
    return;
  }
  p.request = buildRequest(port, "POST", "/", "{}");
  if (!answersHello(port, p.request, 30, &why)) {
    p.skipped = "started but " + why + "\n" + p.proc->tailOfLog();
    p.proc->stop();
    return;
  }
  p.detail = "one process, " + config + " (worker module hello_worker.js)";
}

void startNode(const Options& o, const std::string& work, Peer& p) {
  p.name = "node";
  if (o.skip.count("node")) {
    p.skipped = "skipped (--skip node)";
    return;
  }
  p.version = firstLineOf(shellQuoted(o.node) + " --version");
  if (p.version.empty()) {
    p.skipped = "`" + o.node + " --version` failed: no node here?";
    return;
  }
  std::string script = o.bench_dir + "/peers/node_hello.js";
  if (!std::filesystem::exists(script)) {
    p.skipped = "no script at " + script;
    return;
  }
  ChildSpec spec;
  spec.name = "node";
  spec.argv = {o.node, script};
  spec.log_path = work + "/node.log";
  std::string why;
  if (!p.proc->tryStart(spec, &why)) {
    p.skipped = "did not start: " + why;
    return;
  }
  p.request = buildRequest(p.proc->port(), "POST", "/", "{}");
  if (!answersHello(p.proc->port(), p.request, 10, &why)) {
    p.skipped = "started but " + why;
    p.proc->stop();
    return;
  }
  p.detail = "one process, " + script + " (http.createServer, keep-alive)";
}

// `isolate`: the second server, on the isolate tier (needs the --node-tier flag).
void startStratusPeer(const Options& o, const std::string& work, Peer& p, bool isolate) {
  p.name = isolate ? "stratus-iso" : "stratus";
  std::vector<std::string> args;
  if (isolate) {
    if (o.skip.count("stratus-iso")) {
      p.skipped = "skipped (--skip stratus-iso)";
      return;
    }
    if (!stratusHasFlag(o.stratus, "--node-tier", nullptr)) {
      p.skipped = "this stratus has no --node-tier flag (isolates only: see `stratus`)";
      return;
    }
    args = {"--node-tier", "isolate"};
    if (stratusHasFlag(o.stratus, "--prewarm-processes", nullptr))
      args.insert(args.end(), {"--prewarm-processes", "0"});
  }
  args.insert(args.end(), o.server_args.begin(), o.server_args.end());
  startStratus(*p.proc, o.stratus, work, p.name, args);
  const int port = p.proc->port();
  Conn conn(port);
  createFunction(conn, port, "hello", helloSource("peers"));
  p.request = invokeRequest(port, "hello", "{}");
  Response r = conn.mustRoundTrip(p.request, 200, "invoke hello");
  if (r.body != kHelloResponse || !r.function_error.empty())
    die("invoke hello answered " + r.function_error + " " + r.body);
  p.version = "stratus " + o.stratus;
  p.detail = isolate ? "warm invoke through the Lambda API, function `hello` on $LATEST, "
                       "--node-tier isolate --prewarm-processes 0"
                     : "warm invoke through the Lambda API, function `hello` on $LATEST, the "
                       "server's default node tier";
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  setToolName("peers_bench");
  Options opt = parseOptions(argc, argv);
  if (!std::filesystem::exists(opt.stratus)) die("no server binary at " + opt.stratus);
  keepTempDirs(opt.keep_data);
  const std::string work = makeTempDir("stratus-peers");
  auto run_t0 = Clock::now();

  std::vector<Peer> peers(4);
  startStratusPeer(opt, work, peers[0], false);
  startStratusPeer(opt, work, peers[1], true);
  startWorkerd(opt, work, peers[2]);
  startNode(opt, work, peers[3]);
  for (const Peer& p : peers) {
    if (p.skipped.empty())
      std::printf("peers_bench: %-8s %s (pid %d, port %d)\n", p.name.c_str(), p.version.c_str(),
                  p.proc->pid(), p.proc->port());
    else
      std::printf("peers_bench: %-8s n/a: %s\n", p.name.c_str(), p.skipped.c_str());
  }
  std::fflush(stdout);

  std::vector<Peer*> live;
  for (Peer& p : peers)
    if (p.skipped.empty()) live.push_back(&p);
  const std::string hello = kHelloResponse;
  std::vector<int> settings = {1};
  if (opt.clients != 1) settings.push_back(opt.clients);
  for (int c : settings) {
    std::printf("peers_bench: %d client%s: %d rounds x %zu servers x %.1f s...\n", c,
                c == 1 ? "" : "s", opt.rounds, live.size(), opt.phase_seconds);
    std::fflush(stdout);
    // Until the server's process tree stops growing: C concurrent invokes of one function on
    // the process tier start C runtime processes, each a cold start.
    if (opt.warmup_seconds > 0) {
      for (Peer* p : live) {
        int before = processTree(p->proc->pid()).descendants;
        for (int i = 0; i < 20; ++i) {
          runPhase(*p->proc, c, p->request, opt.warmup_seconds, opt.max_requests, &hello);
          int now = processTree(p->proc->pid()).descendants;
          if (now == before) break;
          before = now;
        }
      }
    }
    std::vector<std::vector<Phase>> phases(live.size());
    for (int round = 0; round < opt.rounds; ++round) {
      for (size_t j = 0; j < live.size(); ++j) {
        size_t k = (j + static_cast<size_t>(round)) % live.size();
        phases[k].push_back(runPhase(*live[k]->proc, c, live[k]->request, opt.phase_seconds,
                                     opt.max_requests, &hello));
      }
    }
    for (size_t k = 0; k < live.size(); ++k) live[k]->settings.push_back({c, merge(phases[k])});
  }
  for (Peer* p : live) {
    p->rss_kb = p->proc->rssKb();
    p->threads = p->proc->threads();
    p->descendants = processTree(p->proc->pid()).descendants;
  }
  double total_s = secondsSince(run_t0);

  std::printf("\n== peers_bench summary (%u cores, %.0f s run; latencies in ms, closed loop, "
              "timed per request) ==\n",
              std::thread::hardware_concurrency(), total_s);
  std::printf("   handler everywhere: %s; request POST {} -> %s (checked on every response)\n",
              kHelloHandler, kHelloResponse);
  for (const Peer& p : peers) {
    if (p.skipped.empty())
      std::printf("   %-11s %s: %s; RSS after the run %.0f MB, %d threads, %d processes under "
                  "it\n", p.name.c_str(), p.version.c_str(), p.detail.c_str(), p.rss_kb / 1024.0,
                  p.threads, p.descendants);
    else
      std::printf("   %-11s n/a: %s\n", p.name.c_str(), p.skipped.c_str());
  }
  std::printf("   ratios are stratus / peer: below 1 favours stratus for p50, p99 and CPU, above 1 "
              "for throughput\n");
  std::printf("  %-8s %-11s %8s %9s %9s %9s %9s %10s %12s %7s\n", "clients", "server", "n", "p50",
              "p99", "mean", "max", "req/s", "srv CPU us/r", "errors");
  const Peer* stratus[2] = {&peers[0], &peers[1]};  // process tier (default), isolate tier
  const Peer& wd = peers[2];
  for (size_t si = 0; si < settings.size(); ++si) {
    int c = settings[si];
    for (const Peer* p : live) {
      const Row& row = p->settings[si].row;
      std::printf("  %-8d %-11s %8zu %9.3f %9.3f %9.3f %9.3f %10.0f %12.1f %7llu\n", c,
                  p->name.c_str(), row.stats.n, row.stats.p50_ms, row.stats.p99_ms,
                  row.stats.mean_ms, row.stats.max_ms, row.rps, row.cpu_us_per_req,
                  static_cast<unsigned long long>(row.errors));
      if (!row.first_error.empty()) std::printf("           first error: %s\n", row.first_error.c_str());
    }
    for (const Peer* st : stratus) {
      if (!st->skipped.empty()) continue;
      const Row& s = st->settings[si].row;
      for (const Peer* p : live) {
        if (p == stratus[0] || p == stratus[1]) continue;
        const Row& row = p->settings[si].row;
        std::printf("  %-8d %-11s / %-7s: p50 %.2fx  p99 %.2fx  throughput %.2fx  server "
                    "CPU/req %.2fx\n",
                    c, st->name.c_str(), p->name.c_str(), s.stats.p50_ms / row.stats.p50_ms,
                    s.stats.p99_ms / row.stats.p99_ms, s.rps / row.rps,
                    row.cpu_us_per_req > 0 ? s.cpu_us_per_req / row.cpu_us_per_req : 0.0);
      }
    }
  }
  // The isolate tier's aim predates the process tier; a build without --node-tier runs only
  // isolates, so then `stratus` is judged by it.
  bool met = true, judged = false;
  auto aim = [&](const Peer& st, double factor, const char* tier) {
    if (!st.skipped.empty()) {
      std::printf("  AIM Stratus (%s) warm throughput at %d clients >= %.1fx workerd's: n/a (%s)\n",
                  tier, opt.clients, factor, st.skipped.c_str());
      return;
    }
    if (!wd.skipped.empty() || opt.clients == 1) {
      std::printf("  AIM Stratus (%s) warm throughput at %d clients >= %.1fx workerd's: n/a (%s)\n",
                  tier, opt.clients, factor,
                  wd.skipped.empty() ? "no concurrent setting" : "no workerd");
      return;
    }
    double r = st.settings.back().row.rps / wd.settings.back().row.rps;
    bool ok = r >= factor;
    met = met && ok;
    judged = true;
    std::printf("  AIM Stratus (%s) warm throughput at %d clients >= %.1fx workerd's: %.0f vs %.0f "
                "req/s = %.2fx -> %s\n",
                tier, opt.clients, factor, st.settings.back().row.rps,
                wd.settings.back().row.rps, r, ok ? "MET" : "MISSED");
  };
  if (stratusHasFlag(opt.stratus, "--node-tier", nullptr)) {
    aim(*stratus[0], 1.0, "process tier, the default");
    aim(*stratus[1], 1.5, "isolate tier");
  } else {
    aim(*stratus[0], 1.5, "isolates only");
  }
  std::printf("== aims: %s ==\n", !judged ? "not judged" : met ? "all met" : "not all met");
  std::fflush(stdout);
  cleanupAll();
  return 0;
}
