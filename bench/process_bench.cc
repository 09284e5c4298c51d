// End-to-end benchmark of the process tier: functions that run as jailed runtime processes
// (nodejs*.x on the host's node, python3.x on the host's python3, provided* as the zip's
// `bootstrap`) speaking the Lambda Runtime API to the server. Like e2e_bench it starts real
// `stratus serve` servers (bench_common.h), creates functions through the Lambda API and times
// every request itself with a closed-loop keep-alive client. Sections (--skip / --only):
//
//   cold    N distinct functions per runtime, each invoked once (a cold start), 1 client, on
//           two servers: the server's default prewarm pool of runtime processes and
//           `--prewarm-processes 0`. Empty handlers: node ESM (index.mjs, `export const handler
//           = async () => ({})`), node CommonJS (index.js) and python3.12 (`def handler(e, c):
//           return {}`). Paced and interleaved, request by request, with same-run baselines:
//           `node -e 0` and `python3 -c 0` spawned and waited for; the jail floor, build/
//           stratus-jail running /bin/true with its namespaces and a cgroup this tool makes under
//           its own memory cgroup (spawn+wait, spawn to the exec of /bin/true - the jail's error
//           fd closes then -, and spawn to exec without the cgroup); the no-op route GET
//           /_stratus/health. X-Amz-Log-Type: Tail gives the server's REPORT: Init Duration
//           (from the spawn, or from the claim of a pooled process, to the runtime's first
//           /next), so end to end minus Init Duration is Stratus's own share. Then a burst: M
//           more node cold starts back to back on each server (does the pool run dry?).
//   custom  a provided.al2023 function whose bootstrap is a small C program speaking the Runtime
//           API on one keep-alive socket (compiled with cc here), N distinct functions each
//           invoked once, paced, interleaved with the jail floor and the no-op route.
//   layers  a node function's cold start with 5 layers (each 200 small files under
//           nodejs/node_modules, merged into /opt) beside the same function with none: N
//           distinct functions of each, one server without a process pool (every start spawns
//           its runtime), paced and interleaved pair by pair. The
//           first start with the 5 layers builds their /opt tree (reported alone); the others
//           reuse it (one tree per ordered list of layer contents).
//   warm    the hello world (as e2e_bench and peers_bench run it) on the node process tier
//           against the same handler on the isolate tier (STRATUS_TIER=isolate) and the no-op
//           route, one server: 1 client request by request across the three, then C clients
//           (one epoll loop) in alternating phases, after warm-up phases that last until the
//           server's process tree stops growing (C concurrent invokes need C runtime processes).
//           CPU counts the whole tree (the runtime processes are the server's descendants) and
//           the server alone. workerd is measured by peers_bench (bench/run.sh runs both), beside
//           this same process-tier route.
//
// Pacing: an idle gap (--cold-gap-ms, 100) comes before each cold invoke and before each jail
// floor with its cgroup. Not less: on cgroup v1 the first task migrated into a cgroup after
// ~50 ms without one waits for an RCU grace period (about 10-15 ms here), which an isolated
// cold start pays; back to back, only the first of a run does. The gap also lets the pool
// refill, as idle time between cold starts would.
//
// After each server stops, processes of its sandboxes (by cgroup, .../stratus-<pid>/sb-*) that
// are still alive are reported as a PROBLEM in the summary.
//
// Aims (from the issue): Stratus's share of a cold start (end to end - Init Duration) p50 <= 3
// ms with the pool; a compiled custom runtime's cold invoke p50 <= 5 ms; process-tier warm
// throughput at 32 clients at least workerd's (peers_bench). Figures are printed beside their
// same-run baselines, as ratios: this VM's speed drifts up to 2x between runs.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/zip_writer.h"
#include "runtime/base/crypto.h"

#ifndef STRATUS_BENCH_DIR
#define STRATUS_BENCH_DIR "bench"
#endif

extern char** environ;

namespace {

using namespace stratus::bench;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Options

const std::set<std::string> kSections = {"cold", "custom", "layers", "warm"};

struct Options {
  std::string stratus;  // the server binary
  std::string jail;     // "" = stratus-jail beside the server binary
  std::string node = "/usr/bin/node";
  std::string python = "/usr/bin/python3";
  std::string cc = "cc";
  std::set<std::string> sections = kSections;
  int cold = 30;         // distinct functions per runtime per server
  int cold_gap_ms = 100;  // idle time before each paced cold invoke and jail floor
  int cold_burst = 8;    // back-to-back node cold starts per server after the paced ones
  int custom = 30;       // distinct custom-runtime functions
  int clients = 32;
  int rounds = 3;
  double phase_seconds = 1.5;
  double warmup_seconds = 0.5;
  long max_requests = 200000;
  bool keep_data = false;
  std::vector<std::string> server_args;
};

void usage() {
  std::fprintf(stderr,
      "usage: process_bench [options]\n"
      "  --stratus PATH       server binary (default: <dir of process_bench>/../stratus)\n"
      "  --jail PATH          jail helper for the floor (default: stratus-jail beside --stratus)\n"
      "  --node PATH          node for the `node -e 0` baseline (default /usr/bin/node)\n"
      "  --python PATH        python for the `python3 -c 0` baseline (default /usr/bin/python3)\n"
      "  --cc PATH            C compiler for the custom runtime (default cc)\n"
      "  --skip LIST          leave out sections, comma separated: cold,custom,layers,warm\n"
      "  --only LIST          run only these sections\n"
      "  --cold N             distinct functions per runtime per server (default 30)\n"
      "  --cold-gap-ms MS     idle time before each paced cold invoke and each jail floor with\n"
      "                       its cgroup (default 100; see the header on why not less)\n"
      "  --cold-burst N       then N node cold starts back to back per server (default 8)\n"
      "  --custom N           distinct custom-runtime functions (default 30)\n"
      "  --clients N          connections in the concurrent warm setting (default 32)\n"
      "  --rounds N           warm rounds, one phase per route each (default 3)\n"
      "  --phase-seconds S    one warm phase (default 1.5; 1 client: rounds x S seconds)\n"
      "  --warmup-seconds S   untimed warm-up per route and setting (default 0.5)\n"
      "  --max-requests N     request cap of one phase (default 200000)\n"
      "  --keep-data          keep the temp dir (server logs, data)\n"
      "  --server-arg ARG     extra argument for every `stratus serve` (repeatable)\n");
}

std::set<std::string> parseList(const std::string& s) {
  std::set<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    if (!kSections.count(item)) {
      std::fprintf(stderr, "process_bench: unknown section '%s' (cold, custom, warm)\n",
                   item.c_str());
      std::exit(2);
    }
    out.insert(item);
  }
  return out;
}

