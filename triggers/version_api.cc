// PublishVersion and ListVersionsByFunction (LAMBDA.md §2).
#include "triggers/api_context.h"
#include "triggers/decoded_call.h"
#include "triggers/function_lookup.h"
#include "triggers/function_shapes.h"
#include "triggers/function_versions.h"
#include "triggers/lambda_requests.h"
#include "triggers/list_paging.h"

namespace stratus::triggers {

void publishVersion(ApiContext& ctx, const ApiCallPtr& call) {
  decodeThen<PublishVersionInput>(ctx.loop, call, decodePublishVersion, [&ctx, call](PublishVersionInput in) {
    auto found = findUnqualified(ctx, *call);
    if (!found.ok()) return call->fail(found.error());
    scheduler::FunctionState state = **found;
    auto version = publishLatest(state, in);
    if (!version.ok()) return call->fail(version.error());
    auto answer = answerWhenDurable(
        call, 201, functionConfiguration(*version, ctx.scope, {ShapeMoment::kSettled, "", version->version}));
    if (state.last_version == (*found)->last_version) return ctx.registry.whenDurable(std::move(answer));
    Status s = ctx.registry.update(state, std::move(answer));
    if (!s.ok()) return call->fail(s.error());
  });
}

void listVersionsByFunction(ApiContext& ctx, const ApiCallPtr& call) {
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  auto page = ListPage::fromQuery(*call);
  if (!page.ok()) return call->fail(page.error());
  // $LATEST first, then 1..N; the marker is the position in that order.
  std::vector<const scheduler::FunctionRecord*> all{&(*found)->latest};
  for (const auto& [n, v] : (*found)->versions) all.push_back(&v);
  nlohmann::json versions = nlohmann::json::array();
  size_t end = page->end(all.size());
  for (size_t i = page->start; i < end; ++i) {
    versions.push_back(
        functionConfiguration(*all[i], ctx.scope, {ShapeMoment::kListed, "", all[i]->version}));
  }
  nlohmann::json out{{"Versions", versions}};
  if (end < all.size()) out["NextMarker"] = page->markerFor(end);
  call->reply(200, out);
}

}  // namespace stratus::triggers
