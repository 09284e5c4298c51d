// The CloudWatch Logs front door minus the socket, and the filter pattern parser. Byte 0:
//  - below 0x80: picks the operation (X-Amz-Target), the rest is the JSON body. A decoded
//    request runs on the real service (triggers/logs) over a real SQLite database on tmpfs,
//    its loop pumped until the reply. Checks: answered exactly once; an error is the client's
//    (4xx with a __type), never a 5xx; an answer is an object that renders as JSON.
//  - 0x80 and above: the rest is "pattern NUL message". Checks: parsing is deterministic; a
//    pattern that parses matches the message the same way twice; a rejected pattern says why;
//    wildcardMatch("*", x) always holds and a pattern without * matches only itself.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "triggers/logs/filter_pattern.h"
#include "triggers/logs/log_store.h"
#include "triggers/logs/logs_json_protocol.h"
#include "triggers/logs/logs_service.h"

namespace {

using namespace stratus;
using namespace stratus::logs;

const char* const kOperations[] = {
    "CreateLogGroup",  "DeleteLogGroup", "DescribeLogGroups", "DescribeLogStreams",
    "CreateLogStream", "DeleteLogStream", "PutLogEvents",     "GetLogEvents",
    "FilterLogEvents", "PutRetentionPolicy", "DeleteRetentionPolicy"};
constexpr size_t kOperationCount = sizeof(kOperations) / sizeof(kOperations[0]);

[[noreturn]] void fail(const std::string& what, const std::string& body) {
  std::fprintf(stderr, "logs_protocol invariant broken: %s\nbody (%zu bytes): %.*s\n", what.c_str(), body.size(),
               static_cast<int>(std::min<size_t>(body.size(), 2000)), body.data());
  std::abort();
}

struct World {
  Loop loop;
  std::unique_ptr<DbWriter> writer;
  std::unique_ptr<LogStore> store;
  std::unique_ptr<LogsService> service;

  World() {
    std::string path = "/dev/shm/stratus-logs-fuzz-" + std::to_string(getpid()) + ".db";
    std::remove(path.c_str());
    auto w = DbWriter::open(loop, path, std::chrono::microseconds(0));
    if (!w.ok()) fail("cannot open the database: " + w.error().message, "");
    writer = std::move(w).value();
    LogStoreOptions options;
    options.group_max_bytes = 64 << 10;  // the cap is exercised, and memory stays small
    options.sweep_interval_ms = 0;
    auto s = LogStore::open(loop, *writer, SystemClock::instance(), options);
    if (!s.ok()) fail("cannot open the store: " + s.error().message, "");
    store = std::move(s).value();
    service = std::make_unique<LogsService>(*store, LogsServiceOptions{});
    // Something to read: a group with a stream and a few events.
    store->createGroup("g", nullptr);
    store->createStream("g", "s", nullptr);
    int64_t now = SystemClock::instance().nowMs();
    store->append("g", "s", {{now - 3, "ERROR one"}, {now - 2, "{\"level\":\"INFO\",\"n\":3}"}, {now - 1, "a b 404 12"}},
                  nullptr);
  }
};

World& world() {
  static World* w = new World();  // never destroyed: libFuzzer exits without unwinding
  return *w;
}

void fuzzPattern(const std::string& rest) {
  size_t nul = rest.find('\0');
  std::string pattern = rest.substr(0, nul);
  std::string message = nul == std::string::npos ? std::string() : rest.substr(nul + 1);
  std::string why1, why2;
  auto a = FilterPattern::parse(pattern, &why1);
  auto b = FilterPattern::parse(pattern, &why2);
  if (a.has_value() != b.has_value() || why1 != why2) fail("parsing is not deterministic", pattern);
  if (!a && why1.empty()) fail("a rejected pattern without a reason", pattern);
  if (a && a->matches(message) != b->matches(message)) fail("matching is not deterministic", pattern);
  if (!wildcardMatch("*", message)) fail("* does not match everything", message);
  if (pattern.find('*') == std::string::npos && wildcardMatch(pattern, message) != (pattern == message)) {
    fail("a pattern without * matched something else", pattern);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  World& w = world();
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] >= 0x80) {
    fuzzPattern(body);
    return 0;
  }
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.target = "/";
  request.headers["host"] = "127.0.0.1:9000";
  request.headers["x-amz-target"] = std::string("Logs_20140328.") + kOperations[data[0] % kOperationCount];
  request.body = body;
  int replies = 0;
  HttpResponse answer;
  serveLogs(*w.service, std::move(request), [&](HttpResponse r) {
    ++replies;
    answer = std::move(r);
  }, "request-id");
  for (int turn = 0; replies == 0 && turn < 100000; ++turn) uv_run(w.loop.raw(), UV_RUN_ONCE);
  if (replies != 1) fail("answered " + std::to_string(replies) + " times", body);
  if (answer.status >= 500) fail("a server error: " + answer.body, body);
  nlohmann::json out = nlohmann::json::parse(answer.body, nullptr, false);
  if (!out.is_object()) fail("the answer is not a JSON object: " + answer.body, body);
  if (answer.status != 200 && (answer.status < 400 || !out.contains("__type"))) fail("an error without __type", body);
  return 0;
}