Options parseOptions(int argc, char** argv) {
  Options o;
  o.stratus = fs::path(selfDir()).parent_path() / "stratus";
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
    else if (a == "--jail") o.jail = value();
    else if (a == "--node") o.node = value();
    else if (a == "--python") o.python = value();
    else if (a == "--cc") o.cc = value();
    else if (a == "--skip") {
      for (const auto& s : parseList(value())) o.sections.erase(s);
    } else if (a == "--only") o.sections = parseList(value());
    else if (a == "--cold") o.cold = std::atoi(value().c_str());
    else if (a == "--cold-gap-ms") o.cold_gap_ms = std::atoi(value().c_str());
    else if (a == "--cold-burst") o.cold_burst = std::atoi(value().c_str());
    else if (a == "--custom") o.custom = std::atoi(value().c_str());
    else if (a == "--clients") o.clients = std::atoi(value().c_str());
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
  if (o.jail.empty()) o.jail = fs::path(o.stratus).parent_path() / "stratus-jail";
  if (o.cold < 1 || o.custom < 1 || o.cold_gap_ms < 0 || o.cold_burst < 0 || o.clients < 1 ||
      o.rounds < 1 || o.phase_seconds <= 0 || o.max_requests < 1) {
    usage();
    std::exit(2);
  }
  return o;
}

std::vector<std::string> withArgs(const Options& o, std::vector<std::string> extra) {
  std::vector<std::string> all = o.server_args;
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

void progress(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void progress(const char* fmt, ...) {
  std::printf("process_bench: ");
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::printf("\n");
  std::fflush(stdout);
}

const char* verdict(bool ok) { return ok ? "MET" : "MISSED"; }

// ---------------------------------------------------------------------------------------------
// Baselines run by this process: spawn+wait of a program, and the jail floor.

// posix_spawn, waitpid; stdin and stdout /dev/null, stderr appended to `err_log`. Dies if the
// program does not exit 0. With `exec_ns`, fd 3 is a pipe (the jail's --error-fd 3): the time
// until it reads EOF, which the jail's init gives when it execs the program, goes there.
int64_t spawnWait(const std::vector<std::string>& argv, const std::string& err_log,
                  int64_t* exec_ns = nullptr) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int error_pipe[2] = {-1, -1};
  if (exec_ns) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) die("pipe2: " + std::string(std::strerror(errno)));
    // Above 3, so that the dup2 onto 3 is a real one (it clears close-on-exec).
    error_pipe[0] = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
    error_pipe[1] = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
    close(p[0]);
    close(p[1]);
    posix_spawn_file_actions_adddup2(&fa, error_pipe[1], 3);
  }
  pid_t pid = -1;
  auto t0 = Clock::now();
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  std::string error_line;
  if (exec_ns) {
    close(error_pipe[1]);
    char buf[512];
    for (ssize_t n; (n = read(error_pipe[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      error_line.append(buf, static_cast<size_t>(n));
    }
    *exec_ns = nsBetween(t0, Clock::now());
    close(error_pipe[0]);
  }
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  int64_t ns = nsBetween(t0, Clock::now());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) die("spawn " + argv[0] + ": " + std::strerror(rc));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !error_line.empty()) {
    std::ifstream in(err_log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    die(argv[0] + " did not exit 0 (wait status " + std::to_string(status) + ") " + error_line +
        "; " + err_log + ":\n" + text.substr(text.size() > 2000 ? text.size() - 2000 : 0));
  }
  return ns;
}

// A cgroup for the jail floor, as the server makes one per sandbox: under this process's own
// memory cgroup (v1; on v2 beside it, under its parent), in the memory, cpu and pids
// hierarchies, named stratus-bench-<pid>/floor (not stratus-<pid>: a server's sweep of stale
// trees leaves it alone). Removed at exit, with the directories it had to make.
class FloorCgroup {
 public:
  static FloorCgroup& get() {
    static FloorCgroup* one = [] {
      auto* c = new FloorCgroup;
      std::atexit([] { get().remove(); });
      return c;
    }();
    return *one;
  }
  // The path under each controller's mount (what stratus-jail --cgroup takes), "" on failure.
  const std::string& create(std::string* why) {
    if (!path_.empty()) return path_;
    std::map<std::string, std::string> own;  // controller ("" for v2) -> own path
    std::ifstream cg("/proc/self/cgroup");
    for (std::string line; std::getline(cg, line);) {
      size_t a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      std::stringstream names(line.substr(a + 1, b - a - 1));
      for (std::string n; std::getline(names, n, ',');) own[n] = line.substr(b + 1);
      if (b == a + 1) own[""] = line.substr(b + 1);
    }
    std::map<std::string, std::string> mounts;  // controller ("" for v2) -> mount point
    std::ifstream mi("/proc/self/mounts");
    for (std::string line; std::getline(mi, line);) {
      std::stringstream in(line);
      std::string dev, dir, type, opts;
      in >> dev >> dir >> type >> opts;
      if (type == "cgroup2") mounts[""] = dir;
      if (type != "cgroup") continue;
      std::stringstream o(opts);
      for (std::string n; std::getline(o, n, ',');) mounts[n] = dir;
    }
    std::string anchor;
    std::vector<std::string> controllers;
    if (own.count("memory") && mounts.count("memory")) {
      anchor = own["memory"];
      for (const char* c : {"memory", "cpu", "pids"})
        if (mounts.count(c)) controllers.push_back(c);
    } else if (own.count("") && mounts.count("")) {
      anchor = fs::path(own[""]).parent_path().string();
      controllers.push_back("");
    } else {
      *why = "no memory cgroup (v1) or unified hierarchy found in /proc/self/cgroup";
      return path_;
    }
    std::string rel = (anchor == "/" ? "" : anchor) + "/stratus-bench-" + std::to_string(getpid()) + "/floor";
    for (const auto& c : controllers) {
      std::string dir = mounts[c];
      std::stringstream parts(rel);
      for (std::string p; std::getline(parts, p, '/');) {
        if (p.empty()) continue;
        dir += "/" + p;
        if (mkdir(dir.c_str(), 0755) == 0) made_.push_back(dir);
        else if (errno != EEXIST) {
          *why = "mkdir " + dir + ": " + std::strerror(errno);
          remove();
          return path_;
        }
      }
      if (c == "memory") std::ofstream(dir + "/memory.limit_in_bytes") << (128 << 20);
    }
    path_ = rel.substr(1);
    return path_;
  }
  void remove() {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) rmdir(it->c_str());
    made_.clear();
    path_.clear();
  }

 private:
  std::string path_;
  std::vector<std::string> made_;  // in the order made
};

