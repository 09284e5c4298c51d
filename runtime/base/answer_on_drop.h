// A completion callback that cannot be lost. answerOnDrop() wraps `fn` so that if the last copy
// of the wrapper is destroyed without having been called (its holder threw and dropped its
// captures, a task was abandoned, a sandbox forgot an invocation), `fn` is still called, on the
// loop thread, with `fallback()`: a request gets its 500 ServiceException, an invocation fails,
// instead of waiting forever. The drop is logged as a fault of `site` with `context`.
//
// Calls after the first are ignored, as HttpRespond's contract already says. Call the wrapper
// on the loop thread only; its last copy may die on any thread (the answer is posted to the
// loop, never run inside a destructor). Costs one shared allocation per wrapped callback.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "runtime/base/fault_boundary.h"
#include "runtime/base/log.h"
#include "runtime/base/loop.h"

namespace stratus {

// `wanted`, if given, is asked (on the thread where the last copy dies) whether an answer is
// still wanted: false (the connection it would go to is gone) skips the fallback and the log.
template <typename Arg>
std::function<void(Arg)> answerOnDrop(Loop& loop, const char* site, std::string context,
                                      std::function<void(Arg)> fn, std::function<Arg()> fallback,
                                      std::function<bool()> wanted = nullptr) {
  struct State {
    Loop& loop;
    const char* site;
    std::string context;
    std::function<void(Arg)> fn;  // empty once called
    std::function<Arg()> fallback;
    std::function<bool()> wanted;

    State(Loop& l, const char* s, std::string c, std::function<void(Arg)> f,
          std::function<Arg()> fb, std::function<bool()> w)
        : loop(l),
          site(s),
          context(std::move(c)),
          fn(std::move(f)),
          fallback(std::move(fb)),
          wanted(std::move(w)) {}
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() {
      if (!fn) return;
      // Never called: answer from a later loop turn, through the fault boundary.
      try {
        if (wanted && !wanted()) return;
        logError(std::string("fault at ") + site + (context.empty() ? "" : " (" + context + ")") +
                 ": dropped without an answer; answering with the fallback");
        loop.post([site = site, context = std::move(context), fn = std::move(fn),
                   fallback = std::move(fallback)] {
          guarded(site, context, [&] { fn(fallback()); });
        });
      } catch (...) {
        // Out of memory here: nothing left to answer with.
      }
    }
  };
  auto state = std::make_shared<State>(loop, site, std::move(context), std::move(fn),
                                       std::move(fallback), std::move(wanted));
  return [state = std::move(state)](Arg arg) {
    if (!state->fn) return;
    std::function<void(Arg)> call = std::move(state->fn);
    state->fn = nullptr;
    call(std::move(arg));
  };
}

}  // namespace stratus
