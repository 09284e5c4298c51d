// /opt for a function: its layers' extracted bundles merged, in order, into one read-only
// tree (a later layer's file replaces an earlier one's at the same path, as in Lambda).
//   <root>/bundles/opt-<sha256 of the ordered layer hashes>/
// built once per ordered list of layer contents from hard links into the layers' bundles
// (no file data is copied), in a staging folder published by one no-replace rename, so a tree
// that exists is whole. It lives beside the bundles because it is a cache of them: recover()
// discards both after a machine crash, and its staging folders after a kill.
// Blocking: call from the loop's thread pool, never on the loop thread. Any thread.
#pragma once

#include <string>
#include <vector>

#include "layers/code_store.h"
#include "runtime/base/error.h"

namespace stratus::layers {

// The /opt tree for the layers' contents (sha256 hex, in the function's order): "" for none,
// the bundle itself for one, a merged tree for more. Missing bundles are re-extracted from
// their zips (CodeStore::get); a layer whose zip is gone is NotFound.
Result<std::string> buildOptTree(CodeStore& store, const std::vector<std::string>& layer_hexes);

// The name under bundles/ of the merged tree for these layers ("opt-<sha256>"), or "" when
// there is none to merge (fewer than two layers). Pure.
std::string optTreeName(const std::vector<std::string>& layer_hexes);

}  // namespace stratus::layers