class Baselines {
 public:
  Baselines(const Options& o, const std::string& work) : opt_(o), err_log_(work + "/baselines.stderr") {
    std::string root = work + "/jail-root", task = work + "/jail-task";
    fs::create_directories(root);
    fs::create_directories(task);
    chmod(work.c_str(), 0755);
    chmod(root.c_str(), 0755);
    chmod(task.c_str(), 0755);
    std::string why;
    const std::string& cgroup = FloorCgroup::get().create(&why);
    if (cgroup.empty()) progress("jail floor without a cgroup: %s", why.c_str());
    jail_argv_ = {o.jail, "--root", root, "--uid", "1051", "--gid", "1051",
                  "--bind", task + ":/var/task", "--error-fd", "3", "--", "/bin/true"};
    nocg_argv_ = jail_argv_;
    if (!cgroup.empty()) {
      jail_argv_.insert(jail_argv_.end() - 2, {"--cgroup", cgroup});
      floor_label_ = "namespaces + cgroup " + cgroup;
    } else {
      floor_label_ = "namespaces, NO cgroup";
    }
    // The first spawn of each pays one-off costs (page cache, the dynamic loader).
    jailFloor();
  }
  // The jail floor: spawn until the exec of /bin/true and until the jail has exited (the
  // namespaces' teardown included); and spawn to exec without the cgroup, to show what joining
  // it costs.
  struct Floor {
    int64_t exec_ns = 0, exit_ns = 0, nocg_exec_ns = 0;
  };
  // `pause` runs between the two (the idle gap a cold start gets: see the header).
  Floor jailFloor(const std::function<void()>& pause = [] {}) {
    Floor f;
    spawnWait(nocg_argv_, err_log_, &f.nocg_exec_ns);
    pause();
    f.exit_ns = spawnWait(jail_argv_, err_log_, &f.exec_ns);
    return f;
  }
  int64_t nodeSpawn() { return spawnWait({opt_.node, "-e", "0"}, err_log_); }
  int64_t pythonSpawn() { return spawnWait({opt_.python, "-c", "0"}, err_log_); }
  const std::string& floorLabel() const { return floor_label_; }

 private:
  const Options& opt_;
  std::string err_log_;
  std::vector<std::string> jail_argv_, nocg_argv_;
  std::string floor_label_;
};

// ---------------------------------------------------------------------------------------------
// Stopping a server: its sandboxes' processes must go with it. Any still alive a moment after
// (found by their cgroup, .../stratus-<server pid>/sb-N) are reported in the summary.

std::vector<std::string> g_leaks;

void stopServer(ChildProcess& server) {
  const pid_t pid = server.pid();
  const std::string name = server.name();
  server.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string mark = "/stratus-" + std::to_string(pid) + "/sb-";
  int left = 0;
  std::set<std::string> states;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string n = entry.path().filename();
    if (n.empty() || !std::all_of(n.begin(), n.end(), ::isdigit)) continue;
    std::ifstream cg(entry.path() / "cgroup");
    std::string text((std::istreambuf_iterator<char>(cg)), std::istreambuf_iterator<char>());
    if (text.find(mark) == std::string::npos) continue;
    ++left;
    std::ifstream st(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(st)), std::istreambuf_iterator<char>());
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size()) states.insert(stat.substr(paren + 2, 1));
  }
  if (left > 0) {
    std::string st;
    for (const auto& x : states) st += (st.empty() ? "" : ",") + x;
    g_leaks.push_back(name + " (pid " + std::to_string(pid) + "): " + std::to_string(left) +
                      " sandbox processes still alive 0.5 s after it exited (state " + st +
                      "; cgroup ..." + mark + "*)");
  }
}

// ---------------------------------------------------------------------------------------------
// Functions

// One runtime's empty handler: how to make a distinct zip of it per function.
struct Kind {
  std::string key;    // function name prefix
  std::string label;  // for the summary
  std::string runtime, handler;
  std::string (*zip)(const std::string& tag, const std::string& extra);
};

std::string esmZip(const std::string& tag, const std::string&) {
  return zipOneFile("index.mjs", "// " + tag + "\nexport const handler = async () => ({});\n");
}
std::string cjsZip(const std::string& tag, const std::string&) {
  return zipOneFile("index.js", "// " + tag + "\nexports.handler = async () => ({});\n");
}
std::string pyZip(const std::string& tag, const std::string&) {
  return zipOneFile("index.py", "# " + tag + "\ndef handler(e, c):\n    return {}\n");
}
// `extra` is the compiled bootstrap; the tag file makes each function's code distinct.
std::string customZip(const std::string& tag, const std::string& bootstrap) {
  StoredZip z;
  z.add("bootstrap", bootstrap, 0755);
  z.add("tag.txt", tag);
  return z.finish();
}

const Kind kEsm{"esm", "node ESM (index.mjs)", "nodejs20.x", "index.handler", esmZip};
const Kind kCjs{"cjs", "node CommonJS (index.js)", "nodejs20.x", "index.handler", cjsZip};
const Kind kPy{"py", "python3.12", "python3.12", "index.handler", pyZip};
const Kind kCustom{"c", "provided.al2023, C bootstrap", "provided.al2023", "unused.handler", customZip};

// The custom runtime: GET /next, POST {} as the response, on one keep-alive connection
// (reconnecting when the server closes it). Content-Length bodies only.
const char kBootstrapC[] = R"C(
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addr;
static int fd = -1;
static char api[128], buf[1 << 20];

static void die(const char *what) { fprintf(stderr, "bench bootstrap: %s\n", what); exit(2); }

/* Sends one request (head and body in one send: no Nagle wait), reads its response into buf;
   returns the status, and the request id into rid. */
