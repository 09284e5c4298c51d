// PublishVersion and ListVersionsByFunction (LAMBDA.md §2).
#include "triggers/api_context.h"
#include "triggers/function_lookup.h"
#include "triggers/function_shapes.h"
#include "triggers/function_versions.h"
#include "triggers/list_paging.h"

namespace stratus::triggers {

void publishVersion(ApiContext& ctx, const ApiCallPtr& call) {
  auto body = call->jsonBody();
  if (!body.ok()) return call->fail(body.error());
  auto found = findUnqualified(ctx, *call);
  if (!found.ok()) return call->fail(found.error());
  scheduler::FunctionState state = **found;
  auto version = publishLatest(state, *body);
  if (!version.ok()) return call->fail(version.error());
  if (state.last_version != (*found)->last_version) {
    Status s = ctx.registry.update(state);
    if (!s.ok()) return call->fail(s.error());
  }
  call->reply(201, functionConfiguration(*version, ctx.scope,
                                         {ShapeMoment::kSettled, "", version->version}));
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
