// Shared pieces of the end-to-end benchmark tools (e2e_bench, peers_bench): child server
// processes (started, watched and stopped by the tool), a raw-socket HTTP/1.1 client (one
// blocking keep-alive connection, and a closed-loop epoll driver for C connections), latency
// statistics, and the Lambda API calls the tools need. No V8 here.
//
// Every request is timed with steady_clock from the first byte sent to the last byte of its
// response; latencies are never read from a histogram.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace stratus::bench {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
inline int64_t nsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// ---------------------------------------------------------------------------------------------
// Process-wide: the tool's name for messages, temp dirs and children to clean up.

void setToolName(const std::string& name);
const std::string& toolName();
// Prints "<tool>: message", the stderr tails of the live children, stops them, keeps the
// temp dirs for a look (printing where), exits 1.
[[noreturn]] void die(const std::string& message);
// A new directory under $TMPDIR, removed by cleanupAll() unless keepTempDirs(true).
std::string makeTempDir(const std::string& prefix);
void keepTempDirs(bool keep);
// Stops every live child and removes the temp dirs (unless kept). Call before a normal exit.
void cleanupAll();

// The directory of the running executable.
std::string selfDir();
// The server binary a bench runs by default: build/stratus beside build/bench/, else one
// beside the bench itself.
std::string defaultStratusBinary();
// MemAvailable from /proc/meminfo, in MiB (0 if unreadable).
uint64_t memAvailableMb();

// ---------------------------------------------------------------------------------------------
// A child server process.

struct ChildSpec {
  std::string name;               // for messages: "stratus", "workerd", "node"
  std::vector<std::string> argv;  // argv[0] is the binary (execvp: searched on PATH)
  std::string log_path;           // the child's stderr (and its stdout after the port line)
  // Read stdout until this marker, then parse the port that follows it. Empty: the port is
  // `known_port` (e.g. a socket the bench bound and hands over with `inherit_fd`).
  std::string port_marker = "listening on http://127.0.0.1:";
  int known_port = 0;
  int inherit_fd = -1;  // left open across exec (FD_CLOEXEC cleared in the child only)
  double start_timeout_s = 30;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  // Dies if the child exits before it prints its port (or within start_timeout_s).
  void start(ChildSpec spec);
  // The same, but returns false with the reason (and the child's stderr) instead of dying.
  bool tryStart(ChildSpec spec, std::string* why);
  // SIGTERM, then SIGKILL after 5 s.
  void stop();
  bool running() const { return pid_ > 0; }

  // utime + stime, seconds, of the whole process (all threads) and its live descendants (a
  // server's runtime processes: stratus -> stratus-jail -> its init -> node).
  double cpuSeconds() const;
  uint64_t rssKb() const;     // VmRSS from /proc/<pid>/status, 0 if unreadable
  // VmRSS of the process and its live descendants (a server's isolate hosts), added up.
  uint64_t treeRssKb() const;
  int threads() const;        // Threads from /proc/<pid>/status
  std::string tailOfLog(size_t max_bytes = 2000) const;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& banner() const { return banner_; }
  const std::string& name() const { return spec_.name; }

 private:
  uint64_t statusField(const char* key) const;
  ChildSpec spec_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  std::string banner_;
  std::thread drain_;
};

// CPU (utime + stime) of `root` and of it with all its live descendants, from /proc; and how
// many descendants there are (zombies left out).
struct ProcessTree {
  double root_cpu_s = 0, tree_cpu_s = 0;
  int descendants = 0;
  uint64_t tree_rss_kb = 0;  // VmRSS of every process in the tree, added up
};
ProcessTree processTree(pid_t root);

// `stratus serve --listen 127.0.0.1:0 --data-dir DIR ARGS...`, stderr into DIR/../<tag>.log.
void startStratus(ChildProcess& child, const std::string& binary, const std::string& work_dir,
                  const std::string& tag, const std::vector<std::string>& extra_args);
// The flags `stratus serve --help` lists (e.g. "--prewarm"), and that text.
bool stratusHasFlag(const std::string& binary, const std::string& flag, std::string* help_text);

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 client pieces

struct Response {
  int status = 0;
  std::string body;
  std::string function_error;  // X-Amz-Function-Error
  std::string log_result;      // X-Amz-Log-Result (base64)
  bool close = false;          // Connection: close
};

// Returns the bytes of `buf` that make up one complete response (> 0), 0 if more bytes are
// needed, -1 if malformed (err says why). Content-Length bodies only (all servers here).
long parseResponse(std::string_view buf, Response* r, std::string* err);
int connectTo(int port, std::string* err);
std::string buildRequest(int port, const std::string& method, const std::string& path,
                         const std::string& body, const std::vector<std::string>& headers = {});

