// Lambda's layer operations (REST 2018-10-31): publish, get, list, delete, and the layer
// version policy; plus Stratus's own import of another account's layer version.
#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"
#include "triggers/api_context.h"
#include "triggers/decoded_call.h"
#include "triggers/function_lookup.h"
#include "triggers/lambda_requests.h"
#include "triggers/code_upload.h"
#include "triggers/layer_shapes.h"
#include "triggers/list_paging.h"

namespace stratus::triggers {

namespace {

const char* kNoSuchResource = "The resource you requested does not exist.";

std::string hostOf(const ApiCall& call) {
  std::string host = call.request().header("host");
  return host.empty() ? "127.0.0.1" : host;
}

std::string parameter(const ApiCall& call, const char* name) {
  auto it = call.parameters.find(name);
  if (it == call.parameters.end() || !it->is_string()) return "";
  return it->get<std::string>();
}


scheduler::CodeRef codeRef(const layers::StoredCode& code) {
  return {code.sha256_hex, code.sha256_base64, code.size, code.unzipped_bytes};
}

// The layer version a path names, or Lambda's error (`missing` worded per operation).
struct FoundVersion {
  const scheduler::LayerState* layer;
  const scheduler::LayerVersionRecord* version;
  LayerArnParts parts;
};

Result<FoundVersion> findVersion(ApiContext& ctx, const ApiCall& call, bool arn_in_message) {
  LayerArnParts parts = layerFromPath(call.params.at(0), ctx.scope);
  auto n = layerVersionNumber(call.params.at(1));
  if (!n.ok()) return n.error();
  parts.version = *n;
  const scheduler::LayerState* layer = ctx.layers.find(parts.layerArn());
  const scheduler::LayerVersionRecord* v = layer ? ctx.layers.findVersion(parts.layerArn(), *n) : nullptr;
  if (!v) {
    return Error::notFound(arn_in_message ? "Layer version " + parts.versionArn() + " does not exist."
                                          : kNoSuchResource);
  }
  return FoundVersion{layer, v, parts};
}

// In Lambda's member order (Sid, Effect, Principal, Action, Resource): clients compare the text.
nlohmann::ordered_json statementJson(const std::string& sid, const scheduler::LayerStatement& st,
                                     const std::string& resource) {
  nlohmann::ordered_json j;
  j["Sid"] = sid;
  j["Effect"] = "Allow";
  // An account is rendered as its root user, as IAM normalises it.
  if (st.principal == "*") {
    j["Principal"] = "*";
  } else if (st.principal.rfind("arn:", 0) == 0) {
    j["Principal"] = nlohmann::ordered_json{{"AWS", st.principal}};
  } else {
    j["Principal"] = nlohmann::ordered_json{{"AWS", "arn:aws:iam::" + st.principal + ":root"}};
  }
  j["Action"] = st.action;
  j["Resource"] = resource;
  if (!st.organization_id.empty()) {
    j["Condition"] = nlohmann::ordered_json{
        {"StringEquals", nlohmann::ordered_json{{"aws:PrincipalOrgID", st.organization_id}}}};
  }
  return j;
}

Status checkLayerRevision(const std::string& given, const scheduler::LayerVersionRecord& v) {
  if (given.empty() || given == v.policy_revision_id) return okStatus();
  return Error{ErrorCode::kPreconditionFailed,
               "The Revision Id provided does not match the latest Revision Id. Call the "
               "GetLayerPolicy API to retrieve the latest Revision Id",
               {}};
}

}  // namespace

void publishLayerVersion(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<PublishLayerVersionInput>(ctx.loop, call, decodePublishLayerVersion, [&ctx, call](PublishLayerVersionInput in) {
    LayerArnParts parts = layerFromPath(call->params.at(0), ctx.scope);
    if (parts.account_id != ctx.scope.account_id || parts.region != ctx.scope.region) {
      return call->fail(Error{ErrorCode::kAccessDenied,
                              "User: arn:aws:iam::" + ctx.scope.account_id + ":root is not authorized "
                              "to perform: lambda:PublishLayerVersion on resource: " + parts.layerArn(),
                              {}});
    }
    if (in.compatible_runtimes) {
      Status ok = checkCompatibleRuntimes(*in.compatible_runtimes);
      if (!ok.ok()) return call->fail(ok.error());
    }
    if (in.content.s3) {
      return call->fail(Error::invalidParameter(
          "Stratus has no S3: publish the layer's zip with Content.ZipFile (--zip-file fileb://layer.zip)."));
    }
    if (!in.content.zip_file) {
      return call->fail(Error::invalidParameter("Please provide a source for layer content."));
    }
    scheduler::LayerVersionRecord record;
    record.description = in.description.value_or("");
    record.license_info = in.license_info;
    record.compatible_runtimes = in.compatible_runtimes;
    record.compatible_architectures = in.compatible_architectures;
    storeUploadedZip(ctx, call, std::move(*in.content.zip_file), ZipEncoding::kBase64, "stored layer",
             [&ctx, call, parts, record](layers::StoredCode code) mutable {
               record.code = codeRef(code);
               record.created_date = formatAwsTimestamp(epochMs());
               // Numbered here, on the loop, after the upload: concurrent publishes of one layer
               // get consecutive numbers in the order their uploads finished.
               int64_t n = 0;
               scheduler::LayerVersionRecord shown = record;
               auto body = std::make_shared<nlohmann::json>();
               n = ctx.layers.publish(parts.layerArn(), parts.name, record, [call, body](Status s) {
                 if (!s.ok()) return call->fail(s.error());
                 call->reply(201, *body);
               });
               shown.version = n;
               *body = layerVersionShape(*ctx.layers.find(parts.layerArn()), shown, hostOf(*call));
             });
  });
}

void getLayerVersion(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findVersion(ctx, *call, false);
  if (!found.ok()) return call->fail(found.error());
  call->reply(200, layerVersionShape(*found->layer, *found->version, hostOf(*call)));
}

void getLayerVersionByArn(ApiContext& ctx, const ApiCallPtr& call) {
  // The model checked Arn's pattern (a versioned layer ARN) before we got here.
  std::string arn = parameter(*call, "Arn");
  auto parts = parseLayerArn(arn);
  if (!parts || !parts->version) return call->fail(Error::notFound(kNoSuchResource));
  const scheduler::LayerState* layer = ctx.layers.find(parts->layerArn());
  const scheduler::LayerVersionRecord* v = ctx.layers.findVersion(parts->layerArn(), *parts->version);
  if (!layer || !v) return call->fail(Error::notFound(kNoSuchResource));
  call->reply(200, layerVersionShape(*layer, *v, hostOf(*call)));
}

void listLayers(ApiContext& ctx, const ApiCallPtr& call) {
  auto page = ListPage::fromQuery(*call);
  if (!page.ok()) return call->fail(page.error());
  std::string runtime = parameter(*call, "CompatibleRuntime");
  std::string arch = parameter(*call, "CompatibleArchitecture");
  if (Status ok = checkCompatibleRuntime(runtime); !ok.ok()) return call->fail(ok.error());
  // This account's layers in this region, each with its newest version that passes the filters.
  std::string prefix = "arn:aws:lambda:" + ctx.scope.region + ":" + ctx.scope.account_id + ":layer:";
  std::vector<nlohmann::json> items;
  for (const auto& [arn, layer] : ctx.layers.all()) {
    if (arn.rfind(prefix, 0) != 0) continue;
    for (auto it = layer.versions.rbegin(); it != layer.versions.rend(); ++it) {
      if (!layerMatches(it->second, runtime, arch)) continue;
      items.push_back({{"LayerName", layer.name},
                       {"LayerArn", layer.arn},
                       {"LatestMatchingVersion", layerVersionListItem(layer, it->second)}});
      break;
    }
  }
  nlohmann::json out{{"Layers", nlohmann::json::array()}};
  size_t end = page->end(items.size());
  for (size_t i = page->start; i < end; ++i) out["Layers"].push_back(items[i]);
  if (end < items.size()) out["NextMarker"] = ListPage::markerFor(end);
  call->reply(200, out);
}

void listLayerVersions(ApiContext& ctx, const ApiCallPtr& call) {
  auto page = ListPage::fromQuery(*call);
  if (!page.ok()) return call->fail(page.error());
  std::string runtime = parameter(*call, "CompatibleRuntime");
  std::string arch = parameter(*call, "CompatibleArchitecture");
  if (Status ok = checkCompatibleRuntime(runtime); !ok.ok()) return call->fail(ok.error());
  LayerArnParts parts = layerFromPath(call->params.at(0), ctx.scope);
  std::vector<nlohmann::json> items;  // newest first, as Lambda lists them
  if (const scheduler::LayerState* layer = ctx.layers.find(parts.layerArn())) {
    for (auto it = layer->versions.rbegin(); it != layer->versions.rend(); ++it) {
      if (layerMatches(it->second, runtime, arch)) items.push_back(layerVersionListItem(*layer, it->second));
    }
  }
  nlohmann::json out{{"LayerVersions", nlohmann::json::array()}};
  size_t end = page->end(items.size());
  for (size_t i = page->start; i < end; ++i) out["LayerVersions"].push_back(items[i]);
  if (end < items.size()) out["NextMarker"] = ListPage::markerFor(end);
  call->reply(200, out);
}

void deleteLayerVersion(ApiContext& ctx, const ApiCallPtr& call) {
  LayerArnParts parts = layerFromPath(call->params.at(0), ctx.scope);
  auto n = layerVersionNumber(call->params.at(1));
  if (!n.ok()) return call->fail(n.error());
  // Deleting what is not there succeeds, as in Lambda. Functions using the version keep its
  // content: they hold its hash, and the code store keeps every zip.
  const scheduler::LayerState* layer = ctx.layers.find(parts.layerArn());
  if (!layer || !layer->versions.count(*n)) {
    return ctx.layers.whenDurable(answerWhenDurable(call, 204));
  }
  scheduler::LayerState state = *layer;
  state.versions.erase(*n);
  Status s = ctx.layers.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
}

void addLayerVersionPermission(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<LayerPermissionInput>(ctx.loop, call, decodeAddLayerVersionPermission, [&ctx, call](LayerPermissionInput in) {
    auto found = findVersion(ctx, *call, true);
    if (!found.ok()) return call->fail(found.error());
    const scheduler::LayerVersionRecord& v = *found->version;
    if (v.policy.count(in.statement_id)) {
      return call->fail(Error::conflict("The statement id (" + in.statement_id + ") provided already "
                                        "exists. Please provide a new statement id, or remove the "
                                        "existing statement."));
    }
    Status rev = checkLayerRevision(parameter(*call, "RevisionId"), v);
    if (!rev.ok()) return call->fail(rev.error());
    scheduler::LayerState state = *found->layer;
    scheduler::LayerVersionRecord& changed = state.versions.at(v.version);
    scheduler::LayerStatement st{in.action, in.principal, in.organization_id.value_or("")};
    changed.policy[in.statement_id] = st;
    changed.policy_revision_id = uuid4();
    nlohmann::json body{{"Statement", statementJson(in.statement_id, st, found->parts.versionArn()).dump()},
                        {"RevisionId", changed.policy_revision_id}};
    Status s = ctx.layers.update(state, answerWhenDurable(call, 201, body));
    if (!s.ok()) return call->fail(s.error());
  });
}

void getLayerVersionPolicy(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findVersion(ctx, *call, true);
  if (!found.ok()) return call->fail(found.error());
  const scheduler::LayerVersionRecord& v = *found->version;
  if (v.policy.empty()) {
    return call->fail(Error::notFound("No policy is associated with the given resource."));
  }
  nlohmann::ordered_json statements = nlohmann::ordered_json::array();
  for (const auto& [sid, st] : v.policy) {
    statements.push_back(statementJson(sid, st, found->parts.versionArn()));
  }
  nlohmann::ordered_json policy;
  policy["Version"] = "2012-10-17";
  policy["Id"] = "default";
  policy["Statement"] = statements;
  call->reply(200, {{"Policy", policy.dump()}, {"RevisionId", v.policy_revision_id}});
}

void removeLayerVersionPermission(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findVersion(ctx, *call, true);
  if (!found.ok()) return call->fail(found.error());
  const scheduler::LayerVersionRecord& v = *found->version;
  Status rev = checkLayerRevision(parameter(*call, "RevisionId"), v);
  if (!rev.ok()) return call->fail(rev.error());
  const std::string sid = call->params.at(2);
  if (!v.policy.count(sid)) {
    return call->fail(Error::notFound("Statement " + sid + " is not found in resource policy."));
  }
  scheduler::LayerState state = *found->layer;
  scheduler::LayerVersionRecord& changed = state.versions.at(v.version);
  changed.policy.erase(sid);
  changed.policy_revision_id = uuid4();
  Status s = ctx.layers.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
}

// POST /_stratus/layers/import?Arn=<versioned layer ARN>, the zip's raw bytes as the body:
// another account's layer (a vendor's public layer a template names) made available offline
// under its own ARN, so functions can use it.
void importLayerVersion(ApiContext& ctx, const ApiCallPtr& call) {
  std::string arn = call->query("Arn");
  auto parts = parseLayerArn(arn);
  if (!parts || !parts->version || *parts->version < 1) {
    return call->fail(Error::invalidParameter(
        "Arn must be a layer version's ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION): " + arn));
  }
  if (call->request().body.empty()) {
    return call->fail(Error::invalidParameter("The request body must be the layer's zip."));
  }
  storeUploadedZip(ctx, call, call->takeBody(), ZipEncoding::kRaw, "stored layer", [&ctx, call, parts = *parts](layers::StoredCode code) {
    scheduler::LayerVersionRecord record;
    record.version = *parts.version;
    record.code = codeRef(code);
    record.created_date = formatAwsTimestamp(epochMs());
    record.description = "Imported into Stratus";
    auto body = std::make_shared<nlohmann::json>();
    ctx.layers.import(parts.layerArn(), parts.name, record, [call, body](Status s) {
      if (!s.ok()) return call->fail(s.error());
      call->reply(201, *body);
    });
    const scheduler::LayerState* layer = ctx.layers.find(parts.layerArn());
    *body = layerVersionShape(*layer, layer->versions.at(*parts.version), hostOf(*call));
  });
}

}  // namespace stratus::triggers
