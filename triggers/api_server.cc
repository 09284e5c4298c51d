#include "triggers/api_server.h"

#include "runtime/base/ids.h"
#include "triggers/error_mapper.h"

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

// The operation a too-large body was meant for, for the 413's wording.
std::string operationFor(const HttpRequest& r) {
  if (r.path.find("/invocations") != std::string::npos) return "InvokeFunction";
  if (r.path.find("/code") != std::string::npos) return "UpdateFunctionCode";
  return "CreateFunction";
}

HttpServerOptions httpOptions(const ApiServerOptions& o) {
  HttpServerOptions h;
  h.max_body_bytes = ApiServer::kMaxRequestBytes;
  h.too_large_response = [](const HttpRequest& partial) {
    Error e = Error::tooLarge("Request must be smaller than " +
                              std::to_string(ApiServer::kMaxRequestBytes) + " bytes for the " +
                              operationFor(partial) + " operation");
    return errorResponse(e, uuid4());
  };
  h.max_connections = o.max_connections ? o.max_connections : defaultMaxConnections();
  h.header_timeout_ms = o.header_timeout_ms;
  h.body_grace_ms = o.body_grace_ms;
  h.min_body_bytes_per_s = o.min_body_bytes_per_s;
  return h;
}

}  // namespace

ApiServer::ApiServer(ApiContext context, ApiServerOptions options)
    : context_(std::move(context)),
      exposure_(std::move(options.exposure)),
      http_(context_.loop,
            [this](HttpRequest&& req, HttpRespond respond) {
              dispatch(std::move(req), std::move(respond));
            },
            httpOptions(options)) {
  add("POST", "/2015-03-31/functions", createFunction);
  add("GET", "/2015-03-31/functions", listFunctions);
  add("GET", "/2015-03-31/functions/{}", getFunction);
  add("DELETE", "/2015-03-31/functions/{}", deleteFunction);
  add("GET", "/2015-03-31/functions/{}/configuration", getFunctionConfiguration);
  add("PUT", "/2015-03-31/functions/{}/configuration", updateFunctionConfiguration);
  add("PUT", "/2015-03-31/functions/{}/code", updateFunctionCode);
  add("POST", "/2015-03-31/functions/{}/invocations", invokeFunction);
  add("POST", "/2014-11-13/functions/{}/invoke-async", invokeAsyncLegacy);
  add("POST", "/2015-03-31/functions/{}/versions", publishVersion);
  add("GET", "/2015-03-31/functions/{}/versions", listVersionsByFunction);
  add("POST", "/2015-03-31/functions/{}/aliases", createAlias);
  add("GET", "/2015-03-31/functions/{}/aliases", listAliases);
  add("GET", "/2015-03-31/functions/{}/aliases/{}", getAlias);
  add("PUT", "/2015-03-31/functions/{}/aliases/{}", updateAlias);
  add("DELETE", "/2015-03-31/functions/{}/aliases/{}", deleteAlias);
  add("PUT", "/2017-10-31/functions/{}/concurrency", putFunctionConcurrency);
  add("GET", "/2019-09-30/functions/{}/concurrency", getFunctionConcurrency);
  add("DELETE", "/2017-10-31/functions/{}/concurrency", deleteFunctionConcurrency);
  add("PUT", "/2019-09-30/functions/{}/provisioned-concurrency", putProvisionedConcurrency);
  add("GET", "/2019-09-30/functions/{}/provisioned-concurrency", getProvisionedConcurrency);
  add("DELETE", "/2019-09-30/functions/{}/provisioned-concurrency", deleteProvisionedConcurrency);
  add("GET", "/2016-08-19/account-settings", getAccountSettings);
  add("POST", "/2017-03-31/tags/{}", tagResource);
  add("GET", "/2017-03-31/tags/{}", listTags);
  add("DELETE", "/2017-03-31/tags/{}", untagResource);
  // Stratus's own: the code download behind GetFunction's Code.Location, and a no-op route
  // (the baseline the benchmarks compare invoke latency against).
  add("GET", "/_stratus/code/{}", getCodeZip);
  add("GET", "/_stratus/health", health);
}

void ApiServer::add(const std::string& method, const std::string& pattern, RouteHandler handler) {
  routes_.push_back({method, splitPath(pattern), handler});
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
  // Trailing slashes (older botocore) and repeated slashes are ignored by splitting.
  std::vector<std::string> segments = splitPath(request.path);
  auto call = std::make_shared<ApiCall>(std::move(request), std::move(respond), uuid4());
  bool path_matched = false;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (route.segments[i] == "{}") {
        params.push_back(percentDecode(segments[i]));
      } else {
        match = route.segments[i] == segments[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (route.method != call->request().method) continue;
    call->params = std::move(params);
    route.handler(context_, call);
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
