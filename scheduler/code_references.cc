#include "scheduler/code_references.h"

#include <limits>
#include <vector>

#include "layers/opt_builder.h"

namespace stratus::scheduler {

namespace {

void addRecord(const FunctionRecord& r, CodeReferences& out) {
  if (!r.code.sha256_hex.empty()) out.zips.insert(r.code.sha256_hex);
  std::vector<std::string> hexes;
  for (const LayerRef& l : r.layers) {
    out.zips.insert(l.code.sha256_hex);
    hexes.push_back(l.code.sha256_hex);
  }
  if (std::string tree = layers::optTreeName(hexes); !tree.empty()) out.opt_trees.insert(tree);
}

}  // namespace

CodeReferences referencedCode(const FunctionRegistry& functions, const LayerRegistry& layers) {
  CodeReferences out;
  for (const FunctionState* state : functions.list("", std::numeric_limits<size_t>::max())) {
    addRecord(state->latest, out);
    for (const auto& [number, record] : state->versions) addRecord(record, out);
  }
  for (const auto& [arn, layer] : layers.all()) {
    for (const auto& [number, version] : layer.versions) out.zips.insert(version.code.sha256_hex);
  }
  return out;
}

}  // namespace stratus::scheduler
