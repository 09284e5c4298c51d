// The function-independent part of an IsolateFunction: one v8::Isolate (heap limited), its
// ArrayBuffer allocator and one Context in which the runtime's bootstrap (bootstrap/*.js) has run
// up to, not including, configure(). Everything here is the same for every function of a given
// heap limit, so shells can be made ahead of demand (IsolatePool) and claimed by
// IsolateFunction, which then only configures the runtime for its function (env, context
// fields, handler) and loads the user's code. A shell is claimed at most once: an isolate that
// has run a function's code never serves another.
//
// While unclaimed, the isolate's NativeHost slot points to an inert host (natives called by the
// bootstrap log nowhere and see no files) and no heap-limit or promise callbacks are installed:
// the claimant installs its own.
//
// Threads: create() on any thread (it takes the isolate's Locker); the destructor disposes the
// isolate and may run on any thread once nothing else uses the shell. IsolateFunction hands
// shells it is done with to IsolatePool::retire(), which disposes them on its own thread.
#pragma once

#include <v8-context.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-persistent-handle.h>
#include <v8-script.h>

#include <cstddef>
#include <memory>
#include <string>

#include "runtime/js/limited_allocator.h"

namespace stratus::js {

class IsolateShell {
 public:
  // The heap limit every instance gets at least: the limit shells are keyed by.
  static size_t effectiveHeapLimit(size_t requested_bytes);

  // A new isolate with `heap_limit_bytes` (already effective) and the bootstrap run. A bootstrap
  // failure is kept in bootstrap_error (every call of the claimant then fails with it).
  static std::unique_ptr<IsolateShell> create(size_t heap_limit_bytes);

  ~IsolateShell();
  IsolateShell(const IsolateShell&) = delete;
  IsolateShell& operator=(const IsolateShell&) = delete;

  const size_t heap_limit;
  std::unique_ptr<LimitedAllocator> allocator;
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Context> context;
  // Entry points of the bootstrap's runtime object (bootstrap/main.js exports).
  v8::Global<v8::Function> configure, load, invoke, tick, loop_state, run_timers, before_exit;
  v8::Global<v8::UnboundScript> bootstrap_script;
  std::string bootstrap_error;  // non-empty: the bootstrap failed

 private:
  explicit IsolateShell(size_t limit) : heap_limit(limit) {}
  void bootstrap();
};

}  // namespace stratus::js
