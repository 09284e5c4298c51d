// Decoding a call's body into its operation's typed input (lambda_requests.h) before the
// handler goes on: inline for bodies up to kInlineDecodeBytes, on the thread pool above that
// (a CreateFunction body carries up to 70 MB of base64), so no body stalls the loop. A decoding
// error answers the call; `then` runs, on the loop, only with a decoded input. Loop thread only.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/log.h"
#include "runtime/base/loop.h"
#include "triggers/api_call.h"

namespace stratus::triggers {

constexpr size_t kInlineDecodeBytes = 1 << 20;

// Runs `fn` for `call` on the loop inside a pool completion or another callback of ours, where
// nothing catches: a throw answers the call 500 ServiceException instead of ending the process.
template <typename Fn>
void answeringFaults(const ApiCallPtr& call, const char* where, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    logError(std::string(where) + " failed for request " + call->requestId() + ": " + e.what());
    call->fail(Error::service("An internal error occurred."));
  } catch (...) {
    logError(std::string(where) + " failed for request " + call->requestId());
    call->fail(Error::service("An internal error occurred."));
  }
}

template <typename T>
void decodeThen(Loop& loop, const ApiCallPtr& call, Result<T> (*decode)(std::string_view),
                std::function<void(T)> then) {
  if (call->request().body.size() <= kInlineDecodeBytes) {
    Result<T> in = decode(call->request().body);
    if (!in.ok()) return call->fail(in.error());
    return then(std::move(in).value());
  }
  // The pool job owns the body (moved out of the request: it is decoded, never read again)
  // and its result; the call stays on the loop side.
  auto body = std::make_shared<const std::string>(call->takeBody());
  auto out = std::make_shared<std::optional<Result<T>>>();
  loop.runInPool(
      [body, out, decode] {
        try {
          out->emplace(decode(*body));
        } catch (const std::exception& e) {
          out->emplace(Error::service(std::string("decoding the request failed: ") + e.what()));
        }
      },
      [call, out, then = std::move(then)] {
        answeringFaults(call, "decoded request", [&] {
          if (!out->has_value()) return call->fail(Error::service("decoding did not run"));
          Result<T>& in = **out;
          if (!in.ok()) return call->fail(in.error());
          then(std::move(in).value());
        });
      });
}

}  // namespace stratus::triggers