static int exchange(const char *request, char *rid) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd < 0) {
      int one = 1;
      fd = socket(AF_INET, SOCK_STREAM, 0);
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
    }
    size_t got = 0, want = 0;
    char *end = NULL;
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) goto again;
    for (;;) {
      ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
      if (r <= 0) break;
      got += (size_t)r;
      buf[got] = 0;
      if (!end && (end = strstr(buf, "\r\n\r\n"))) {
        char *cl = strcasestr(buf, "\r\nContent-Length:");
        if (!cl || cl > end) die("no Content-Length");
        want = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
      }
      if (end && got >= want) break;
    }
    if (!end || got < want) goto again;  /* the server closed an idle connection */
    if (rid) {
      char *h = strcasestr(buf, "\r\nLambda-Runtime-Aws-Request-Id:");
      if (!h || h > end) die("no request id");
      h += 32;
      while (*h == ' ') h++;
      size_t n = strcspn(h, "\r");
      if (n >= 128) die("long request id");
      memcpy(rid, h, n);
      rid[n] = 0;
    }
    int status = atoi(buf + 9);
    char *conn = strcasestr(buf, "\r\nConnection: close");
    if (conn && conn < end) { close(fd); fd = -1; }
    return status;
  again:
    close(fd);
    fd = -1;
  }
  die("connection lost twice");
  return 0;
}

int main(void) {
  const char *env = getenv("AWS_LAMBDA_RUNTIME_API");
  if (!env || strlen(env) >= sizeof api) die("no AWS_LAMBDA_RUNTIME_API");
  strcpy(api, env);
  char *colon = strrchr(api, ':');
  if (!colon) die("bad AWS_LAMBDA_RUNTIME_API");
  *colon = 0;
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(colon + 1));
  if (inet_pton(AF_INET, api, &addr.sin_addr) != 1) die("not an IPv4 address");
  *colon = ':';
  char head[512], rid[128];
  for (;;) {
    snprintf(head, sizeof head, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
    if (exchange(head, rid) != 200) die("/next failed");
    snprintf(head, sizeof head, "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\n"
             "Host: %s\r\nContent-Length: 2\r\n\r\n{}", rid, api);
    if (exchange(head, NULL) != 202) die("/response failed");
  }
}
)C";

// Compiles kBootstrapC; returns the executable's bytes.
std::string compileBootstrap(const Options& o, const std::string& work) {
  const std::string src = work + "/bootstrap.c", exe = work + "/bootstrap";
  std::ofstream(src) << kBootstrapC;
  spawnWait({"/bin/sh", "-c", "exec \"$0\" -O2 -Wall -Werror -o \"$1\" \"$2\"", o.cc, exe, src},
            work + "/cc.stderr");
  std::ifstream in(exe, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Creates `names` of `kind` over 4 parallel connections, each with distinct code.
void createAll(const ChildProcess& server, const Kind& kind, const std::vector<std::string>& names,
               const std::string& extra) {
  std::vector<std::string> reqs;
  for (const auto& n : names) {
    FunctionSpec spec;
    spec.runtime = kind.runtime;
    spec.handler = kind.handler;
    spec.zip = kind.zip(std::to_string(getpid()) + "/" + n, extra);
    reqs.push_back(createFunctionRequest(server.port(), n, spec));
  }
  LoopSpec spec;
  spec.port = server.port();
  spec.clients = 4;
  spec.next = [&reqs](long i) {
    return static_cast<size_t>(i) < reqs.size() ? &reqs[static_cast<size_t>(i)] : nullptr;
  };
  spec.expect_status = 201;
  Phase p = runLoop(spec);
  if (p.errors) die("CreateFunction (" + kind.label + "): " + p.first_error);
}

std::vector<std::string> names(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + "-" + std::to_string(i));
  return out;
}

// One cold start, as its client and the server's REPORT saw it.
struct ColdSample {
  double e2e_ms = 0, init_ms = -1, dur_ms = -1;
};

ColdSample coldInvoke(Conn& conn, int port, const std::string& fn) {
  const std::string req = invokeRequest(port, fn, "{}", "", {"X-Amz-Log-Type: Tail"});
  Response r;
  std::string err;
  auto t0 = Clock::now();
  if (!conn.roundTrip(req, &r, &err)) die("cold invoke " + fn + ": " + err);
  ColdSample s;
  s.e2e_ms = nsBetween(t0, Clock::now()) / 1e6;
  std::string log;
  if (auto d = stratus::base64Decode(r.log_result)) log = *d;
  if (r.status != 200 || !r.function_error.empty() || r.body != "{}")
    die("cold invoke " + fn + ": HTTP " + std::to_string(r.status) + " " + r.function_error +
        " " + r.body.substr(0, 500) + "\n" + log);
  s.init_ms = reportField(log, "Init Duration: ");
  s.dur_ms = reportField(log, "\tDuration: ");
  if (s.init_ms < 0) die("cold invoke " + fn + " reported no Init Duration: not a cold start?\n" + log);
  return s;
}

struct ColdSeries {
  std::vector<ColdSample> samples;
  Stats e2e() const { return over([](const ColdSample& s) { return s.e2e_ms; }); }
  Stats init() const { return over([](const ColdSample& s) { return s.init_ms; }); }
  Stats share() const { return over([](const ColdSample& s) { return s.e2e_ms - s.init_ms; }); }
  Stats dur() const { return over([](const ColdSample& s) { return s.dur_ms; }); }
  template <typename F>
  Stats over(F f) const {
    std::vector<double> v;
    for (const auto& s : samples) v.push_back(f(s));
    return statsOfMs(v);
  }
};

void printStatsHeader() {
  std::printf("  %-58s %5s %9s %9s %9s %9s\n", "", "n", "p50", "p99", "mean", "max");
}
void printStatsRow(const std::string& label, const Stats& s, const std::string& extra = "") {
  std::printf("  %-58s %5zu %9.3f %9.3f %9.3f %9.3f  %s\n", label.c_str(), s.n, s.p50_ms,
              s.p99_ms, s.mean_ms, s.max_ms, extra.c_str());
}

// The three jail-floor rows; returns the spawn-to-exec stats (with the cgroup).
Stats printFloor(const std::vector<Baselines::Floor>& floor, const std::string& label) {
  std::vector<int64_t> exec, exit, nocg;
  for (const auto& f : floor) {
    exec.push_back(f.exec_ns);
    exit.push_back(f.exit_ns);
    nocg.push_back(f.nocg_exec_ns);
  }
  printStatsRow("baseline: jail floor, spawn+wait (stratus-jail /bin/true)", statsOf(exit),
                "(" + label + ")");
  printStatsRow("baseline: jail floor, spawn to exec of /bin/true", statsOf(exec));
  printStatsRow("baseline: jail floor, spawn to exec, without the cgroup", statsOf(nocg));
  return statsOf(exec);
}

// ---------------------------------------------------------------------------------------------
// cold

struct ColdResult {
  bool ran = false;
  int n = 0, gap_ms = 0;
  std::string floor_label;
  std::vector<const Kind*> kinds;
  std::map<std::string, ColdSeries> pool, nopool;  // by kind key
  std::vector<int64_t> node_ns, python_ns, noop_ns;
  std::vector<Baselines::Floor> floor;
  ColdSeries burst_pool, burst_nopool;
};

ColdResult runCold(const Options& opt, const std::string& work, Baselines& base) {
  ColdResult res;
  res.ran = true;
  res.n = opt.cold;
  res.gap_ms = opt.cold_gap_ms;
  res.floor_label = base.floorLabel();
  res.kinds = {&kEsm, &kCjs, &kPy};
  ChildProcess pool, nopool;
  startStratus(pool, opt.stratus, work, "cold-pool", withArgs(opt, {}));
  startStratus(nopool, opt.stratus, work, "cold-nopool", withArgs(opt, {"--prewarm-processes", "0"}));
  progress("%s (pid %d) [default pool] and %s (pid %d) [--prewarm-processes 0]",
           pool.banner().c_str(), pool.pid(), nopool.banner().c_str(), nopool.pid());
  progress("cold: creating %d functions per runtime (+%d burst) on each server...", opt.cold,
           opt.cold_burst);
  for (ChildProcess* s : {&pool, &nopool}) {
    for (const Kind* k : res.kinds) createAll(*s, *k, names(k->key, opt.cold), "");
    createAll(*s, kCjs, names("burst", opt.cold_burst), "");
  }
  // Let the pool fill before the first cold start.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  progress("cold: %d x %zu runtimes per server, interleaved with the baselines...", opt.cold,
           res.kinds.size());
  Conn a(pool.port()), b(nopool.port());
  const std::string health = buildRequest(pool.port(), "GET", "/_stratus/health", "");
  a.mustRoundTrip(health, 200, "health");
  auto gap = [&] {
    if (opt.cold_gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt.cold_gap_ms));
  };
  for (int i = 0; i < opt.cold; ++i) {
    res.node_ns.push_back(base.nodeSpawn());
    res.python_ns.push_back(base.pythonSpawn());
    auto t0 = Clock::now();
    a.mustRoundTrip(health, 200, "health");
    res.noop_ns.push_back(nsBetween(t0, Clock::now()));
    res.floor.push_back(base.jailFloor(gap));
    for (const Kind* k : res.kinds) {
      const std::string fn = k->key + "-" + std::to_string(i);
      // Alternate which server goes first, so neither always runs during the other's
      // background work (a pool refill, a finished process's teardown).
      for (int j = 0; j < 2; ++j) {
        bool on_pool = (i + j) % 2 == 0;
        gap();
        ColdSample s = coldInvoke(on_pool ? a : b, on_pool ? pool.port() : nopool.port(), fn);
        (on_pool ? res.pool : res.nopool)[k->key].samples.push_back(s);
      }
    }
  }
  if (opt.cold_burst > 0) {
    progress("cold: burst of %d back-to-back node cold starts per server...", opt.cold_burst);
    for (bool on_pool : {true, false}) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      for (const auto& fn : names("burst", opt.cold_burst))
        (on_pool ? res.burst_pool : res.burst_nopool)
            .samples.push_back(coldInvoke(on_pool ? a : b, on_pool ? pool.port() : nopool.port(), fn));
    }
  }
  stopServer(pool);
  stopServer(nopool);
  return res;
}

