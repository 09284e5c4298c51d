// Lambda's control plane for functions: Create/Get/List/Update/Delete (LAMBDA.md §1-§3).
#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"
#include "triggers/api_context.h"
#include "triggers/function_lookup.h"
#include "triggers/function_shapes.h"
#include "triggers/function_validation.h"
#include "triggers/function_versions.h"
#include "triggers/list_paging.h"

namespace stratus::triggers {

namespace {

constexpr size_t kMaxZippedBytes = 52428800;

const char* kCannotUnzip =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

// Decodes Code.ZipFile / ZipFile, with Lambda's errors for the ways this build can't take code.
Result<std::string> zipFromBody(const nlohmann::json& code) {
  if (code.contains("S3Bucket") || code.contains("S3Key")) {
    return Error::invalidParameter(
        "Stratus has no S3: upload the deployment package with ZipFile (--zip-file fileb://f.zip).");
  }
  if (code.contains("ImageUri")) {
    return Error::invalidParameter("Container images are not supported by Stratus: use a .zip package.");
  }
  if (!code.contains("ZipFile") || !code["ZipFile"].is_string()) {
    return Error::invalidParameter("Please provide a source for function code.");
  }
  const std::string& text = code["ZipFile"].get_ref<const std::string&>();
  auto zip = base64Decode(text);
  if (!zip) return Error::invalidParameter(kCannotUnzip);
  if (zip->size() > kMaxZippedBytes) {
    return Error::tooLarge("Zipped size must be smaller than 52428800 bytes");
  }
  return std::move(*zip);
}

// Stores the zip off the loop, then calls `then` on the loop with the stored code.
void storeCode(ApiContext& ctx, std::string zip,
               std::function<void(Result<layers::StoredCode>)> then) {
  auto bytes = std::make_shared<std::string>(std::move(zip));
  auto out = std::make_shared<Result<layers::StoredCode>>(Error::service("not run"));
  layers::CodeStore* store = &ctx.code;
  ctx.loop.runInPool([store, bytes, out] { *out = store->put(*bytes); },
                     [out, then = std::move(then)] { then(std::move(*out)); });
}

void setCode(scheduler::FunctionRecord& r, const layers::StoredCode& code) {
  r.code.sha256_hex = code.sha256_hex;
  r.code.sha256_base64 = code.sha256_base64;
  r.code.size = code.size;
}

// A change to code or configuration: new revision, timestamp and sandbox generation.
void touch(scheduler::FunctionRecord& r) {
  r.last_modified_ms = epochMs();
  r.revision_id = uuid4();
  r.generation++;
}

// Get*'s view of what a request named: the ARN carries the qualifier it was asked with.
nlohmann::json settledShape(ApiContext& ctx, const FoundFunction& f) {
  return functionConfiguration(*f.record, ctx.scope, {ShapeMoment::kSettled, "", f.ref.qualifier});
}

// The answer to a code change with Publish:true is the new version, with an unqualified ARN
// (as Lambda's, observed).
Result<nlohmann::json> publishIfAsked(ApiContext& ctx, const nlohmann::json& body,
                                      scheduler::FunctionState& state, ShapeMoment moment) {
  if (!body.value("Publish", false)) {
    return functionConfiguration(state.latest, ctx.scope, {moment, uuid4(), ""});
  }
  auto version = publishLatest(state, nlohmann::json::object());
  if (!version.ok()) return version.error();
  return functionConfiguration(*version, ctx.scope, {moment, uuid4(), ""});
}

}  // namespace

void createFunction(ApiContext& ctx, const ApiCallPtr& call) {
  auto body = call->jsonBody();
  if (!body.ok()) return call->fail(body.error());
  scheduler::FunctionRecord record;
  Status s = applyConfiguration(*body, /*creating=*/true, record);
  if (!s.ok()) return call->fail(s.error());
  if (body->value("PackageType", "Zip") != "Zip") {
    return call->fail(Error::invalidParameter("Container images are not supported by Stratus: use a .zip package."));
  }
  if (body->contains("Layers") && (*body)["Layers"].is_array() && !(*body)["Layers"].empty()) {
    return call->fail(Error::invalidParameter("Layers are not supported by this Stratus server yet."));
  }
  if (body->contains("Tags")) {
    Status t = validateTags((*body)["Tags"], 0);
    if (!t.ok()) return call->fail(t.error());
    record.tags = (*body)["Tags"].get<std::map<std::string, std::string>>();
  }
  if (!body->contains("Code") || !(*body)["Code"].is_object()) {
    return call->fail(Error::validation(
        "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member "
        "must not be null"));
  }
  if (ctx.registry.find(record.name)) {
    return call->fail(Error::conflict("Function already exist: " + record.name));
  }
  auto zip = zipFromBody((*body)["Code"]);
  if (!zip.ok()) return call->fail(zip.error());

  storeCode(ctx, std::move(zip).value(),
            [&ctx, call, record, body = *body](Result<layers::StoredCode> code) mutable {
              if (!code.ok()) return call->fail(code.error());
              // Checked again: another create of the same name may have finished meanwhile.
              if (ctx.registry.find(record.name)) {
                return call->fail(Error::conflict("Function already exist: " + record.name));
              }
              setCode(record, *code);
              touch(record);
              scheduler::FunctionState state;
              state.latest = record;
              // The code is extracted before we answer, so the function is usable at once; the
              // answer still says Pending, as Lambda's does (waiters expect it).
              auto shape = publishIfAsked(ctx, body, state, ShapeMoment::kCreated);
              if (!shape.ok()) return call->fail(shape.error());
              Status created = ctx.registry.create(state);
              if (!created.ok()) return call->fail(created.error());
              call->reply(201, *shape);
            });
}

void getFunction(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findFunction(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const auto& r = *found->record;
  std::string host = call->request().header("host");
  if (host.empty()) host = "127.0.0.1";
  nlohmann::json out;
  out["Configuration"] = settledShape(ctx, *found);
  out["Code"] = {{"RepositoryType", "S3"},
                 {"Location", "http://" + host + "/_stratus/code/" + r.code.sha256_hex + ".zip"}};
  const auto& tags = found->state->latest.tags;
  if (!tags.empty()) out["Tags"] = tags;
  if (found->state->reserved_concurrency) {
    out["Concurrency"] = {{"ReservedConcurrentExecutions", *found->state->reserved_concurrency}};
  }
  call->reply(200, out);
}

void getFunctionConfiguration(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findFunction(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  call->reply(200, settledShape(ctx, *found));
}

void listFunctions(ApiContext& ctx, const ApiCallPtr& call) {
  auto max = maxItemsFromQuery(*call);
  if (!max.ok()) return call->fail(max.error());
  size_t max_items = *max;
  std::string marker;
  if (call->hasQuery("Marker")) {
    auto decoded = base64Decode(call->query("Marker"));
    if (!decoded) return call->fail(Error::invalidParameter("Invalid marker: " + call->query("Marker")));
    marker = *decoded;
  }
  bool all_versions = call->query("FunctionVersion") == "ALL";
  auto page = ctx.registry.list(marker, max_items + 1);
  nlohmann::json functions = nlohmann::json::array();
  for (size_t i = 0; i < page.size() && i < max_items; ++i) {
    const auto& state = *page[i];
    if (!all_versions) {
      functions.push_back(functionConfiguration(state.latest, ctx.scope, {ShapeMoment::kListed, "", ""}));
      continue;
    }
    // FunctionVersion=ALL: every version, each ARN qualified (a page holds whole functions).
    functions.push_back(
        functionConfiguration(state.latest, ctx.scope, {ShapeMoment::kListed, "", "$LATEST"}));
    for (const auto& [n, v] : state.versions) {
      functions.push_back(functionConfiguration(v, ctx.scope, {ShapeMoment::kListed, "", v.version}));
    }
  }
  nlohmann::json out{{"Functions", functions}};
  if (page.size() > max_items) out["NextMarker"] = base64Encode(page[max_items - 1]->name());
  call->reply(200, out);
}

void updateFunctionCode(ApiContext& ctx, const ApiCallPtr& call) {
  auto body = call->jsonBody();
  if (!body.ok()) return call->fail(body.error());
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  Status rev = checkRevision(*body, (*found)->latest.revision_id);
  if (!rev.ok()) return call->fail(rev.error());
  auto zip = zipFromBody(*body);
  if (!zip.ok()) return call->fail(zip.error());
  bool dry_run = body->value("DryRun", false);
  std::string name = (*found)->name();
  storeCode(ctx, std::move(zip).value(),
            [&ctx, call, name, dry_run, body = *body](Result<layers::StoredCode> code) {
              if (!code.ok()) return call->fail(code.error());
              const auto* current = ctx.registry.find(name);
              if (!current) {
                return call->fail(Error::notFound("Function not found: " + functionArn(ctx.scope, name)));
              }
              scheduler::FunctionState state = *current;
              setCode(state.latest, *code);
              if (dry_run) {
                return call->reply(200, functionConfiguration(state.latest, ctx.scope,
                                                              {ShapeMoment::kUpdated, uuid4(), ""}));
              }
              touch(state.latest);
              auto shape = publishIfAsked(ctx, body, state, ShapeMoment::kUpdated);
              if (!shape.ok()) return call->fail(shape.error());
              Status s = ctx.registry.update(state);
              if (!s.ok()) return call->fail(s.error());
              ctx.scheduler.retire(name);
              call->reply(200, *shape);
            });
}

void updateFunctionConfiguration(ApiContext& ctx, const ApiCallPtr& call) {
  auto body = call->jsonBody();
  if (!body.ok()) return call->fail(body.error());
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  Status rev = checkRevision(*body, (*found)->latest.revision_id);
  if (!rev.ok()) return call->fail(rev.error());
  if (body->contains("Layers") && (*body)["Layers"].is_array() && !(*body)["Layers"].empty()) {
    return call->fail(Error::invalidParameter("Layers are not supported by this Stratus server yet."));
  }
  scheduler::FunctionState state = **found;
  Status s = applyConfiguration(*body, /*creating=*/false, state.latest);
  if (!s.ok()) return call->fail(s.error());
  touch(state.latest);
  s = ctx.registry.update(state);
  if (!s.ok()) return call->fail(s.error());
  ctx.scheduler.retire(state.name());
  call->reply(200, functionConfiguration(state.latest, ctx.scope, {ShapeMoment::kUpdated, uuid4(), ""}));
}

void deleteFunction(ApiContext& ctx, const ApiCallPtr& call) {
  auto ref = parseFunctionRef(call->params.at(0), call->query("Qualifier"), ctx.scope);
  if (!ref.ok()) return call->fail(ref.error());
  if (ref->qualifier == "$LATEST") {
    return call->fail(Error::invalidParameter(
        "$LATEST version cannot be deleted without deleting the function."));
  }
  auto found = findFunction(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  if (found->alias) {
    return call->fail(Error::invalidParameter("Deletion of aliases is not currently supported."));
  }
  if (ref->qualifier.empty()) {
    Status s = ctx.registry.remove(ref->name);
    if (!s.ok()) return call->fail(s.error());
    ctx.scheduler.forget(ref->name);
    ctx.limiter.setReservedTotal(ctx.registry.reservedConcurrencyTotal());
    return call->replyEmpty(204);
  }
  // One published version: refused while an alias points at it.
  scheduler::FunctionState state = *found->state;
  for (const auto& [name, alias] : state.aliases) {
    bool used = alias.function_version == ref->qualifier ||
                alias.additional_weights.count(ref->qualifier) > 0;
    if (used) {
      return call->fail(Error::conflict("Unable to delete version because the following aliases "
                                        "reference it: [" + name + "]"));
    }
  }
  state.versions.erase(std::stoll(ref->qualifier));
  state.provisioned.erase(ref->qualifier);
  Status s = ctx.registry.update(state);
  if (!s.ok()) return call->fail(s.error());
  ctx.scheduler.forget(ref->name, ref->qualifier);
  call->replyEmpty(204);
}

void getCodeZip(ApiContext& ctx, const ApiCallPtr& call) {
  std::string file = call->params.at(0);
  const std::string suffix = ".zip";
  std::string hex = file.size() > suffix.size() ? file.substr(0, file.size() - suffix.size()) : "";
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos ||
      file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return call->fail(Error::notFound("The resource you requested does not exist."));
  }
  auto out = std::make_shared<Result<std::string>>(Error::service("not run"));
  layers::CodeStore* store = &ctx.code;
  ctx.loop.runInPool([store, hex, out] { *out = store->readZip(hex); },
                     [call, out] {
                       if (!out->ok()) {
                         return call->fail(Error::notFound("The resource you requested does not exist."));
                       }
                       HttpResponse r;
                       r.headers = {{"Content-Type", "application/zip"}};
                       r.body = std::move(out->value());
                       call->reply(std::move(r));
                     });
}

}  // namespace stratus::triggers
