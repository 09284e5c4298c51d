// Marker / MaxItems paging over a list whose order is stable (LAMBDA.md §0): MaxItems 1-10000,
// at most 50 items a page, the marker an opaque token for the next position.
#pragma once

#include <string>

#include "runtime/base/error.h"
#include "triggers/api_call.h"

namespace stratus::triggers {

struct ListPage {
  size_t start = 0;
  size_t max_items = 50;

  static Result<ListPage> fromQuery(const ApiCall& call);
  size_t end(size_t total) const { return std::min(total, start + max_items); }
  static std::string markerFor(size_t position);
};

// MaxItems alone (ListFunctions pages by name instead of position), from the decoded parameters.
size_t maxItemsFromQuery(const ApiCall& call);

}  // namespace stratus::triggers