// A blocking keep-alive connection for sequential work (setup, cold phases). A response
// that takes longer than `timeout_s` fails the round trip.
class Conn {
 public:
  explicit Conn(int port, double timeout_s = 60) : port_(port), timeout_s_(timeout_s) {}
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  bool roundTrip(std::string_view request, Response* r, std::string* err);
  // Like roundTrip, but dies with `what` on a transport error or a status other than `expect`.
  Response mustRoundTrip(std::string_view request, int expect, const std::string& what);

 private:
  void reset();
  int port_;
  double timeout_s_;
  int fd_ = -1;
  std::string buf_;
};

// ---------------------------------------------------------------------------------------------
// Statistics

struct Stats {
  size_t n = 0;
  double p50_ms = 0, p99_ms = 0, mean_ms = 0, max_ms = 0;
};
Stats statsOf(std::vector<int64_t> ns);  // nearest-rank percentiles
Stats statsOfMs(const std::vector<double>& ms);

// ---------------------------------------------------------------------------------------------
// Closed loop: C keep-alive connections in one epoll loop (one thread, so the client costs at
// most one core, and no more for 32 connections than for 1), each sending its next request as
// soon as the previous response is complete.

struct Phase {
  std::vector<int64_t> latencies_ns;
  double wall_s = 0;        // first request sent to last response received
  double server_cpu_s = 0;  // of `cpu_of`, over the phase
  uint64_t errors = 0;      // unexpected status, function error or body
  uint64_t reconnects = 0;
  std::string first_error;
};

struct LoopSpec {
  int port = 0;
  int clients = 1;
  // The i-th request (i counts from 0 over all connections), or nullptr when there are no
  // more. The string must stay alive until the loop returns.
  std::function<const std::string*(long i)> next;
  double seconds = 0;  // stop issuing after this long (0: only `next` and max_requests end it)
  long max_requests = 0;  // 0: no cap
  int expect_status = 200;
  const std::string* expect_body = nullptr;  // exact body, when set
  const ChildProcess* cpu_of = nullptr;
  double straggler_timeout_s = 60;  // in-flight requests must finish this soon after the end
};
Phase runLoop(const LoopSpec& spec);

// A timed phase of one fixed request.
Phase runPhase(const ChildProcess& server, int clients, const std::string& request,
               double seconds, long max_requests, const std::string* expect_body = nullptr);

struct Row {
  Stats stats;
  double rps = 0;
  double cpu_us_per_req = 0;
  uint64_t errors = 0, reconnects = 0;
  std::string first_error;
};
Row merge(const std::vector<Phase>& phases);

// One client, request by request across servers: round k sends targets[0]'s request, waits
// for its answer, then targets[1]'s, ... (the order flips every round), so that drift, even
// within a second, hits every target alike. For 1-client latency comparisons between servers
// that must be measured at the same time. A row's req/s is 1 / its mean latency; its server
// CPU is the server's whole CPU over the run divided by the requests it served (targets on
// one server share it).
struct Target {
  const ChildProcess* server;
  std::string request;
  const std::string* expect_body = nullptr;
};
std::vector<Row> interleaveRequests(const std::vector<Target>& targets, double seconds,
                                    long max_rounds);

// ---------------------------------------------------------------------------------------------
// Lambda API

extern const char kRole[];
// What CreateFunction gets beyond the name: the runtime, the handler, the code and the
// environment variables (e.g. STRATUS_TIER=isolate).
struct FunctionSpec {
  std::string runtime = "nodejs20.x";
  std::string handler = "index.handler";
  std::string zip;
  std::vector<std::pair<std::string, std::string>> env;  // plain names and values, no escaping
};
std::string createFunctionBody(const std::string& name, const FunctionSpec& spec);
std::string createFunctionRequest(int port, const std::string& name, const FunctionSpec& spec);
// {"FunctionName":..., nodejs20.x, index.handler, Code.ZipFile: base64(zip)}
std::string createFunctionBody(const std::string& name, const std::string& zip);
std::string createFunctionRequest(int port, const std::string& name, const std::string& zip);
// A one-file zip of index.js = source.
std::string indexJsZip(const std::string& source);
void createFunction(Conn& conn, int port, const std::string& name, const std::string& source);
std::string invokeRequest(int port, const std::string& function, const std::string& payload,
                          const std::string& qualifier = "",
                          const std::vector<std::string>& headers = {});
// "Init Duration: 12.34 ms" / "\tDuration: 1.23 ms" from the REPORT line of a decoded
// X-Amz-Log-Result; -1 if absent.
double reportField(const std::string& log, const std::string& key);

// The hello world every comparison runs: the handler text is shared by Stratus's function,
// the workerd worker and the bare Node server.
extern const char kHelloHandler[];   // "async (event) => ({ statusCode: 200, body: 'hello' })"
extern const char kHelloResponse[];  // {"statusCode":200,"body":"hello"}
// index.js for Stratus: "// tag\nexports.handler = <kHelloHandler>;\n" (the tag makes the
// code distinct per function, so no two functions share a code cache entry).
std::string helloSource(const std::string& tag);

}  // namespace stratus::bench