bool printCold(const ColdResult& c) {
  std::printf("-- cold invoke, process tier: %d distinct functions per runtime per server, each "
              "invoked once, 1 client, interleaved with the baselines, %d ms idle before each --\n",
              c.n, c.gap_ms);
  std::printf("   servers: default prewarm pool (--prewarm-processes default) and "
              "--prewarm-processes 0; `e2e - Init` = end to end minus the REPORT's Init Duration, "
              "per request (Stratus's own share)\n");
  printStatsHeader();
  Stats node = statsOf(c.node_ns), python = statsOf(c.python_ns), noop = statsOf(c.noop_ns);
  bool met = true;
  for (const Kind* k : c.kinds) {
    const ColdSeries& p = c.pool.at(k->key);
    const ColdSeries& n = c.nopool.at(k->key);
    printStatsRow(k->label + ", pool: end to end", p.e2e());
    printStatsRow(k->label + ", pool: Init Duration", p.init());
    printStatsRow(k->label + ", pool: e2e - Init", p.share());
    printStatsRow(k->label + ", pool: Duration (the handler)", p.dur());
    printStatsRow(k->label + ", no pool: end to end", n.e2e());
    printStatsRow(k->label + ", no pool: Init Duration", n.init());
    printStatsRow(k->label + ", no pool: e2e - Init", n.share());
  }
  printStatsRow("baseline: `node -e 0` spawn+wait", node);
  printStatsRow("baseline: `python3 -c 0` spawn+wait", python);
  const Stats floor_exec = printFloor(c.floor, c.floor_label);
  printStatsRow("baseline: no-op route GET /_stratus/health", noop);
  std::printf("  ratios (p50): %-26s %10s %10s %10s %10s %12s\n", "", "pool/spawn", "nopool/spawn",
              "pool/nopool", "nopool/jail", "pool misses?");
  for (const Kind* k : c.kinds) {
    const ColdSeries& p = c.pool.at(k->key);
    const ColdSeries& n = c.nopool.at(k->key);
    const Stats& spawn = k == &kPy ? python : node;
    // A pool cold start whose Init Duration is nearer the no-pool median than the pool's
    // probably found no ready process.
    double cut = (p.init().p50_ms + n.init().p50_ms) / 2;
    int misses = 0;
    for (const auto& s : p.samples) misses += s.init_ms > cut;
    std::printf("  %-40s %10.2f %12.2f %11.2f %10.2f %7d of %zu\n", k->label.c_str(),
                p.e2e().p50_ms / spawn.p50_ms, n.e2e().p50_ms / spawn.p50_ms,
                p.e2e().p50_ms / n.e2e().p50_ms, n.e2e().p50_ms / floor_exec.p50_ms, misses,
                p.samples.size());
  }
  std::printf("  (spawn: `node -e 0`, for python `python3 -c 0`, spawn+wait; jail: the jail floor "
              "to exec; pool misses: pool cold starts whose Init Duration is nearer the no-pool "
              "p50 than the pool p50)\n");
  for (const Kind* k : c.kinds) {
    const Stats s = c.pool.at(k->key).share();
    bool ok = s.p50_ms <= 3.0;
    met = met && ok;
    std::printf("  AIM Stratus's share of a cold start (e2e - Init) p50 <= 3 ms with the pool, %s: "
                "%.3f ms -> %s (p99 %.3f; no-op route p50 %.3f)\n",
                k->label.c_str(), s.p50_ms, verdict(ok), s.p99_ms, noop.p50_ms);
  }
  auto series = [](const char* label, const ColdSeries& s) {
    if (s.samples.empty()) return;
    std::printf("    %-8s p50 %.3f p99 %.3f; in order (end to end / Init Duration, ms):", label,
                s.e2e().p50_ms, s.e2e().p99_ms);
    for (const auto& x : s.samples) std::printf(" %.1f/%.1f", x.e2e_ms, x.init_ms);
    std::printf("\n");
  };
  if (!c.burst_pool.samples.empty()) {
    std::printf("  burst: %zu node CommonJS cold starts back to back per server (after 1 s of "
                "rest):\n", c.burst_pool.samples.size());
    series("pool", c.burst_pool);
    series("no pool", c.burst_nopool);
  }
  return met;
}

