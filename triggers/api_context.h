// What the Lambda API's route handlers work with. Loop thread only.
#pragma once

#include "layers/code_store.h"
#include "runtime/base/loop.h"
#include "scheduler/concurrency_limiter.h"
#include "scheduler/function_registry.h"
#include "scheduler/layer_registry.h"
#include "scheduler/scheduler.h"
#include "triggers/api_call.h"
#include "triggers/function_name.h"

namespace stratus::sqs {
class SqsService;
}
namespace stratus::logs {
class LogsService;
}
namespace stratus::async {
class AsyncQueue;
}
namespace stratus::esm {
class MappingService;
}

namespace stratus::triggers {

struct ApiContext {
  Loop& loop;
  scheduler::FunctionRegistry& registry;
  layers::CodeStore& code;
  scheduler::Scheduler& scheduler;
  scheduler::ConcurrencyLimiter& limiter;
  AccountScope scope;
  scheduler::LayerRegistry& layers;
  // The embedded SQS service on the same port (triggers/sqs); nullptr: none.
  sqs::SqsService* sqs = nullptr;
  // The CloudWatch Logs API on the same port (triggers/logs); nullptr: none.
  logs::LogsService* logs = nullptr;
  // The durable asynchronous invocation queue (triggers/async); nullptr: Event invokes refused.
  async::AsyncQueue* async = nullptr;
  // The SQS event source mappings (triggers/esm); nullptr: none.
  esm::MappingService* esm = nullptr;
};

using RouteHandler = void (*)(ApiContext&, const ApiCallPtr&);

// The registry's `durable` callback for a change: answers `call` with `status` and `body` (none
// when null) once the change is committed, or with the commit's ServiceException.
inline scheduler::FunctionRegistry::Durable answerWhenDurable(ApiCallPtr call, int status,
                                                              nlohmann::json body = nullptr) {
  return [call = std::move(call), status, body = std::move(body)](Status durable) {
    if (!durable.ok()) return call->fail(durable.error());
    if (body.is_null()) return call->replyEmpty(status);
    call->reply(status, body);
  };
}

// Control plane (function_api.cc).
void createFunction(ApiContext&, const ApiCallPtr&);
void getFunction(ApiContext&, const ApiCallPtr&);
void getFunctionConfiguration(ApiContext&, const ApiCallPtr&);
void listFunctions(ApiContext&, const ApiCallPtr&);
void updateFunctionCode(ApiContext&, const ApiCallPtr&);
void updateFunctionConfiguration(ApiContext&, const ApiCallPtr&);
void deleteFunction(ApiContext&, const ApiCallPtr&);
void getCodeZip(ApiContext&, const ApiCallPtr&);
// Account and tags (account_api.cc).
void getAccountSettings(ApiContext&, const ApiCallPtr&);
void tagResource(ApiContext&, const ApiCallPtr&);
void untagResource(ApiContext&, const ApiCallPtr&);
void listTags(ApiContext&, const ApiCallPtr&);
// Versions and aliases (version_api.cc, alias_api.cc).
void publishVersion(ApiContext&, const ApiCallPtr&);
void listVersionsByFunction(ApiContext&, const ApiCallPtr&);
void createAlias(ApiContext&, const ApiCallPtr&);
void getAlias(ApiContext&, const ApiCallPtr&);
void updateAlias(ApiContext&, const ApiCallPtr&);
void deleteAlias(ApiContext&, const ApiCallPtr&);
void listAliases(ApiContext&, const ApiCallPtr&);
// Concurrency (concurrency_api.cc).
void putFunctionConcurrency(ApiContext&, const ApiCallPtr&);
void getFunctionConcurrency(ApiContext&, const ApiCallPtr&);
void deleteFunctionConcurrency(ApiContext&, const ApiCallPtr&);
void putProvisionedConcurrency(ApiContext&, const ApiCallPtr&);
void getProvisionedConcurrency(ApiContext&, const ApiCallPtr&);  // or List with ?List=ALL
void deleteProvisionedConcurrency(ApiContext&, const ApiCallPtr&);
// Layers (layer_api.cc).
void publishLayerVersion(ApiContext&, const ApiCallPtr&);
void getLayerVersion(ApiContext&, const ApiCallPtr&);
void getLayerVersionByArn(ApiContext&, const ApiCallPtr&);
void listLayers(ApiContext&, const ApiCallPtr&);
void listLayerVersions(ApiContext&, const ApiCallPtr&);
void deleteLayerVersion(ApiContext&, const ApiCallPtr&);
void addLayerVersionPermission(ApiContext&, const ApiCallPtr&);
void getLayerVersionPolicy(ApiContext&, const ApiCallPtr&);
void removeLayerVersionPermission(ApiContext&, const ApiCallPtr&);
void getMetrics(ApiContext&, const ApiCallPtr&);  // GET /metrics (Prometheus text)
void recycleSandboxes(ApiContext&, const ApiCallPtr&);  // Stratus's own (stratus coldstart)
void importLayerVersion(ApiContext&, const ApiCallPtr&);  // Stratus's own (stratus layer import)
// Data plane (invoke_api.cc).
void invokeFunction(ApiContext&, const ApiCallPtr&);
void invokeAsyncLegacy(ApiContext&, const ApiCallPtr&);
// Event invoke configs (async/event_invoke_config_api.cc) and the server's status.
void putFunctionEventInvokeConfig(ApiContext&, const ApiCallPtr&);
void updateFunctionEventInvokeConfig(ApiContext&, const ApiCallPtr&);
void getFunctionEventInvokeConfig(ApiContext&, const ApiCallPtr&);
void deleteFunctionEventInvokeConfig(ApiContext&, const ApiCallPtr&);
void listFunctionEventInvokeConfigs(ApiContext&, const ApiCallPtr&);
void serverStatus(ApiContext&, const ApiCallPtr&);

}  // namespace stratus::triggers
