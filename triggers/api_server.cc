#include "triggers/api_server.h"

#include <stdexcept>

#include "runtime/base/ids.h"
#include "triggers/error_mapper.h"
#include "triggers/esm/esm_api.h"
#include "triggers/request_decoder.h"
#include "triggers/logs/logs_json_protocol.h"
#include "triggers/request_limits.h"
#include "triggers/sqs/sqs_json_protocol.h"
#include "triggers/sqs/sqs_query_protocol.h"

namespace stratus::triggers {

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

void health(ApiContext&, const ApiCallPtr& call) { call->reply(200, nlohmann::json::object()); }

}  // namespace

ApiServer::ApiServer(ApiContext context, ApiServerOptions options)
    : context_(std::move(context)),
      exposure_(std::move(options.exposure)),
      http_(context_.loop,
            [this](HttpRequest&& req, HttpRespond respond) {
              dispatch(std::move(req), std::move(respond));
            },
            httpOptions(options)) {
  add("POST", "/2015-03-31/functions", "CreateFunction", createFunction);
  add("GET", "/2015-03-31/functions", "ListFunctions", listFunctions);
  add("GET", "/2015-03-31/functions/{}", "GetFunction", getFunction);
  add("DELETE", "/2015-03-31/functions/{}", "DeleteFunction", deleteFunction);
  add("GET", "/2015-03-31/functions/{}/configuration", "GetFunctionConfiguration", getFunctionConfiguration);
  add("PUT", "/2015-03-31/functions/{}/configuration", "UpdateFunctionConfiguration", updateFunctionConfiguration);
  add("PUT", "/2015-03-31/functions/{}/code", "UpdateFunctionCode", updateFunctionCode);
  add("POST", "/2015-03-31/functions/{}/invocations", "Invoke", invokeFunction);
  add("POST", "/2014-11-13/functions/{}/invoke-async", "InvokeAsync", invokeAsyncLegacy);
  add("POST", "/2015-03-31/functions/{}/versions", "PublishVersion", publishVersion);
  add("GET", "/2015-03-31/functions/{}/versions", "ListVersionsByFunction", listVersionsByFunction);
  add("POST", "/2015-03-31/functions/{}/aliases", "CreateAlias", createAlias);
  add("GET", "/2015-03-31/functions/{}/aliases", "ListAliases", listAliases);
  add("GET", "/2015-03-31/functions/{}/aliases/{}", "GetAlias", getAlias);
  add("PUT", "/2015-03-31/functions/{}/aliases/{}", "UpdateAlias", updateAlias);
  add("DELETE", "/2015-03-31/functions/{}/aliases/{}", "DeleteAlias", deleteAlias);
  add("PUT", "/2017-10-31/functions/{}/concurrency", "PutFunctionConcurrency", putFunctionConcurrency);
  add("GET", "/2019-09-30/functions/{}/concurrency", "GetFunctionConcurrency", getFunctionConcurrency);
  add("DELETE", "/2017-10-31/functions/{}/concurrency", "DeleteFunctionConcurrency", deleteFunctionConcurrency);
  add("PUT", "/2019-09-30/functions/{}/provisioned-concurrency", "PutProvisionedConcurrencyConfig", putProvisionedConcurrency);
  add("GET", "/2019-09-30/functions/{}/provisioned-concurrency?List=ALL",
      "ListProvisionedConcurrencyConfigs", getProvisionedConcurrency);
  add("GET", "/2019-09-30/functions/{}/provisioned-concurrency", "GetProvisionedConcurrencyConfig", getProvisionedConcurrency);
  add("DELETE", "/2019-09-30/functions/{}/provisioned-concurrency", "DeleteProvisionedConcurrencyConfig", deleteProvisionedConcurrency);
  // Asynchronous invocation (triggers/async): event invoke configs.
  add("PUT", "/2019-09-25/functions/{}/event-invoke-config", "PutFunctionEventInvokeConfig", putFunctionEventInvokeConfig);
  add("POST", "/2019-09-25/functions/{}/event-invoke-config", "UpdateFunctionEventInvokeConfig", updateFunctionEventInvokeConfig);
  add("GET", "/2019-09-25/functions/{}/event-invoke-config", "GetFunctionEventInvokeConfig", getFunctionEventInvokeConfig);
  add("DELETE", "/2019-09-25/functions/{}/event-invoke-config", "DeleteFunctionEventInvokeConfig", deleteFunctionEventInvokeConfig);
  add("GET", "/2019-09-25/functions/{}/event-invoke-config/list", "ListFunctionEventInvokeConfigs", listFunctionEventInvokeConfigs);
  add("GET", "/2016-08-19/account-settings", "GetAccountSettings", getAccountSettings);
  add("POST", "/2017-03-31/tags/{}", "TagResource", tagResource);
  add("GET", "/2017-03-31/tags/{}", "ListTags", listTags);
  add("DELETE", "/2017-03-31/tags/{}", "UntagResource", untagResource);
  add("POST", "/2018-10-31/layers/{}/versions", "PublishLayerVersion", publishLayerVersion);
  add("GET", "/2018-10-31/layers/{}/versions", "ListLayerVersions", listLayerVersions);
  add("GET", "/2018-10-31/layers/{}/versions/{}", "GetLayerVersion", getLayerVersion);
  add("DELETE", "/2018-10-31/layers/{}/versions/{}", "DeleteLayerVersion", deleteLayerVersion);
  add("POST", "/2018-10-31/layers/{}/versions/{}/policy", "AddLayerVersionPermission", addLayerVersionPermission);
  add("GET", "/2018-10-31/layers/{}/versions/{}/policy", "GetLayerVersionPolicy", getLayerVersionPolicy);
  add("DELETE", "/2018-10-31/layers/{}/versions/{}/policy/{}", "RemoveLayerVersionPermission", removeLayerVersionPermission);
  add("GET", "/2018-10-31/layers?find=LayerVersion", "GetLayerVersionByArn", getLayerVersionByArn);
  add("GET", "/2018-10-31/layers", "ListLayers", listLayers);
  add("POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping", createEventSourceMapping);
  add("GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings", listEventSourceMappings);
  add("GET", "/2015-03-31/event-source-mappings/{}", "GetEventSourceMapping", getEventSourceMapping);
  add("PUT", "/2015-03-31/event-source-mappings/{}", "UpdateEventSourceMapping", updateEventSourceMapping);
  add("DELETE", "/2015-03-31/event-source-mappings/{}", "DeleteEventSourceMapping", deleteEventSourceMapping);
  // Stratus's own: another account's layer version imported under its ARN (stratus layer import).
  add("POST", "/_stratus/layers/import", "", importLayerVersion);
  // Stratus's own: the code download behind GetFunction's Code.Location, and a no-op route
  // (the baseline the benchmarks compare invoke latency against).
  add("GET", "/_stratus/code/{}", "", getCodeZip);
  add("GET", "/_stratus/health", "", health);
  add("GET", "/metrics", "", getMetrics);
  add("POST", "/_stratus/functions/{}/recycle", "", recycleSandboxes);
  // Stratus's own: the server's counters (the async queue's today).
  add("GET", "/_stratus/status", "", serverStatus);
}

