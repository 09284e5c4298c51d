// Lambda's control plane for functions: Create/Get/List/Update/Delete (LAMBDA.md §1-§3).
#include <nlohmann/json.hpp>

#include "runtime/base/clock.h"
#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"
#include "triggers/api_context.h"
#include "triggers/async/async_queue.h"
#include "triggers/decoded_call.h"
#include "triggers/function_lookup.h"
#include "triggers/function_shapes.h"
#include "triggers/function_validation.h"
#include "triggers/function_versions.h"
#include "triggers/lambda_requests.h"
#include "triggers/layer_shapes.h"
#include "triggers/code_upload.h"
#include "triggers/list_paging.h"

namespace stratus::triggers {

namespace {

// The zip's base64 text from Code / UpdateFunctionCode, with Lambda's errors for the ways
// this build can't take code.
Result<std::string> zipSource(FunctionCodeInput& code) {
  if (code.s3) {
    return Error::invalidParameter(
        "Stratus has no S3: upload the deployment package with ZipFile (--zip-file fileb://f.zip).");
  }
  if (code.image_uri) {
    return Error::invalidParameter("Container images are not supported by Stratus: use a .zip package.");
  }
  if (!code.zip_file) return Error::invalidParameter("Please provide a source for function code.");
  return std::move(*code.zip_file);
}


void setCode(scheduler::FunctionRecord& r, const layers::StoredCode& code) {
  r.code.sha256_hex = code.sha256_hex;
  r.code.sha256_base64 = code.sha256_base64;
  r.code.size = code.size;
  r.code.unzipped = code.unzipped_bytes;
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
Result<nlohmann::json> publishIfAsked(ApiContext& ctx, bool publish,
                                      scheduler::FunctionState& state, ShapeMoment moment) {
  if (!publish) return functionConfiguration(state.latest, ctx.scope, {moment, uuid4(), ""});
  auto version = publishLatest(state, PublishVersionInput{});
  if (!version.ok()) return version.error();
  return functionConfiguration(*version, ctx.scope, {moment, uuid4(), ""});
}

}  // namespace

void createFunction(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<CreateFunctionInput>(ctx.loop, call, decodeCreateFunction, [&ctx, call](CreateFunctionInput in) {
    Status s = validateFunctionName(in.function_name);
    if (!s.ok()) return call->fail(s.error());
    scheduler::FunctionRecord record;
    record.name = in.function_name;
    s = applyConfiguration(in.config, /*creating=*/true, record);
    if (!s.ok()) return call->fail(s.error());
    if (in.architectures) record.architectures = *in.architectures;
    if (in.package_type.value_or("Zip") != "Zip") {
      return call->fail(Error::invalidParameter("Container images are not supported by Stratus: use a .zip package."));
    }
    if (in.config.layers) {
      // Resolved now: the function keeps these versions' content even if one is deleted
      // while the code uploads.
      auto layers = resolveFunctionLayers(ctx.layers, *in.config.layers, ctx.scope);
      if (!layers.ok()) return call->fail(layers.error());
      record.layers = std::move(layers).value();
    }
    if (in.tags) {
      Status t = validateTags(*in.tags, 0);
      if (!t.ok()) return call->fail(t.error());
      record.tags = std::move(*in.tags);
    }
    if (ctx.registry.find(record.name)) {
      return call->fail(Error::conflict("Function already exist: " + record.name));
    }
    auto zip = zipSource(in.code);
    if (!zip.ok()) return call->fail(zip.error());

    bool publish = in.publish;
    storeUploadedZip(ctx, call, std::move(zip).value(), ZipEncoding::kBase64, "stored code",
              [&ctx, call, record, publish](layers::StoredCode code) mutable {
                // Checked again: another create of the same name may have finished meanwhile.
                if (ctx.registry.find(record.name)) {
                  return call->fail(Error::conflict("Function already exist: " + record.name));
                }
                setCode(record, code);
                Status fits = checkUnzippedTotal(record.code, record.layers);
                if (!fits.ok()) return call->fail(fits.error());
                touch(record);
                scheduler::FunctionState state;
                state.latest = record;
                // The code is extracted before we answer, so the function is usable at once; the
                // answer still says Pending, as Lambda's does (waiters expect it).
                auto shape = publishIfAsked(ctx, publish, state, ShapeMoment::kCreated);
                if (!shape.ok()) return call->fail(shape.error());
                Status created = ctx.registry.create(state, answerWhenDurable(call, 201, *shape));
                if (!created.ok()) return call->fail(created.error());
              });
  });
}

void getFunction(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findFunction(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  const auto& r = *found->record;
  // Host passed the front door's policy (triggers/exposure.h): it names this server and is a
  // plain host[:port], so the URL cannot point a client at someone else.
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
  size_t max_items = maxItemsFromQuery(*call);
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
  decodeThen<UpdateFunctionCodeInput>(ctx.loop, call, decodeUpdateFunctionCode, [&ctx, call](UpdateFunctionCodeInput in) {
    auto found = findUnqualified(ctx, *call);
    if (!found.ok()) return call->fail(found.error());
    Status rev = checkRevision(in.revision_id, (*found)->latest.revision_id);
    if (!rev.ok()) return call->fail(rev.error());
    auto zip = zipSource(in.code);
    if (!zip.ok()) return call->fail(zip.error());
    std::string name = (*found)->name();
    storeUploadedZip(ctx, call, std::move(zip).value(), ZipEncoding::kBase64, "stored code",
              [&ctx, call, name, dry_run = in.dry_run, publish = in.publish,
               architectures = in.architectures](layers::StoredCode code) {
                const auto* current = ctx.registry.find(name);
                if (!current) {
                  return call->fail(Error::notFound("Function not found: " + functionArn(ctx.scope, name)));
                }
                scheduler::FunctionState state = *current;
                setCode(state.latest, code);
                Status fits = checkUnzippedTotal(state.latest.code, state.latest.layers);
                if (!fits.ok()) return call->fail(fits.error());
                if (architectures) state.latest.architectures = *architectures;
                if (dry_run) {
                  return call->reply(200, functionConfiguration(state.latest, ctx.scope,
                                                                {ShapeMoment::kUpdated, uuid4(), ""}));
                }
                touch(state.latest);
                auto shape = publishIfAsked(ctx, publish, state, ShapeMoment::kUpdated);
                if (!shape.ok()) return call->fail(shape.error());
                Status s = ctx.registry.update(state, answerWhenDurable(call, 200, *shape));
                if (!s.ok()) return call->fail(s.error());
                ctx.scheduler.retire(name);
              });
  });
}

void updateFunctionConfiguration(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<UpdateFunctionConfigurationInput>(
      ctx.loop, call, decodeUpdateFunctionConfiguration,
      [&ctx, call](UpdateFunctionConfigurationInput in) {
        auto found = findUnqualified(ctx, *call);
        if (!found.ok()) return call->fail(found.error());
        Status rev = checkRevision(in.revision_id, (*found)->latest.revision_id);
        if (!rev.ok()) return call->fail(rev.error());
        scheduler::FunctionState state = **found;
        Status s = applyConfiguration(in.config, /*creating=*/false, state.latest);
        if (!s.ok()) return call->fail(s.error());
        if (in.config.layers) {  // [] removes them
          auto layers = resolveFunctionLayers(ctx.layers, *in.config.layers, ctx.scope);
          if (!layers.ok()) return call->fail(layers.error());
          state.latest.layers = std::move(layers).value();
          s = checkUnzippedTotal(state.latest.code, state.latest.layers);
          if (!s.ok()) return call->fail(s.error());
        }
        touch(state.latest);
        s = ctx.registry.update(state, answerWhenDurable(call, 200, functionConfiguration(
            state.latest, ctx.scope, {ShapeMoment::kUpdated, uuid4(), ""})));
        if (!s.ok()) return call->fail(s.error());
        ctx.scheduler.retire(state.name());
      });
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
    Status s = ctx.registry.remove(ref->name, answerWhenDurable(call, 204));
    if (!s.ok()) return call->fail(s.error());
    ctx.scheduler.forget(ref->name);
    ctx.limiter.setReservedTotal(ctx.registry.reservedConcurrencyTotal());
    if (ctx.async) ctx.async->configs().forget(ref->name);  // its event invoke configs go too
    return;
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
  Status s = ctx.registry.update(state, answerWhenDurable(call, 204));
  if (!s.ok()) return call->fail(s.error());
  ctx.scheduler.forget(ref->name, ref->qualifier);
  if (ctx.async) ctx.async->configs().forget(ref->name, ref->qualifier);
}

// POST /_stratus/functions/{name}/recycle: Stratus's own, for `stratus coldstart`: the
// function's idle on-demand sandboxes go, so the next invoke starts cold. 204.
void recycleSandboxes(ApiContext& ctx, const ApiCallPtr& call) {
  auto state = findUnqualified(ctx, *call);
  if (!state.ok()) return call->fail(state.error());
  ctx.scheduler.recycle(state.value()->name());
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
                       answeringFaults(call, "code download", [&] {
                         if (!out->ok()) {
                           return call->fail(Error::notFound("The resource you requested does not exist."));
                         }
                         HttpResponse r;
                         r.headers = {{"Content-Type", "application/zip"}};
                         r.body = std::move(out->value());
                         call->reply(std::move(r));
                       });
                     });
}

}  // namespace stratus::triggers