// ---------------------------------------------------------------------------------------------
// custom

struct CustomResult {
  bool ran = false;
  int n = 0, gap_ms = 0;
  std::string floor_label;
  size_t bootstrap_bytes = 0;
  ColdSeries cold;
  std::vector<int64_t> noop_ns;
  std::vector<Baselines::Floor> floor;
};

CustomResult runCustom(const Options& opt, const std::string& work, Baselines& base) {
  CustomResult res;
  res.ran = true;
  res.n = opt.custom;
  res.gap_ms = opt.cold_gap_ms;
  res.floor_label = base.floorLabel();
  const std::string bootstrap = compileBootstrap(opt, work);
  res.bootstrap_bytes = bootstrap.size();
  ChildProcess server;
  startStratus(server, opt.stratus, work, "custom", withArgs(opt, {}));
  progress("%s (pid %d); bootstrap compiled with %s, %zu bytes", server.banner().c_str(),
           server.pid(), opt.cc.c_str(), bootstrap.size());
  createAll(server, kCustom, names(kCustom.key, opt.custom), bootstrap);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  progress("custom: %d cold starts, interleaved with the jail floor...", opt.custom);
  Conn conn(server.port());
  const std::string health = buildRequest(server.port(), "GET", "/_stratus/health", "");
  conn.mustRoundTrip(health, 200, "health");
  auto gap = [&] {
    if (opt.cold_gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt.cold_gap_ms));
  };
  for (int i = 0; i < opt.custom; ++i) {
    auto t0 = Clock::now();
    conn.mustRoundTrip(health, 200, "health");
    res.noop_ns.push_back(nsBetween(t0, Clock::now()));
    res.floor.push_back(base.jailFloor(gap));
    gap();
    res.cold.samples.push_back(coldInvoke(conn, server.port(), kCustom.key + "-" + std::to_string(i)));
  }
  stopServer(server);
  return res;
}

