#include "triggers/list_paging.h"

#include <algorithm>

#include "runtime/base/crypto.h"

namespace stratus::triggers {

namespace {
constexpr size_t kPageMax = 50;
}

size_t maxItemsFromQuery(const ApiCall& call) {
  // Decoded and bounds-checked from the model before the handler ran (MaxListItems 1-10000).
  auto it = call.parameters.find("MaxItems");
  if (it == call.parameters.end() || !it->is_number_integer()) return kPageMax;
  return std::min<size_t>(static_cast<size_t>(std::max<int64_t>(1, it->get<int64_t>())), kPageMax);
}

Result<ListPage> ListPage::fromQuery(const ApiCall& call) {
  ListPage page;
  page.max_items = maxItemsFromQuery(call);
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
