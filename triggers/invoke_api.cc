// Invoke (LAMBDA.md §5): RequestResponse, Event, DryRun; payload limits; X-Amz-Log-Result.
#include <nlohmann/json.hpp>
#include <optional>

#include "runtime/base/crypto.h"
#include "runtime/base/json_reader.h"
#include "runtime/base/log.h"
#include "triggers/api_context.h"
#include "triggers/async/async_queue.h"
#include "triggers/decoded_call.h"
#include "triggers/function_lookup.h"
#include "triggers/request_limits.h"

namespace stratus::triggers {

namespace {

constexpr size_t kLogTailBytes = 4096;
constexpr size_t kClientContextMax = 3583;

// Lambda checks the payload is JSON without caring what it holds, and passes it on untouched
// (numbers beyond a double's range included). Nesting is limited as Jackson's default limits
// it (kJsonDefaultMaxDepth: Lambda's front end parses with Jackson >= 2.16, whose errors it
// quotes; that it keeps the default limit is unverified).
Error payloadError(const std::string& problem) {
  return Error{ErrorCode::kInvalidRequestContent,
               "Could not parse request body into json: Could not parse payload into json: " +
                   problem,
               {}};
}

// Checks `invoke.payload` once, in time linear in its size: on the loop up to
// kInlineDecodeBytes, on the thread pool above (sync payloads run to 6 MB), then calls `then`
// on the loop with the call; a payload that is not JSON answers `call`.
void withCheckedPayload(ApiContext& ctx, const ApiCallPtr& call, scheduler::InvokeCall invoke,
                        std::function<void(scheduler::InvokeCall)> then) {
  if (invoke.payload.size() <= kInlineDecodeBytes) {
    std::string problem = jsonSyntaxError(invoke.payload, kJsonDefaultMaxDepth);
    if (!problem.empty()) return call->fail(payloadError(problem));
    return then(std::move(invoke));
  }
  auto job = std::make_shared<scheduler::InvokeCall>(std::move(invoke));
  auto problem = std::make_shared<std::optional<std::string>>();  // unset: the check did not run
  ctx.loop.runInPool(
      [job, problem] { *problem = jsonSyntaxError(job->payload, kJsonDefaultMaxDepth); },
      [call, job, problem, then = std::move(then)] {
        answeringFaults(call, "checked payload", [&] {
          if (!problem->has_value()) return call->fail(Error::service("An internal error occurred."));
          if (!(*problem)->empty()) return call->fail(payloadError(**problem));
          then(std::move(*job));
        });
      });
}

std::string tail(const std::string& log) {
  return log.size() <= kLogTailBytes ? log : log.substr(log.size() - kLogTailBytes);
}

// Shared by Invoke and the legacy InvokeAsync: checks and the scheduler call.
struct Prepared {
  scheduler::InvokeCall call;
};

Result<Prepared> prepare(ApiContext& ctx, ApiCall& call, size_t max_payload,
                         const std::string& invocation_type) {
  auto found = findFunction(ctx, call);
  if (!found.ok()) {
    // Invoke names the version it looked for, $LATEST when none was given.
    if (found.error().code == ErrorCode::kResourceNotFound &&
        found.error().message.rfind("Function not found: ", 0) == 0) {
      auto ref = parseFunctionRef(call.params.at(0), call.query("Qualifier"), ctx.scope);
      if (ref.ok()) {
        std::string q = ref->qualifier.empty() ? "$LATEST" : ref->qualifier;
        return Error::notFound("Function not found: " + qualifiedArn(ctx.scope, ref->name, q));
      }
    }
    return found.error();
  }
  const std::string& body = call.request().body;
  if (body.size() > max_payload) {  // the HTTP server's limit already held most of these
    return tooLargeError(bodyLimitFor("Invoke", invocation_type == "Event"), body.size());
  }
  Prepared p;
  p.call.function_name = found->record->name;
  p.call.qualifier = found->ref.qualifier;
  p.call.request_id = call.requestId();
  p.call.payload = body.empty() ? "{}" : call.takeBody();
  std::string q = found->ref.qualifier;
  p.call.invoked_function_arn = q.empty() ? functionArn(ctx.scope, found->record->name)
                                          : qualifiedArn(ctx.scope, found->record->name, q);
  return p;
}

// Queues the event durably (triggers/async/async_queue.h); `accepted` answers once it is on disk.
void queueEvent(ApiContext& ctx, const ApiCallPtr& call, scheduler::InvokeCall invoke,
                std::function<void()> accepted) {
  if (!ctx.async) return call->fail(async::asyncUnavailable());
  ctx.async->enqueue(std::move(invoke), [call, accepted = std::move(accepted)](Status durable) {
    if (!durable.ok()) return call->fail(durable.error());
    accepted();
  });
}

}  // namespace

void invokeFunction(ApiContext& ctx, const ApiCallPtr& call) {
  // Checked against the model's enum before the handler ran (ApiCall::parameters).
  std::string type = call->parameters.value("InvocationType", std::string("RequestResponse"));
  auto prepared =
      prepare(ctx, *call, type == "Event" ? kAsyncPayloadMax : kSyncPayloadMax, type);
  if (!prepared.ok()) return call->fail(prepared.error());
  withCheckedPayload(ctx, call, std::move(prepared->call), [&ctx, call, type](scheduler::InvokeCall invoke) {
    if (type == "DryRun") return call->replyEmpty(204);

    std::string client_context = call->request().header("x-amz-client-context");
    if (!client_context.empty()) {
      auto decoded = base64Decode(client_context);
      if (client_context.size() > kClientContextMax || !decoded ||
          !jsonSyntaxError(*decoded, kJsonDefaultMaxDepth).empty()) {
        return call->fail(Error{ErrorCode::kInvalidRequestContent,
                                "Client context must be a valid Base64-encoded JSON object.",
                                {}});
      }
      invoke.client_context_json = *decoded;
    }

    if (type == "Event") return queueEvent(ctx, call, std::move(invoke), [call] { call->replyEmpty(202); });

    bool want_tail = call->parameters.value("LogType", std::string()) == "Tail";
    ctx.scheduler.invoke(std::move(invoke), [call, want_tail](Result<scheduler::InvokeOutput> out) {
      answeringFaults(call, "invocation result", [&] {
        if (!out.ok()) return call->fail(out.error());
        sandbox::InvokeResult& r = out->result;
        HttpResponse resp;
        resp.status = 200;
        resp.headers = {{"Content-Type", "application/json"},
                        {"X-Amz-Executed-Version", out->executed_version}};
        if (sandbox::isFunctionError(r.outcome)) resp.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
        if (want_tail) resp.headers.emplace_back("X-Amz-Log-Result", base64Encode(tail(r.log_text)));
        resp.body = std::move(r.payload);
        call->reply(std::move(resp));
      });
    });
  });
}

void invokeAsyncLegacy(ApiContext& ctx, const ApiCallPtr& call) {
  auto prepared = prepare(ctx, *call, kAsyncPayloadMax, "Event");
  if (!prepared.ok()) return call->fail(prepared.error());
  withCheckedPayload(ctx, call, std::move(prepared->call), [&ctx, call](scheduler::InvokeCall invoke) {
    queueEvent(ctx, call, std::move(invoke), [call] { call->reply(202, {{"Status", 202}}); });
  });
}

}  // namespace stratus::triggers
