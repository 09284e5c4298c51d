// Function logs (triggers/logs), one run, a ratio: warm invoke latency with log storage on
// beside the same server with it off (--no-function-logs), one client, request by request
// across the two servers (interleaveRequests), for a function that writes a few console lines
// per call. Issue 13's aim: storage on within 1.1x of off.
// --control runs both servers with storage off: the A/A spread of the same comparison (two
// servers, interleaved), to read the on/off ratio against.
//   logs_bench [--stratus PATH] [--seconds S] [--lines N] [--control]
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"

using namespace stratus::bench;

namespace {

struct Options {
  std::string stratus;
  double seconds = 10;
  int lines = 3;
  bool control = false;
};

}  // namespace

int main(int argc, char** argv) {
  setToolName("logs_bench");
  Options o;
  o.stratus = defaultStratusBinary();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--stratus") {
      o.stratus = next();
    } else if (a == "--seconds") {
      o.seconds = std::atof(next().c_str());
    } else if (a == "--lines") {
      o.lines = std::atoi(next().c_str());
    } else if (a == "--control") {
      o.control = true;
    } else {
      std::fprintf(stderr, "usage: logs_bench [--stratus PATH] [--seconds S] [--lines N] [--control]\n");
      return 2;
    }
  }
  std::string work = makeTempDir("logs-bench");
  ChildProcess on, off;
  startStratus(on, o.stratus, work, "logs-on", o.control ? std::vector<std::string>{"--no-function-logs"}
                                                           : std::vector<std::string>{});
  startStratus(off, o.stratus, work, "logs-off", {"--no-function-logs"});
  std::string source = "exports.handler = async (event) => {\n  for (let i = 0; i < " + std::to_string(o.lines) +
                       "; i++) console.log('line ' + i + ' of a request that logs a little');\n"
                       "  return { statusCode: 200, body: 'hello' };\n};\n";
  const std::string hello = kHelloResponse;
  std::vector<Target> targets;
  for (ChildProcess* s : {&on, &off}) {
    Conn conn(s->port());
    createFunction(conn, s->port(), "logger", source);
    std::string req = invokeRequest(s->port(), "logger", "{}");
    Response first = conn.mustRoundTrip(req, 200, "first invoke");
    if (first.body != hello) std::fprintf(stderr, "unexpected first answer: %s\n", first.body.c_str());
    targets.push_back({s, req, &hello});
  }
  interleaveRequests(targets, 1.0, 1L << 40);  // warm-up
  std::vector<Row> rows = interleaveRequests(targets, o.seconds, 1L << 40);  // time-bounded
  std::printf("== logs_bench summary (%d console lines per invoke, 1 client, %.0f s interleaved)\n", o.lines,
              o.seconds);
  const char* names[2] = {o.control ? "log storage off" : "log storage on ", "log storage off"};
  for (int k = 0; k < 2; ++k) {
    const Row& r = rows[static_cast<size_t>(k)];
    std::printf("%s  n=%zu  p50 %.3f ms  p99 %.3f ms  mean %.3f ms  errors %llu\n", names[k], r.stats.n,
                r.stats.p50_ms, r.stats.p99_ms, r.stats.mean_ms, static_cast<unsigned long long>(r.errors));
  }
  std::printf("ratio on/off: p50 %.3fx  mean %.3fx  (aim: within 1.1x)\n", rows[0].stats.p50_ms / rows[1].stats.p50_ms,
              rows[0].stats.mean_ms / rows[1].stats.mean_ms);
  on.stop();
  off.stop();
  cleanupAll();
  return 0;
}
