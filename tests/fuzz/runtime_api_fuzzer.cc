// runtime/rapi/runtime_api_server: the input is what a runtime sends on one connection to a fresh
// Runtime API server (127.0.0.1:0, on the fuzzer's Loop). The harness plays the server's owner as
// the process sandbox does: a claim is waiting from the start, and each time the runtime becomes
// ready it delivers the next invocation ("id-1", "id-2", ...; payload {"n":N}). A long poll
// that nothing will answer (a /next while running) ends the exchange after 20 ms of quiet.
// Checks, after the loop has run every event the server posted:
//  - every byte the server sent parses as HTTP/1.1 responses with the Runtime API's statuses,
//    JSON bodies, one Content-Length each
//  - invocations are handed over once each, in delivery order, with their own id and payload
//  - every 202 the runtime got is exactly one event to the owner, and every event a 202
//  - answers name only invocations that were handed over, each at most once, after its
//    hand-over; an init error happens at most once, before any ready, and ends in InitError
//  - the state the server reports is one of the enum's.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/base/loop.h"
#include "runtime/rapi/runtime_api_server.h"
#include "tests/fuzz/common/http_stream.h"
#include "tests/fuzz/common/loopback_exchange.h"

namespace {

using namespace stratus;
using namespace stratus::rapi;

constexpr int kMaxDeliveries = 32;

std::string g_received;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "runtime_api invariant broken: %s\n--- received (%zu bytes) ---\n%.*s\n",
               what.c_str(), g_received.size(),
               static_cast<int>(std::min<size_t>(g_received.size(), 4000)), g_received.data());
  std::abort();
}

// What the owner saw, in the order the server's events arrived.
struct Owner {
  std::vector<std::string> log;  // "ready", "response id", "error id", "init-error", "too-large id"
  std::vector<std::string> delivered;
  RuntimeApiServer* server = nullptr;

  void deliverNext() {
    if (delivered.size() >= kMaxDeliveries) return;
    Invocation inv;
    inv.request_id = "id-" + std::to_string(delivered.size() + 1);
    inv.payload = R"({"n":)" + std::to_string(delivered.size() + 1) + "}";
    inv.deadline_epoch_ms = 4102444800000;
    inv.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fuzz";
    inv.trace_id = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";
    delivered.push_back(inv.request_id);
    server->deliver(std::move(inv));
  }
};

bool isJson(const std::string& body) { return nlohmann::json::accept(body); }

void check(const Owner& owner, const fuzz::ParsedStream& stream, RuntimeState final_state) {
  if (!stream.error.empty()) fail("response stream does not parse: " + stream.error);
  size_t accepted = 0;
  std::vector<std::string> handed;
  bool closed = false;
  for (const fuzz::ParsedResponse& r : stream.responses) {
    if (closed) fail("a response after Connection: close");
    if (!r.complete) fail("an incomplete response");
    if (r.status == 100) continue;
    closed = r.header("connection") == "close";
    if (r.headerCount("content-length") != 1) fail("not one Content-Length");
    switch (r.status) {
      case 200: {
        if (r.headerCount("lambda-runtime-aws-request-id") == 1) {
          handed.push_back(r.header("lambda-runtime-aws-request-id"));
          size_t n = handed.size();
          if (n > owner.delivered.size() || handed.back() != owner.delivered[n - 1]) {
            fail("handed over " + handed.back() + " out of delivery order");
          }
          if (!r.body.empty() && r.body != R"({"n":)" + std::to_string(n) + "}") fail("payload differs");
          if (r.header("lambda-runtime-deadline-ms") != "4102444800000") fail("deadline header");
        } else if (!r.body.empty()) {
          nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
          if (!j.is_object() || j.value("env", nlohmann::json()) != nlohmann::json{{"FUZZ", "1"}}) {
            fail("a 200 that is neither an invocation nor the claim: " + r.body);
          }
        }
        break;
      }
      case 202:
        ++accepted;
        if (!r.body.empty() && r.body != R"({"status":"OK"})") fail("202 body");
        break;
      case 400: case 403: case 404: case 405: case 413: case 431: case 500:
        if (!r.body.empty() && !isJson(r.body)) fail("error body is not JSON");
        break;
      default:
        fail("unexpected status " + std::to_string(r.status));
    }
  }

  // The owner's events against what the runtime was told.
  size_t answers = 0, readies = 0, init_errors = 0;
  std::set<std::string> answered;
  for (const std::string& e : owner.log) {
    if (e == "ready") {
      if (init_errors) fail("ready after an init error");
      ++readies;
      continue;
    }
    if (e == "init-error") {
      if (readies || init_errors) fail("an init error after ready, or twice");
      ++init_errors;
      ++answers;
      continue;
    }
    std::string id = e.substr(e.find(' ') + 1);
    bool was_handed = false;
    for (const std::string& h : handed) was_handed = was_handed || h == id;
    if (!was_handed) fail("an answer for " + id + ", which was never handed over");
    if (!answered.insert(id).second) fail(id + " answered twice");
    if (e.rfind("too-large", 0) != 0) ++answers;
  }
  if (answers != accepted) {
    fail(std::to_string(accepted) + " answers accepted (202) but " + std::to_string(answers) + " events");
  }
  if (init_errors && final_state != RuntimeState::kInitError) fail("an init error that did not end in InitError");
  if (static_cast<int>(final_state) < 0 || static_cast<int>(final_state) > 6) fail("state outside the enum");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Loop* loop = new Loop;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Owner owner;
  RuntimeApiEvents events;
  events.on_ready = [&owner] {
    owner.log.push_back("ready");
    owner.deliverNext();
  };
  events.on_response = [&owner](std::string id, std::string) { owner.log.push_back("response " + id); };
  events.on_error = [&owner](std::string id, std::string, std::string type) {
    if (type != "Runtime.Unknown" && type.find('.') == std::string::npos) fail("error type " + type);
    owner.log.push_back("error " + id);
  };
  events.on_init_error = [&owner](std::string, std::string) { owner.log.push_back("init-error"); };
  events.on_response_too_large = [&owner](std::string id) { owner.log.push_back("too-large " + id); };
  auto server = std::make_unique<RuntimeApiServer>(*loop, events);
  owner.server = server.get();
  if (!server->listen().ok()) fail("listen failed");
  server->claim({{"FUZZ", "1"}});
  int port = std::stoi(server->address().substr(server->address().find(':') + 1));

  fuzz::ExchangeLimits limits;
  limits.quiet_ms = 20;
  limits.deadline_ms = 10000;
  fuzz::Exchange ex = fuzz::exchangeOverLoopback(*loop, port, input, limits);
  g_received = ex.received;
  if (!ex.connected) fail("could not connect");
  if (ex.timed_out) fail("the exchange hit its deadline");
  // Events the server posted for later turns.
  for (int i = 0; i < 10; ++i) uv_run(loop->raw(), UV_RUN_NOWAIT);

  std::vector<std::string> methods = fuzz::requestMethods(input);
  fuzz::ParsedStream stream = fuzz::parseResponses(ex.received, [&methods](size_t i, int status) {
    bool refusal = status == 400 || status == 413 || status == 431;  // written with their body
    return i < methods.size() && methods[i] == "HEAD" && !refusal;
  });
  check(owner, stream, server->state());

  server->close();
  server.reset();
  for (int i = 0; i < 10; ++i) uv_run(loop->raw(), UV_RUN_NOWAIT);
  return 0;
}