bool printCustom(const CustomResult& c) {
  std::printf("-- cold invoke, custom runtime: provided.al2023, bootstrap = a C program on plain "
              "sockets (%zu bytes), %d distinct functions each invoked once, 1 client, "
              "interleaved, %d ms idle before each --\n",
              c.bootstrap_bytes, c.n, c.gap_ms);
  printStatsHeader();
  Stats noop = statsOf(c.noop_ns);
  printStatsRow("custom runtime cold: end to end", c.cold.e2e());
  printStatsRow("custom runtime cold: Init Duration", c.cold.init());
  printStatsRow("custom runtime cold: e2e - Init", c.cold.share());
  printStatsRow("custom runtime cold: Duration", c.cold.dur());
  const Stats floor_exec = printFloor(c.floor, c.floor_label);
  printStatsRow("baseline: no-op route GET /_stratus/health", noop);
  const Stats e = c.cold.e2e();
  std::printf("  cold p50 / jail floor (spawn to exec) p50 = %.2fx; cold p50 - floor p50 = %.3f ms\n",
              e.p50_ms / floor_exec.p50_ms, e.p50_ms - floor_exec.p50_ms);
  bool ok = e.p50_ms <= 5.0;
  std::printf("  AIM custom runtime cold invoke p50 <= 5 ms end to end: %.3f ms -> %s (p99 %.3f)\n",
              e.p50_ms, verdict(ok), e.p99_ms);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// layers

struct LayersResult {
  bool ran = false;
  int n = 0, gap_ms = 0, layer_files = 0;
  ColdSample first;  // the start that built /opt
  ColdSeries with_layers, without;
};

LayersResult runLayers(const Options& opt, const std::string& work) {
  LayersResult res;
  res.ran = true;
  res.n = opt.cold;
  res.gap_ms = opt.cold_gap_ms;
  res.layer_files = 200;
  ChildProcess server;
  // No pool: every start spawns its runtime, so both kinds pay the same path (a pool refilling
  // between paced starts would hand some of them a ready process and not others).
  startStratus(server, opt.stratus, work, "layers", withArgs(opt, {"--prewarm-processes", "0"}));
  progress("%s (pid %d); publishing 5 layers", server.banner().c_str(), server.pid());
  Conn conn(server.port());
  std::string arns;
  for (int l = 0; l < 5; ++l) {
    StoredZip z;
    for (int f = 0; f < res.layer_files; ++f) {
      z.add("nodejs/node_modules/pkg" + std::to_string(l) + "/f" + std::to_string(f) + ".js",
            "module.exports = " + std::to_string(f) + ";\n");
    }
    std::string body = "{\"Content\":{\"ZipFile\":\"" + stratus::base64Encode(z.finish()) + "\"}}";
    std::string name = "bench-layer-" + std::to_string(getpid()) + "-" + std::to_string(l);
    conn.mustRoundTrip(buildRequest(server.port(), "POST", "/2018-10-31/layers/" + name + "/versions", body),
                       201, "PublishLayerVersion");
    arns += std::string(l ? "," : "") + "\"arn:aws:lambda:us-east-1:000000000000:layer:" + name + ":1\"";
  }
  std::vector<std::string> reqs;
  for (int i = 0; i <= opt.cold; ++i) {
    for (const char* kind : {"lay", "none"}) {
      FunctionSpec spec;
      spec.runtime = kCjs.runtime;
      spec.handler = kCjs.handler;
      std::string fn = std::string(kind) + "-" + std::to_string(i);
      spec.zip = cjsZip(std::to_string(getpid()) + "/" + fn, "");
      std::string body = createFunctionBody(fn, spec);
      if (std::string(kind) == "lay") body = body.substr(0, body.rfind('}')) + ",\"Layers\":[" + arns + "]}";
      conn.mustRoundTrip(buildRequest(server.port(), "POST", "/2015-03-31/functions", body), 201,
                         "CreateFunction " + fn);
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto gap = [&] {
    if (opt.cold_gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt.cold_gap_ms));
  };
  progress("layers: %d cold starts each with 5 layers and with none, interleaved...", opt.cold);
  gap();
  res.first = coldInvoke(conn, server.port(), "lay-0");
  for (int i = 1; i <= opt.cold; ++i) {
    gap();
    res.with_layers.samples.push_back(coldInvoke(conn, server.port(), "lay-" + std::to_string(i)));
    gap();
    res.without.samples.push_back(coldInvoke(conn, server.port(), "none-" + std::to_string(i)));
  }
  stopServer(server);
  return res;
}

void printLayers(const LayersResult& r) {
  std::printf("-- cold invoke, node CommonJS with 5 layers (%d files each, merged into /opt) "
              "beside none: %d distinct functions of each, 1 client, interleaved, %d ms idle "
              "before each, --prewarm-processes 0 --\n",
              r.layer_files, r.n, r.gap_ms);
  printStatsHeader();
  printStatsRow("5 layers, end to end", r.with_layers.e2e());
  printStatsRow("5 layers, Init Duration", r.with_layers.init());
  printStatsRow("no layers, end to end", r.without.e2e());
  printStatsRow("no layers, Init Duration", r.without.init());
  std::printf("  first start with the 5 layers (builds their /opt tree): end to end %.3f ms, "
              "Init Duration %.3f ms\n", r.first.e2e_ms, r.first.init_ms);
  double base = r.without.e2e().p50_ms;
  if (base > 0) {
    std::printf("  p50 end to end, 5 layers / none: %.2fx (+%.3f ms)\n",
                r.with_layers.e2e().p50_ms / base, r.with_layers.e2e().p50_ms - base);
  }
}

// ---------------------------------------------------------------------------------------------
// warm

struct WarmResult {
  bool ran = false;
  int clients = 0;
  double pair_seconds = 0;
  Row one[3], many[3];       // no-op, process tier, isolate tier
  double many_server_us[3];  // the server process's own CPU per request (many[k] has the tree's)
  int idle_descendants = 0, descendants = 0;  // the server's process tree, before and after
  int warmup_phases = 0;
  std::string workerd_note;
};

const char* const kWarmRoutes[] = {"no-op", "process tier", "isolate tier"};

WarmResult runWarm(const Options& opt, const std::string& work) {
  WarmResult res;
  res.ran = true;
  res.clients = opt.clients;
  ChildProcess server;
  startStratus(server, opt.stratus, work, "warm", withArgs(opt, {}));
  progress("%s (pid %d)", server.banner().c_str(), server.pid());
  const int port = server.port();
  Conn conn(port);
  FunctionSpec proc, iso;
  proc.zip = indexJsZip(helloSource("process"));
  iso.zip = indexJsZip(helloSource("isolate"));
  iso.env = {{"STRATUS_TIER", "isolate"}};
  conn.mustRoundTrip(createFunctionRequest(port, "hello-process", proc), 201, "CreateFunction");
  conn.mustRoundTrip(createFunctionRequest(port, "hello-isolate", iso), 201, "CreateFunction");
  const std::string hello = kHelloResponse;
  const std::string reqs[3] = {buildRequest(port, "GET", "/_stratus/health", ""),
                               invokeRequest(port, "hello-process", "{}"),
                               invokeRequest(port, "hello-isolate", "{}")};
  const std::string* expect[3] = {nullptr, &hello, &hello};
  for (int k = 1; k < 3; ++k) {
    Response r = conn.mustRoundTrip(reqs[k], 200, "first invoke");
    if (r.body != hello) die(std::string("first invoke, ") + kWarmRoutes[k] + ": " + r.body);
  }
  res.idle_descendants = processTree(server.pid()).descendants;

  res.pair_seconds = opt.rounds * opt.phase_seconds;
  progress("warm: 1 client, request by request across the three routes, %.1f s...", res.pair_seconds);
  {
    std::vector<Target> targets;
    for (int k = 0; k < 3; ++k) targets.push_back({&server, reqs[k], expect[k]});
    interleaveRequests(targets, opt.warmup_seconds, opt.max_requests);
    auto rows = interleaveRequests(targets, res.pair_seconds, opt.max_requests);
    for (int k = 0; k < 3; ++k) {
      res.one[k] = rows[static_cast<size_t>(k)];
      res.one[k].cpu_us_per_req = 0;  // one server's CPU, not split by route
    }
  }
  if (opt.clients > 1) {
    // C concurrent requests to one function need C execution environments: C runtime
    // processes (and C isolates). Warm up until the process tree stops growing, so that no
    // timed phase pays for a cold start.
    progress("warm: %d clients: warming up until the server's process tree stops growing...",
             opt.clients);
    for (int k = 1; k < 3; ++k) {
      int before = -1;
      for (int i = 0; i < 20; ++i) {
        runPhase(server, opt.clients, reqs[k], std::max(opt.warmup_seconds, 0.5), opt.max_requests,
                 expect[k]);
        ++res.warmup_phases;
        int now = processTree(server.pid()).descendants;
        if (now == before) break;
        before = now;
      }
    }
    runPhase(server, opt.clients, reqs[0], opt.warmup_seconds, opt.max_requests, expect[0]);
    res.descendants = processTree(server.pid()).descendants;
    progress("warm: %d clients, %d rounds x 3 routes x %.1f s (%d processes under the server)...",
             opt.clients, opt.rounds, opt.phase_seconds, res.descendants);
    std::vector<Phase> phases[3];
    double server_cpu[3] = {0, 0, 0};
    for (int round = 0; round < opt.rounds; ++round) {
      for (int j = 0; j < 3; ++j) {
        int k = (j + round) % 3;
        // runPhase counts the CPU of the whole tree; the server's own share beside it.
        double own0 = processTree(server.pid()).root_cpu_s;
        Phase p = runPhase(server, opt.clients, reqs[k], opt.phase_seconds, opt.max_requests, expect[k]);
        server_cpu[k] += processTree(server.pid()).root_cpu_s - own0;
        phases[k].push_back(std::move(p));
      }
    }
    for (int k = 0; k < 3; ++k) {
      res.many[k] = merge(phases[k]);
      res.many_server_us[k] = res.many[k].stats.n ? server_cpu[k] * 1e6 / res.many[k].stats.n : 0;
    }
  }
  stopServer(server);
  std::string bin = std::string(STRATUS_BENCH_DIR) + "/node_modules/@cloudflare/workerd-linux-64/bin/workerd";
  res.workerd_note = fs::exists(bin)
      ? "workerd is installed (" + bin + "): peers_bench measures it beside this process-tier route"
      : "workerd is not installed (no " + bin + "): no workerd figure in this run";
  return res;
}

void printRowHeader() {
  std::printf("  %-8s %-14s %8s %9s %9s %9s %9s %10s %12s %12s %7s\n", "clients", "route", "n",
              "p50", "p99", "mean", "max", "req/s", "tree CPU/r", "server CPU/r", "errors");
}
void printRow(int clients, const char* route, const Row& row, double server_us) {
  std::printf("  %-8d %-14s %8zu %9.3f %9.3f %9.3f %9.3f %10.0f ", clients, route, row.stats.n,
              row.stats.p50_ms, row.stats.p99_ms, row.stats.mean_ms, row.stats.max_ms, row.rps);
  if (row.cpu_us_per_req > 0) std::printf("%9.1f us %9.1f us", row.cpu_us_per_req, server_us);
  else std::printf("%12s %12s", "-", "-");
  std::printf(" %7llu\n", static_cast<unsigned long long>(row.errors));
  if (!row.first_error.empty()) std::printf("           first error: %s\n", row.first_error.c_str());
}

void printWarm(const WarmResult& w) {
  std::printf("-- warm invoke: hello world, node process tier vs isolate tier (STRATUS_TIER="
              "isolate) vs the no-op route, one server; 1 client request by request for %.1f s, "
              "%d clients in alternating phases --\n",
              w.pair_seconds, w.clients);
  std::printf("   CPU per request: tree = the server and all its descendants (runtime processes, "
              "jail helpers), server = the stratus process alone\n");
  printRowHeader();
  for (int k = 0; k < 3; ++k) printRow(1, kWarmRoutes[k], w.one[k], 0);
  auto ratios = [](int c, const Row* r) {
    std::printf("  %-8d process/isolate: p50 %.2fx  p99 %.2fx  throughput %.2fx;  process/no-op: "
                "p50 %.2fx  throughput %.2fx",
                c, r[1].stats.p50_ms / r[2].stats.p50_ms, r[1].stats.p99_ms / r[2].stats.p99_ms,
                r[1].rps / r[2].rps, r[1].stats.p50_ms / r[0].stats.p50_ms, r[1].rps / r[0].rps);
    if (r[2].cpu_us_per_req > 0)
      std::printf(";  tree CPU/req process/isolate %.2fx", r[1].cpu_us_per_req / r[2].cpu_us_per_req);
    std::printf("\n");
  };
  ratios(1, w.one);
  std::printf("  (1 client: req/s = 1 / mean latency; no CPU: the three routes share one server)\n");
  if (w.clients > 1) {
    for (int k = 0; k < 3; ++k) printRow(w.clients, kWarmRoutes[k], w.many[k], w.many_server_us[k]);
    ratios(w.clients, w.many);
    std::printf("  processes under the server: %d idle (the prewarm pool and one runtime), %d "
                "after %d warm-up phases at %d clients\n",
                w.idle_descendants, w.descendants, w.warmup_phases, w.clients);
  }
  std::printf("  AIM process-tier warm throughput at %d clients >= workerd's: see peers_bench; "
              "%s\n", w.clients, w.workerd_note.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  setToolName("process_bench");
  Options opt = parseOptions(argc, argv);
  if (!fs::exists(opt.stratus)) die("no server binary at " + opt.stratus);
  std::string help;
  if (!stratusHasFlag(opt.stratus, "--prewarm-processes", &help))
    die(opt.stratus + " has no process tier (`stratus serve --help` lists no --prewarm-processes)");
  if (geteuid() != 0) die("the process tier needs root (namespaces, cgroups, a uid per sandbox)");
  keepTempDirs(opt.keep_data);
  const std::string work = makeTempDir("stratus-process");
  auto run_t0 = Clock::now();

  ColdResult cold;
  CustomResult custom;
  WarmResult warm;
  LayersResult layer_run;
  std::vector<std::pair<std::string, double>> section_s;
  std::unique_ptr<Baselines> base;
  if (opt.sections.count("cold") || opt.sections.count("custom"))
    base = std::make_unique<Baselines>(opt, work);
  auto timed = [&](const char* name, auto&& fn) {
    if (!opt.sections.count(name)) return;
    auto t0 = Clock::now();
    fn();
    section_s.push_back({name, secondsSince(t0)});
  };
  timed("cold", [&] { cold = runCold(opt, work, *base); });
  timed("custom", [&] { custom = runCustom(opt, work, *base); });
  timed("layers", [&] { layer_run = runLayers(opt, work); });
  timed("warm", [&] { warm = runWarm(opt, work); });

  std::printf("\n== process_bench summary (%u cores, %.0f s run:",
              std::thread::hardware_concurrency(), secondsSince(run_t0));
  for (const auto& [n, s] : section_s) std::printf(" %s %.0f s", n.c_str(), s);
  std::printf("; latencies in ms, closed loop, timed per request) ==\n");
  bool all_met = true;
  if (cold.ran) all_met = printCold(cold) && all_met;
  if (custom.ran) all_met = printCustom(custom) && all_met;
  if (layer_run.ran) printLayers(layer_run);
  if (warm.ran) printWarm(warm);
  std::vector<std::string> skipped;
  for (const auto& s : {"cold", "custom", "layers", "warm"})
    if (!opt.sections.count(s)) skipped.push_back(s);
  if (!skipped.empty()) {
    std::printf("-- skipped:");
    for (const auto& s : skipped) std::printf(" %s", s.c_str());
    std::printf(" --\n");
  }
  for (const auto& leak : g_leaks) std::printf("  PROBLEM: %s\n", leak.c_str());
  std::printf("== aims: %s ==\n", all_met ? "all met" : "not all met");
  std::fflush(stdout);
  cleanupAll();
  return 0;
}
