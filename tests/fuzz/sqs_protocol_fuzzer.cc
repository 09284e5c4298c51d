// The SQS front door end to end minus the socket: the first input byte picks the protocol
// (even: JSON, odd: query), the second the JSON protocol's operation (X-Amz-Target), the rest
// is the body. A decoded request runs on the real service (triggers/sqs) over a real SQLite
// database on tmpfs, its loop pumped until the reply. Checks, besides no crash and no UB:
//  - every request is answered exactly once, without a long poll (WaitTimeSeconds forced to 0)
//  - an error is the client's (4xx, never InternalError)
//  - an answer renders in both protocols (JSON with the replacement character for bad UTF-8,
//    XML), and the decoded input holds only objects at the top
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/base/db_writer.h"
#include "runtime/base/loop.h"
#include "triggers/sqs/sqs_json_protocol.h"
#include "triggers/sqs/sqs_query_protocol.h"
#include "triggers/sqs/sqs_service.h"

namespace {

using namespace stratus;
using namespace stratus::sqs;

const char* const kOperations[] = {
    "CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes",
    "SetQueueAttributes", "PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage",
    "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    "TagQueue", "UntagQueue", "ListQueueTags", "ListDeadLetterSourceQueues",
    "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask", "AddPermission",
    "RemovePermission"};
constexpr size_t kOperationCount = sizeof(kOperations) / sizeof(kOperations[0]);
constexpr const char* kEndpoint = "http://127.0.0.1:9000";

[[noreturn]] void fail(const std::string& what, const std::string& body) {
  std::fprintf(stderr, "sqs_protocol invariant broken: %s\nbody (%zu bytes): %.*s\n", what.c_str(), body.size(),
               static_cast<int>(std::min<size_t>(body.size(), 2000)), body.data());
  std::abort();
}

struct World {
  Loop loop;
  std::unique_ptr<DbWriter> writer;
  std::unique_ptr<SqsService> service;

  World() {
    std::string path = "/dev/shm/stratus-sqs-fuzz-" + std::to_string(getpid()) + ".db";
    std::remove(path.c_str());
    auto w = DbWriter::open(loop, path, std::chrono::microseconds(0));
    if (!w.ok()) fail("cannot open the database: " + w.error().message, "");
    writer = std::move(w).value();
    auto s = SqsService::open(loop, *writer, SystemClock::instance(), {});
    if (!s.ok()) fail("cannot open the service: " + s.error().message, "");
    service = std::move(s).value();
  }
};

World& world() {
  static World* w = new World();  // never destroyed: libFuzzer exits without unwinding
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  World& w = world();
  bool query = data[0] & 1;
  std::string body(reinterpret_cast<const char*>(data + 2), size - 2);
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.target = "/";
  request.headers["host"] = "127.0.0.1:9000";
  request.body = body;
  SqsResult<SqsInput> decoded = sqsError(SqsErrorKind::kInternal, "");
  if (query) {
    request.headers["content-type"] = "application/x-www-form-urlencoded";
    decoded = decodeSqsQuery(request, kEndpoint);
  } else {
    request.headers["x-amz-target"] = std::string("AmazonSQS.") + kOperations[data[1] % kOperationCount];
    decoded = decodeSqsJson(request);
  }
  if (!decoded.ok()) {
    if (decoded.error().status() >= 500) fail("a decoding error is the server's: " + decoded.error().message, body);
    return 0;
  }
  SqsInput in = std::move(decoded).value();
  if (!in.input.is_object()) fail("decoded input is not an object", body);
  if (in.operation == "ReceiveMessage") in.input["WaitTimeSeconds"] = 0;
  int replies = 0;
  SqsResult<nlohmann::json> answer = nlohmann::json();
  w.service->call(in.operation, in.input, kEndpoint, [&](SqsResult<nlohmann::json> r) {
    ++replies;
    answer = std::move(r);
  });
  for (int turn = 0; replies == 0 && turn < 100000; ++turn) uv_run(w.loop.raw(), UV_RUN_ONCE);
  if (replies != 1) fail("answered " + std::to_string(replies) + " times: " + in.operation, body);
  if (!answer.ok()) {
    if (answer.error().kind == SqsErrorKind::kInternal || answer.error().status() >= 500) {
      fail("an internal error for " + in.operation + ": " + answer.error().message, body);
    }
    return 0;
  }
  const nlohmann::json& out = answer.value();
  if (!out.is_object()) fail("output is not an object: " + in.operation, body);
  (void)out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)renderSqsQueryResult(in.operation, out, "request-id");
  return 0;
}
