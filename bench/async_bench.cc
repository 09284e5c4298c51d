// Asynchronous invocation (triggers/async, issue 11), one run, ratios:
//  - durable accepts: Event invokes answered 202 (each committed to DATA/async.db before its
//    answer) from 1 and 16 closed-loop keep-alive clients, beside a warm sync invoke of a
//    function doing the same nothing, in the same run. The accepting function has reserved
//    concurrency 1 and its first event sleeps for the whole run, so every later event waits in
//    the queue: the figure is the queue's own (commit, answer), not the functions' running.
//    Beside them, raw SQLite committing one row after another (one fsync each) on the same disk:
//    the floor under a lone durable accept.
//  - accept-to-start: one client sends an Event invoke, notes the wall-clock time its 202
//    arrived, and the warm handler (process tier, node) returns its own wall-clock start time
//    (performance.timeOrigin + performance.now()); the OnSuccess records, read back from a
//    queue of the same server, pair the two. p50/p99 in ms.
// Issue 11's aims: at least 5,000 durable accepts per second; p50 accept-to-start < 2 ms warm.
//   async_bench [--stratus PATH] [--seconds S] [--starts N]
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"

namespace fs = std::filesystem;
using namespace stratus::bench;

namespace {

struct Options {
  std::string stratus;
  double seconds = 3;
  int starts = 300;
};

double wallMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

nlohmann::json sqs(Conn& c, int port, const std::string& op, const nlohmann::json& body) {
  Response r = c.mustRoundTrip(buildRequest(port, "POST", "/", body.dump(),
                                            {"Content-Type: application/x-amz-json-1.0",
                                             "X-Amz-Target: AmazonSQS." + op}),
                               200, op);
  return nlohmann::json::parse(r.body);
}

void lambda(Conn& c, int port, const std::string& method, const std::string& path,
            const nlohmann::json& body, int expect, const std::string& what) {
  c.mustRoundTrip(buildRequest(port, method, path, body.dump()), expect, what);
}

struct Rate {
  double rps = 0;
  Stats stats;
};

Rate closedLoop(const ChildProcess& server, int clients, const std::string& request, int expect,
               double seconds) {
  LoopSpec spec;
  spec.port = server.port();
  spec.clients = clients;
  spec.next = [&request](long) { return &request; };
  spec.seconds = seconds;
  spec.expect_status = expect;
  Phase p = runLoop(spec);
  if (p.errors) die("closed loop: " + std::to_string(p.errors) + " errors, first: " + p.first_error);
  Rate r;
  r.rps = static_cast<double>(p.latencies_ns.size()) / p.wall_s;
  r.stats = statsOf(std::move(p.latencies_ns));
  return r;
}

// The floor under a durable accept: one row inserted and committed (WAL, synchronous=FULL, one
// fsync each) after another, on the same disk, in the same run.
Rate rawCommits(const std::string& dir, double seconds) {
  sqlite3* db = nullptr;
  sqlite3_open((dir + "/raw.db").c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE m (k INTEGER, v TEXT)", nullptr,
               nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO m VALUES (?1, '{\"n\":1}')", -1, &ins, nullptr);
  std::vector<int64_t> lat;
  auto t0 = Clock::now();
  for (long i = 0; secondsSince(t0) < seconds; ++i) {
    auto s = Clock::now();
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    lat.push_back(nsBetween(s, Clock::now()));
  }
  double wall = secondsSince(t0);
  sqlite3_finalize(ins);
  sqlite3_close(db);
  Rate r;
  r.rps = static_cast<double>(lat.size()) / wall;
  r.stats = statsOf(std::move(lat));
  return r;
}

Options parse(int argc, char** argv) {
  Options o;
  o.stratus = defaultStratusBinary();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--stratus") o.stratus = next();
    else if (a == "--seconds") o.seconds = std::stod(next());
    else if (a == "--starts") o.starts = std::stoi(next());
    else die("unknown argument " + a + " (--stratus PATH --seconds S --starts N)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  setToolName("async_bench");
  Options o = parse(argc, argv);
  std::string work = makeTempDir("stratus-async-bench");
  ChildProcess server;
  startStratus(server, o.stratus, work, "async", {"--prewarm-processes", "1"});
  int port = server.port();
  Conn setup(port);

  // The accepting function (reserved 1, its first event asleep: the rest wait queued) and its twin
  // for the sync baseline, warm before anything is timed.
  createFunction(setup, port, "sink",
                 "exports.handler = async () => { await new Promise(r => setTimeout(r, 600000)); };\n");
  createFunction(setup, port, "sync", helloSource("sync"));
  lambda(setup, port, "PUT", "/2015-03-31/functions/sink/configuration", {{"Timeout", 900}}, 200,
         "UpdateFunctionConfiguration");
  lambda(setup, port, "PUT", "/2017-10-31/functions/sink/concurrency", {{"ReservedConcurrentExecutions", 1}}, 200,
         "PutFunctionConcurrency");
  const std::string sync_req = invokeRequest(port, "sync", "{}");
  const std::string event_req = invokeRequest(port, "sink", "{\"n\":1}", "", {"X-Amz-Invocation-Type: Event"});
  for (int i = 0; i < 20; ++i) setup.mustRoundTrip(sync_req, 200, "warm-up");
  closedLoop(server, 16, sync_req, 200, 2.0);  // 16 sandboxes started before the 16-client phase

  struct Case {
    const char* name;
    int clients;
    const std::string* request;
    int expect;
  };
  const Case cases[] = {{"sync invoke (warm), 1 client", 1, &sync_req, 200},
                        {"Event accept (durable), 1 client", 1, &event_req, 202},
                        {"sync invoke (warm), 16 clients", 16, &sync_req, 200},
                        {"Event accept (durable), 16 clients", 16, &event_req, 202}};
  std::vector<Rate> rows;
  for (const Case& c : cases) rows.push_back(closedLoop(server, c.clients, *c.request, c.expect, o.seconds));
  Rate raw = rawCommits(work, o.seconds);

  std::printf("async queue after the accept phases: %s\n",
              setup.mustRoundTrip(buildRequest(port, "GET", "/_stratus/status", ""), 200, "status").body.c_str());
  // Accept-to-start: a warm process-tier handler reports when it started.
  std::string url = sqs(setup, port, "CreateQueue", {{"QueueName", "starts"}})["QueueUrl"];
  std::string arn = "arn:aws:sqs:us-east-1:000000000000:starts";
  createFunction(setup, port, "probe",
                 "exports.handler = async (e) => ({n: e.n, t: performance.timeOrigin + performance.now()});\n");
  // A slow start on a loaded host must not time out: its retry would come a minute later.
  lambda(setup, port, "PUT", "/2015-03-31/functions/probe/configuration", {{"Timeout", 60}}, 200,
         "UpdateFunctionConfiguration");
  lambda(setup, port, "PUT", "/2019-09-25/functions/probe/event-invoke-config",
         {{"DestinationConfig", {{"OnSuccess", {{"Destination", arn}}}}}}, 200, "PutFunctionEventInvokeConfig");
  for (int i = 0; i < 10; ++i) setup.mustRoundTrip(invokeRequest(port, "probe", "{\"n\":-1}"), 200, "warm-up");
  std::map<int, double> accepted_ms;
  for (int n = 0; n < o.starts; ++n) {
    setup.mustRoundTrip(invokeRequest(port, "probe", "{\"n\":" + std::to_string(n) + "}", "",
                                      {"X-Amz-Invocation-Type: Event"}),
                        202, "Event invoke");
    accepted_ms[n] = wallMs();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // one at a time: the warm sandbox is free
  }
  std::vector<double> gaps;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (gaps.size() < accepted_ms.size() && Clock::now() < deadline) {
    auto got = sqs(setup, port, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1}});
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& m : got.value("Messages", nlohmann::json::array())) {
      auto record = nlohmann::json::parse(m["Body"].get<std::string>());
      int n = record["responsePayload"]["n"];
      if (auto it = accepted_ms.find(n); it != accepted_ms.end()) {
        gaps.push_back(record["responsePayload"]["t"].get<double>() - it->second);
      }
      entries.push_back({{"Id", std::to_string(entries.size())}, {"ReceiptHandle", m["ReceiptHandle"]}});
    }
    if (!entries.empty()) sqs(setup, port, "DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  }
  std::printf("async queue after the starts: %s\n",
              setup.mustRoundTrip(buildRequest(port, "GET", "/_stratus/status", ""), 200, "status").body.c_str());
  if (gaps.size() < accepted_ms.size()) die("only " + std::to_string(gaps.size()) + " starts were reported");
  Stats start = statsOfMs(gaps);

  std::printf("\nasync_bench: %.1f s per phase, accepts committed to SQLite (synchronous=FULL) in %s\n", o.seconds,
              work.c_str());
  std::printf("%-40s %10s %10s %10s\n", "case", "req/s", "p50", "p99");
  for (size_t i = 0; i < rows.size(); ++i) {
    std::printf("%-40s %10.0f %7.3f ms %7.3f ms\n", cases[i].name, rows[i].rps, rows[i].stats.p50_ms,
                rows[i].stats.p99_ms);
  }
  std::printf("%-40s %10.0f %7.3f ms %7.3f ms\n", "raw SQLite commit of one row, 1 thread", raw.rps,
              raw.stats.p50_ms, raw.stats.p99_ms);
  std::printf("ratios accept/sync: 1 client %.2fx, 16 clients %.2fx; accept/raw commit: 1 client %.2fx, 16 clients %.2fx\n",
              rows[1].rps / rows[0].rps, rows[3].rps / rows[2].rps, rows[1].rps / raw.rps, rows[3].rps / raw.rps);
  std::printf("accept-to-start (202 received -> handler started, warm, %zu events): p50 %.3f ms, p99 %.3f ms\n",
              start.n, start.p50_ms, start.p99_ms);
  server.stop();
  cleanupAll();
  return 0;
}