HttpServerOptions ApiServer::httpOptions(const ApiServerOptions& o) const {
  HttpServerOptions h;
  h.max_body_bytes = kMaxRequestBytes;
  h.body_limit = [this](const HttpRequest& partial) { return bodyLimit(partial).bytes; };
  h.too_large_response = [this](const HttpRequest& partial) {
    uint64_t size = 0;
    std::string length = partial.header("content-length");
    if (!length.empty() && length.size() < 20 &&
        length.find_first_not_of("0123456789") == std::string::npos) {
      size = std::stoull(length);
    }
    return errorResponse(tooLargeError(bodyLimit(partial), size), uuid4());
  };
  h.max_connections = o.max_connections ? o.max_connections : defaultMaxConnections();
  h.header_timeout_ms = o.header_timeout_ms;
  h.body_grace_ms = o.body_grace_ms;
  h.min_body_bytes_per_s = o.min_body_bytes_per_s;
  return h;
}

BodyLimit ApiServer::bodyLimit(const HttpRequest& request) const {
  if (context_.sqs && (sqs::isSqsJsonRequest(request) ||
                       (sqs::isSqsQueryPath(request.path) &&
                        request.header("content-type").find("x-www-form-urlencoded") != std::string::npos))) {
    return {kSqsRequestMax, "SQS", false};
  }
  // PutLogEvents takes at most 1 MiB of events; the JSON around them gets room too.
  if (context_.logs && logs::isLogsRequest(request)) return {2 * 1048576, "Logs", false};
  ApiCall probe(request, nullptr, "");  // parses the query; never answered
  bool path_matched = false;
  const Route* route = match(probe, splitPath(request.path), nullptr, path_matched);
  bool event = request.header("x-amz-invocation-type") == "Event";
  return bodyLimitFor(route ? route->operation : "", event);
}

