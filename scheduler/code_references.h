// What code the registries still reference: the zips (by sha256 hex) of every function
// version's code and layers and of every layer version, and the merged /opt trees
// (layers/opt_builder.h) of every function version with two or more layers. The code store's
// sweep (CodeStore::sweepUnreferenced) keeps exactly these. Loop thread (reads the registries).
#pragma once

#include <set>
#include <string>

#include "scheduler/function_registry.h"
#include "scheduler/layer_registry.h"

namespace stratus::scheduler {

struct CodeReferences {
  std::set<std::string> zips;       // sha256 hex
  std::set<std::string> opt_trees;  // "opt-<sha256>"
};

CodeReferences referencedCode(const FunctionRegistry& functions, const LayerRegistry& layers);

}  // namespace stratus::scheduler
