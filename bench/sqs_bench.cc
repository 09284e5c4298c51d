// The embedded SQS service (triggers/sqs), one run, ratios: batched send + receive + delete
// (10 messages per call) from 1 and 8 clients, and the single-message round trip (send,
// receive, delete), each message durable (committed to SQLite with synchronous=FULL before its
// answer), beside raw SQLite doing the same inserts and deletes with the same durability on
// the same disk. Issue 10's aim: at least 20,000 messages per second batched, durable.
//   sqs_bench [--stratus PATH] [--seconds S] [--rounds N]
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
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
  int rounds = 2;
};

std::string sqsRequest(int port, const std::string& op, const nlohmann::json& body) {
  return buildRequest(port, "POST", "/", body.dump(),
                      {"Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS." + op});
}

nlohmann::json call(Conn& c, int port, const std::string& op, const nlohmann::json& body) {
  Response r = c.mustRoundTrip(sqsRequest(port, op, body), 200, op);
  return nlohmann::json::parse(r.body);
}

struct Throughput {
  double msgs_per_s = 0;
  Stats cycle;  // one send-batch + receive + delete-batch, or one single round trip
};

// `clients` threads, each cycling send (batch of `batch`) -> receive -> delete on its own
// keep-alive connection against one shared queue, for `seconds`.
Throughput runQueue(int port, const std::string& url, int clients, int batch, double seconds) {
  std::atomic<long> moved{0};
  std::vector<std::vector<int64_t>> lat(clients);
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      Conn c(port);
      nlohmann::json entries = nlohmann::json::array();
      for (int j = 0; j < batch; ++j) entries.push_back({{"Id", "e" + std::to_string(j)}, {"MessageBody", "message body " + std::to_string(j)}});
      while (secondsSince(t0) < seconds) {
        auto s = Clock::now();
        if (batch == 1) {
          call(c, port, "SendMessage", {{"QueueUrl", url}, {"MessageBody", "single"}});
        } else {
          call(c, port, "SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
        }
        nlohmann::json got = call(c, port, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", batch}});
        nlohmann::json del = nlohmann::json::array();
        int i = 0;
        for (const auto& m : got.value("Messages", nlohmann::json::array())) {
          del.push_back({{"Id", "d" + std::to_string(i++)}, {"ReceiptHandle", m["ReceiptHandle"]}});
        }
        if (batch == 1 && del.size() == 1) {
          call(c, port, "DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", del[0]["ReceiptHandle"]}});
        } else if (!del.empty()) {
          call(c, port, "DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", del}});
        }
        moved += static_cast<long>(del.size());
        lat[k].push_back(nsBetween(s, Clock::now()));
      }
    });
  }
  for (auto& t : threads) t.join();
  double wall = secondsSince(t0);
  std::vector<int64_t> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  return {moved / wall, statsOf(std::move(all))};
}

// Raw SQLite: the same rows inserted `batch` per transaction, then deleted `batch` per
// transaction, WAL + synchronous=FULL, one connection per thread (SQLite serializes writers).
Throughput runSqlite(const std::string& dir, int clients, int batch, double seconds) {
  std::string path = dir + "/raw.db";
  std::atomic<long> moved{0};
  std::vector<std::vector<int64_t>> lat(clients);
  {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS m (k TEXT, seq INTEGER, body TEXT, "
                     "PRIMARY KEY (k, seq)) WITHOUT ROWID", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      sqlite3* db = nullptr;
      sqlite3_open(path.c_str(), &db);
      sqlite3_busy_timeout(db, 10000);
      sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
      sqlite3_stmt *ins = nullptr, *del = nullptr;
      sqlite3_prepare_v2(db, "INSERT INTO m VALUES (?1, ?2, ?3)", -1, &ins, nullptr);
      sqlite3_prepare_v2(db, "DELETE FROM m WHERE k = ?1 AND seq = ?2", -1, &del, nullptr);
      std::string key = "client" + std::to_string(k);
      long seq = 0;
      while (secondsSince(t0) < seconds) {
        auto s = Clock::now();
        long first = seq;
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        for (int j = 0; j < batch; ++j, ++seq) {
          sqlite3_bind_text(ins, 1, key.c_str(), -1, SQLITE_STATIC);
          sqlite3_bind_int64(ins, 2, seq);
          sqlite3_bind_text(ins, 3, "message body", -1, SQLITE_STATIC);
          sqlite3_step(ins);
          sqlite3_reset(ins);
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        for (long j = first; j < seq; ++j) {
          sqlite3_bind_text(del, 1, key.c_str(), -1, SQLITE_STATIC);
          sqlite3_bind_int64(del, 2, j);
          sqlite3_step(del);
          sqlite3_reset(del);
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        moved += batch;
        lat[k].push_back(nsBetween(s, Clock::now()));
      }
      sqlite3_finalize(ins);
      sqlite3_finalize(del);
      sqlite3_close(db);
    });
  }
  for (auto& t : threads) t.join();
  double wall = secondsSince(t0);
  std::vector<int64_t> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  return {moved / wall, statsOf(std::move(all))};
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
    else if (a == "--rounds") o.rounds = std::stoi(next());
    else die("unknown argument " + a + " (--stratus PATH --seconds S --rounds N)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  setToolName("sqs_bench");
  Options o = parse(argc, argv);
  std::string work = makeTempDir("stratus-sqs-bench");
  ChildProcess server;
  startStratus(server, o.stratus, work, "sqs", {});
  int port = server.port();
  Conn setup(port);
  std::string url = call(setup, port, "CreateQueue", {{"QueueName", "bench"}})["QueueUrl"];
  struct Case {
    const char* name;
    int clients, batch;
    bool sqlite;
  };
  const Case cases[] = {{"stratus batched, 1 client", 1, 10, false}, {"sqlite batched, 1 thread", 1, 10, true},
                        {"stratus batched, 8 clients", 8, 10, false}, {"sqlite batched, 8 threads", 8, 10, true},
                        {"stratus single message, 1 client", 1, 1, false}, {"sqlite single row, 1 thread", 1, 1, true}};
  std::vector<std::vector<Throughput>> results(std::size(cases));
  // Rounds interleave the cases, so drift hits each alike.
  for (int r = 0; r < o.rounds; ++r) {
    for (size_t i = 0; i < std::size(cases); ++i) {
      const Case& c = cases[i];
      results[i].push_back(c.sqlite ? runSqlite(work, c.clients, c.batch, o.seconds)
                                    : runQueue(port, url, c.clients, c.batch, o.seconds));
    }
  }
  std::printf("\nsqs_bench: %d rounds of %.1f s, durable (synchronous=FULL) on %s\n", o.rounds, o.seconds, work.c_str());
  std::printf("%-36s %12s %12s %12s\n", "case", "msgs/s", "cycle p50", "cycle p99");
  std::vector<double> best(std::size(cases));
  for (size_t i = 0; i < std::size(cases); ++i) {
    Throughput b = results[i][0];
    for (const auto& t : results[i]) {
      if (t.msgs_per_s > b.msgs_per_s) b = t;
    }
    best[i] = b.msgs_per_s;
    std::printf("%-36s %12.0f %10.3f ms %10.3f ms\n", cases[i].name, b.msgs_per_s, b.cycle.p50_ms, b.cycle.p99_ms);
  }
  std::printf("ratios stratus/sqlite: batched 1 client %.2fx, 8 clients %.2fx, single %.2fx\n", best[0] / best[1],
              best[2] / best[3], best[4] / best[5]);
  server.stop();
  cleanupAll();
  return 0;
}
