#include "triggers/esm/esm_api.h"

#include "runtime/base/clock.h"
#include "runtime/base/ids.h"
#include "triggers/esm/event_filter.h"
#include "triggers/esm/mapping_service.h"
#include "triggers/esm/sqs_records.h"
#include "triggers/list_paging.h"
#include "triggers/request_decoder.h"
#include "triggers/request_shape.h"

namespace stratus::triggers {

namespace {

using Json = nlohmann::json;
constexpr const char* kNoSuchMapping = "The resource you requested does not exist.";
constexpr int kFifoMaxBatch = 10;

Result<Json> decodeMappingBody(const ApiCall& call, const char* operation) {
  const Shape* shape = requestShape(operation);
  if (!shape) return Error::service(std::string("no request shape for ") + operation);
  return decodeBody(call.request().body, *shape);
}

// The function a mapping names: FunctionName (maybe qualified) resolved against the registry.
struct MappedFunction {
  std::string name, qualifier, arn;
  int timeout_s = 3;
};

Result<MappedFunction> mappedFunction(ApiContext& ctx, const std::string& raw) {
  auto ref = parseFunctionRef(raw, "", ctx.scope);
  if (!ref.ok()) return ref.error();
  const scheduler::FunctionState* state = ctx.registry.find(ref->name);
  const Error missing = Error::invalidParameter("Function does not exist");
  if (!state) return missing;
  const scheduler::FunctionRecord* record = nullptr;
  if (ref->qualifier.empty() || ref->qualifier == "$LATEST" || scheduler::isVersionNumber(ref->qualifier)) {
    record = state->version(ref->qualifier.empty() ? "$LATEST" : ref->qualifier);
  } else if (auto alias = state->aliases.find(ref->qualifier); alias != state->aliases.end()) {
    record = state->version(alias->second.function_version);
  }
  if (!record) return missing;
  MappedFunction f{ref->name, ref->qualifier, "", record->timeout_s};
  f.arn = ref->qualifier.empty() ? functionArn(ctx.scope, ref->name) : qualifiedArn(ctx.scope, ref->name, ref->qualifier);
  return f;
}

// The members Create and Update share, applied onto `m`.
Status applyMembers(const Json& in, esm::Mapping& m) {
  if (in.contains("DestinationConfig")) {
    return Error::invalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.");
  }
  if (auto it = in.find("Enabled"); it != in.end()) m.enabled = it->get<bool>();
  if (auto it = in.find("BatchSize"); it != in.end()) m.batch_size = it->get<int>();
  if (auto it = in.find("MaximumBatchingWindowInSeconds"); it != in.end()) {
    m.batching_window_s = it->get<int>();
    m.window_given = true;
  }
  if (auto it = in.find("FunctionResponseTypes"); it != in.end()) {
    m.report_batch_item_failures = false;
    for (const auto& t : *it) m.report_batch_item_failures |= t == "ReportBatchItemFailures";
  }
  if (auto it = in.find("ScalingConfig"); it != in.end()) {
    if (it->contains("MaximumConcurrency")) {
      m.maximum_concurrency = (*it)["MaximumConcurrency"].get<int>();
    } else {
      m.maximum_concurrency.reset();  // ScalingConfig {} removes the cap
    }
  }
  if (auto it = in.find("FilterCriteria"); it != in.end()) {
    m.filter_patterns.clear();
    for (const auto& f : it->value("Filters", Json::array())) {
      std::string pattern = f.value("Pattern", "");
      if (!esm::EventFilter::parse(pattern)) return Error::invalidParameter("Invalid filter pattern definition.");
      m.filter_patterns.push_back(std::move(pattern));
    }
    m.filters_given = !m.filter_patterns.empty();
  }
  if (auto it = in.find("Tags"); it != in.end()) m.tags = it->get<std::map<std::string, std::string>>();
  return okStatus();
}

// What Lambda checks once the members are known: the batch and window, and the queue (it
// must exist, and hide a message at least as long as the function may run). `then` runs on
// the loop with the verdict (a remote queue is asked over HTTP).
void checkMapping(ApiContext& ctx, const std::string& queue_arn, int batch_size, int window_s, int function_timeout_s,
                  std::function<void(Status)> then) {
  if (batch_size > 10 && window_s == 0) {
    return then(Error::invalidParameter(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"));
  }
  ctx.esm->queueFor(queue_arn)
      .describe(queue_arn, [batch_size, function_timeout_s, then = std::move(then)](
                                        sqs::SqsResult<sqs::LocalQueueInfo> queue) {
        if (!queue.ok()) {
          return then(Error::invalidParameter(
              "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
              "SQS Error Message: The specified queue does not exist."));
        }
        if (queue.value().fifo && batch_size > kFifoMaxBatch) {
          return then(Error::invalidParameter("Batch size for FIFO queues must be between 1 and 10."));
        }
        int visibility = queue.value().visibility_timeout_s;
        if (visibility < function_timeout_s) {
          return then(Error::invalidParameter("Queue visibility timeout: " + std::to_string(visibility) +
                                              " seconds is less than Function timeout: " +
                                              std::to_string(function_timeout_s) + " seconds"));
        }
        then(okStatus());
      });
}

const esm::Mapping* duplicateOf(ApiContext& ctx, const esm::Mapping& m) {
  for (const esm::Mapping* other : ctx.esm->list()) {
    if (other->uuid != m.uuid && other->event_source_arn == m.event_source_arn &&
        other->function_name == m.function_name && other->qualifier == m.qualifier &&
        other->state != esm::MappingState::kDeleting) {
      return other;
    }
  }
  return nullptr;
}

Error duplicateError(const esm::Mapping& m, const esm::Mapping& other) {
  return Error::conflict("An event source mapping with SQS arn (\" " + m.event_source_arn + " \") and function (\" " +
                         m.function_name + " \") already exists. Please update or delete the existing mapping with UUID " +
                         other.uuid);
}

void answer(const ApiCallPtr& call, int status, Result<Json> shape) {
  if (!shape.ok()) return call->fail(shape.error());
  call->reply(status, shape.value());
}

bool available(ApiContext& ctx, const ApiCallPtr& call) {
  if (ctx.esm) return true;
  call->fail(Error::service("Event source mappings are not available on this server."));
  return false;
}

// Points `m` at `function` (a name, ARN or name:qualifier), checks the queue against it and
// against the other mappings, then stores it through `store` (create or update) and answers
// 202 with its shape. The one path both CreateEventSourceMapping and Update take.
void bindAndStore(ApiContext& ctx, const ApiCallPtr& call, esm::Mapping m, const std::string& function,
                  void (esm::MappingService::*store)(esm::Mapping, esm::MappingService::Done)) {
  auto fn = mappedFunction(ctx, function);
  if (!fn.ok()) return call->fail(fn.error());
  m.function_name = fn->name;
  m.qualifier = fn->qualifier;
  m.function_arn = fn->arn;
  // The members are read before the continuation takes the mapping over.
  const std::string queue_arn = m.event_source_arn;
  checkMapping(ctx, queue_arn, m.batch_size, m.batching_window_s, fn->timeout_s,
               [&ctx, call, store, m = std::move(m)](Status checked) mutable {
                 if (!checked.ok()) return call->fail(checked.error());
                 if (const esm::Mapping* other = duplicateOf(ctx, m)) return call->fail(duplicateError(m, *other));
                 m.last_modified_ms = epochMs();
                 (ctx.esm->*store)(std::move(m), [call](Result<Json> shape) { answer(call, 202, std::move(shape)); });
               });
}

}  // namespace

void createEventSourceMapping(ApiContext& ctx, const ApiCallPtr& call) {
  if (!available(ctx, call)) return;
  auto in = decodeMappingBody(*call, "CreateEventSourceMapping");
  if (!in.ok()) return call->fail(in.error());
  const Json& body = in.value();
  std::string source = body.value("EventSourceArn", "");
  if (source.empty()) return call->fail(Error::invalidParameter("Unrecognized event source."));
  if (!esm::splitQueueArn(source)) {
    return call->fail(Error::invalidParameter(
        "Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : " + source));
  }
  esm::Mapping m;
  m.uuid = uuid4();
  m.event_source_arn = source;
  if (Status s = applyMembers(body, m); !s.ok()) return call->fail(s.error());
  bindAndStore(ctx, call, std::move(m), body.value("FunctionName", ""), &esm::MappingService::create);
}

void getEventSourceMapping(ApiContext& ctx, const ApiCallPtr& call) {
  if (!available(ctx, call)) return;
  const esm::Mapping* m = ctx.esm->find(call->params.at(0));
  if (!m) return call->fail(Error::notFound(kNoSuchMapping));
  call->reply(200, esm::mappingShape(*m, ctx.scope.region, ctx.scope.account_id));
}

void updateEventSourceMapping(ApiContext& ctx, const ApiCallPtr& call) {
  if (!available(ctx, call)) return;
  auto in = decodeMappingBody(*call, "UpdateEventSourceMapping");
  if (!in.ok()) return call->fail(in.error());
  const esm::Mapping* current = ctx.esm->find(call->params.at(0));
  if (!current || current->state == esm::MappingState::kDeleting) return call->fail(Error::notFound(kNoSuchMapping));
  const Json& body = in.value();
  esm::Mapping m = *current;
  if (Status s = applyMembers(body, m); !s.ok()) return call->fail(s.error());
  std::string function = body.value("FunctionName", "");
  if (function.empty()) function = m.qualifier.empty() ? m.function_name : m.function_name + ":" + m.qualifier;
  bindAndStore(ctx, call, std::move(m), function, &esm::MappingService::update);
}

void deleteEventSourceMapping(ApiContext& ctx, const ApiCallPtr& call) {
  if (!available(ctx, call)) return;
  const esm::Mapping* m = ctx.esm->find(call->params.at(0));
  if (!m) return call->fail(Error::notFound(kNoSuchMapping));
  ctx.esm->remove(m->uuid, [call](Result<Json> shape) { answer(call, 202, std::move(shape)); });
}

void listEventSourceMappings(ApiContext& ctx, const ApiCallPtr& call) {
  if (!available(ctx, call)) return;
  auto page = ListPage::fromQuery(*call);
  if (!page.ok()) return call->fail(page.error());
  std::string source = call->parameters.value("EventSourceArn", "");
  std::optional<FunctionRef> function;
  if (std::string raw = call->parameters.value("FunctionName", ""); !raw.empty()) {
    auto ref = parseFunctionRef(raw, "", ctx.scope);
    if (!ref.ok()) return call->fail(ref.error());
    function = *ref;
  }
  std::vector<const esm::Mapping*> matching;
  for (const esm::Mapping* m : ctx.esm->list()) {
    if (!source.empty() && m->event_source_arn != source) continue;
    if (function && (m->function_name != function->name ||
                     (!function->qualifier.empty() && m->qualifier != function->qualifier))) {
      continue;
    }
    matching.push_back(m);
  }
  Json items = Json::array();
  size_t end = page->end(matching.size());
  for (size_t i = page->start; i < end; ++i) {
    items.push_back(esm::mappingShape(*matching[i], ctx.scope.region, ctx.scope.account_id));
  }
  Json out{{"EventSourceMappings", items}};
  if (end < matching.size()) out["NextMarker"] = ListPage::markerFor(end);
  call->reply(200, out);
}

}  // namespace stratus::triggers
