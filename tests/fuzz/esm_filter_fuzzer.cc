// triggers/esm: the filter pattern parser and matcher (event_filter.h) and the batch-answer
// rules (batch_response.h), the two places an event source mapping reads text it did not
// write. Input: a pattern, a NUL, an event (JSON or not), a NUL, a function's answer. Checks,
// besides no crash, no UB, no stack overflow:
//  - parse accepts only JSON objects, and what it accepts it accepts again after a round trip
//    through nlohmann's dump(), with the same verdict on the same event
//  - matching is deterministic, and anyMatches of one filter is that filter's verdict
//  - filterView keeps every field but body, and parses body only when it is JSON
//  - judgeBatch's failures are indices into the batch, ascending, without repeats; a whole-
//    batch failure lists them all; a failed function fails everything; without
//    ReportBatchItemFailures a successful function fails nothing; on FIFO queues the failures
//    run to the end of the batch.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "triggers/esm/batch_response.h"
#include "triggers/esm/event_filter.h"

namespace {

using nlohmann::json;
using namespace stratus::esm;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "esm_filter invariant broken: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(std::min<size_t>(input.size(), 2000)), input.data());
  std::abort();
}

std::string_view take(std::string_view& rest) {
  size_t nul = rest.find('\0');
  std::string_view part = rest.substr(0, nul);
  rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  return part;
}

void checkVerdict(const BatchVerdict& v, size_t n, bool whole_expected, std::string_view input) {
  for (size_t i = 0; i < v.failed.size(); ++i) {
    if (v.failed[i] >= n) fail("a failure outside the batch", input);
    if (i > 0 && v.failed[i] <= v.failed[i - 1]) fail("failures not ascending and unique", input);
  }
  if (v.whole_batch_failed && v.failed.size() != n) fail("a whole-batch failure that is not all of it", input);
  if (whole_expected && !v.whole_batch_failed) fail("a failed function did not fail the batch", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view rest = input;
  std::string_view pattern = take(rest);
  std::string_view event_text = take(rest);
  std::string_view answer = rest;

  json event = json::parse(event_text, nullptr, false);
  if (event.is_discarded()) event = json{{"body", std::string(event_text)}, {"attributes", json::object()}};
  json view = filterView(event.is_object() ? event : json{{"body", event.dump()}});
  if (event.is_object()) {
    for (const auto& [k, v] : event.items()) {
      if (k != "body" && (!view.contains(k) || view[k] != v)) fail("filterView changed a field other than body", input);
    }
  }

  auto filter = EventFilter::parse(pattern);
  if (filter) {
    json p = json::parse(pattern, nullptr, false);
    if (!p.is_object()) fail("accepted a pattern that is not a JSON object", input);
    bool verdict = filter->matches(view);
    if (filter->matches(view) != verdict) fail("matching is not deterministic", input);
    if (anyMatches({*filter}, view) != verdict) fail("anyMatches disagrees with matches", input);
    auto again = EventFilter::parse(p.dump());
    if (!again) fail("a round trip through dump() is refused", input);
    if (again->matches(view) != verdict) fail("a round trip through dump() changes the verdict", input);
  }

  // Message ids from the event's keys (bounded), the answer as the function's payload.
  std::vector<std::string> ids;
  if (event.is_object()) {
    for (const auto& [k, v] : event.items()) {
      if (ids.size() >= 20) break;
      ids.push_back(k);
    }
  }
  size_t n = ids.size();
  checkVerdict(judgeBatch(false, answer, true, ids, false), n, true, input);
  BatchVerdict plain = judgeBatch(true, answer, false, ids, false);
  checkVerdict(plain, n, false, input);
  if (!plain.failed.empty()) fail("failures without ReportBatchItemFailures", input);
  checkVerdict(judgeBatch(true, answer, true, ids, false), n, false, input);
  BatchVerdict fifo = judgeBatch(true, answer, true, ids, true);
  checkVerdict(fifo, n, false, input);
  if (!fifo.failed.empty() && fifo.failed.back() != n - 1) fail("FIFO failures do not run to the batch's end", input);
  if (!fifo.failed.empty() && fifo.failed.size() != n - fifo.failed.front()) fail("FIFO failures skip a message", input);
  return 0;
}