const ApiServer::Route* ApiServer::match(const ApiCall& call, const std::vector<std::string>& segments,
                                         std::vector<std::string>* params, bool& path_matched) const {
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> found;
    bool same = true;
    for (size_t i = 0; i < segments.size() && same; ++i) {
      if (route.segments[i] == "{}") {
        found.push_back(percentDecode(segments[i]));
      } else {
        same = route.segments[i] == segments[i];
      }
    }
    if (!same) continue;
    path_matched = true;
    if (route.method != call.request().method) continue;
    if (!route.query_key.empty() && call.query(route.query_key) != route.query_value) continue;
    if (params) *params = std::move(found);
    return &route;
  }
  return nullptr;
}

void ApiServer::add(const std::string& method, const std::string& pattern,
                    const std::string& operation, RouteHandler handler) {
  // "path?Key=Value": the route also needs that query parameter (the model writes
  // ListProvisionedConcurrencyConfigs' URI so), and comes before the route without it.
  size_t q = pattern.find('?');
  Route route{method, splitPath(pattern.substr(0, q)), {}, {}, operation, nullptr, handler};
  if (q != std::string::npos) {
    std::string constant = pattern.substr(q + 1);
    size_t eq = constant.find('=');
    route.query_key = constant.substr(0, eq);
    route.query_value = eq == std::string::npos ? "" : constant.substr(eq + 1);
  }
  if (!operation.empty()) {
    route.parameters = requestParameters(operation);
    if (route.parameters == nullptr) throw std::logic_error("no parameter table for " + operation);
  }
  routes_.push_back(std::move(route));
}

Status ApiServer::listen(const std::string& host, int port) { return http_.listen(host, port); }

void ApiServer::dispatch(HttpRequest&& request, HttpRespond respond) {
  // Host, Origin and signatures first: nothing below sees a request the policy refuses.
  std::string origin = request.header("origin");
  if (std::optional<HttpResponse> refused = exposure_.check(request, uuid4())) {
    return respond(std::move(*refused));
  }
  if (!origin.empty()) {
    // An allowed browser origin reads the answer through CORS headers.
    respond = [respond = std::move(respond), origin, this](HttpResponse response) {
      exposure_.decorate(origin, response);
      respond(std::move(response));
    };
  }
  // One port, several services: SQS by X-Amz-Target (JSON) or Action (query), Lambda by path.
  if (context_.sqs) {
    std::string host = request.header("host");
    std::string endpoint = "http://" + (host.empty() ? "127.0.0.1:" + std::to_string(port()) : host);
    if (sqs::isSqsJsonRequest(request)) {
      return sqs::serveSqsJson(*context_.sqs, std::move(request), std::move(respond), endpoint, uuid4());
    }
    if (sqs::isSqsQueryRequest(request)) {
      return sqs::serveSqsQuery(*context_.sqs, std::move(request), std::move(respond), endpoint, uuid4());
    }
  }
  // CloudWatch Logs by X-Amz-Target (JSON 1.1).
  if (context_.logs && logs::isLogsRequest(request)) {
    return logs::serveLogs(*context_.logs, std::move(request), std::move(respond), uuid4());
  }
  // Trailing slashes (older botocore) and repeated slashes are ignored by splitting.
  std::vector<std::string> segments = splitPath(request.path);
  auto call = std::make_shared<ApiCall>(std::move(request), std::move(respond), uuid4());
  bool path_matched = false;
  if (const Route* route = match(*call, segments, &call->params, path_matched)) {
    if (route->parameters) {
      auto decoded = decodeParameters(*route->parameters, call->queryMap(), call->request().headers);
      if (!decoded.ok()) return call->fail(decoded.error());
      call->parameters = std::move(decoded).value();
    }
    route->handler(context_, call);
    return;
  }
  if (path_matched) {
    call->fail({ErrorCode::kMethodNotAllowed,
                "The method " + call->request().method + " is not allowed on " +
                    call->request().path,
                {}});
  } else {
    call->fail({ErrorCode::kUnknownOperation,
                "No Lambda operation matches " + call->request().method + " " +
                    call->request().path,
                {}});
  }
}

}  // namespace stratus::triggers
