#include "triggers/list_paging.h"

#include <algorithm>

#include "runtime/base/crypto.h"

namespace stratus::triggers {

namespace {
constexpr size_t kPageMax = 50;
}

Result<size_t> maxItemsFromQuery(const ApiCall& call) {
  if (!call.hasQuery("MaxItems")) return kPageMax;
  const std::string text = call.query("MaxItems");
  long n = 0;
  try {
    size_t used = 0;
    n = std::stol(text, &used);
    if (used != text.size()) n = 0;
  } catch (...) {
    n = 0;
  }
  if (n < 1 || n > 10000) {
    return Error::validation("1 validation error detected: Value '" + text +
                             "' at 'maxItems' failed to satisfy constraint: Member must have "
                             "value between 1 and 10000");
  }
  return std::min<size_t>(static_cast<size_t>(n), kPageMax);
}

Result<ListPage> ListPage::fromQuery(const ApiCall& call) {
  ListPage page;
  auto max = maxItemsFromQuery(call);
  if (!max.ok()) return max.error();
  page.max_items = *max;
  if (call.hasQuery("Marker")) {
    auto decoded = base64Decode(call.query("Marker"));
    size_t pos = 0;
    bool ok = decoded && !decoded->empty() &&
              decoded->find_first_not_of("0123456789") == std::string::npos;
    if (ok) pos = std::stoul(*decoded);
    if (!ok) return Error::invalidParameter("Invalid marker: " + call.query("Marker"));
    page.start = pos;
  }
  return page;
}

std::string ListPage::markerFor(size_t position) { return base64Encode(std::to_string(position)); }

}  // namespace stratus::triggers
