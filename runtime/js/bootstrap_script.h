// The embedded bootstrap (bootstrap/*.js, joined by embed_bootstrap.cmake) and how to run it:
// compile it (through the process-wide code cache) and call it with the `native` object. The
// result is the runtime object whose functions IsolateFunction calls.
//
// Why a code cache and not a startup snapshot: with libnode's V8 10.2, a SnapshotCreator blob
// of the bootstrapped context made create() no faster than compiling from this cache and
// running the bootstrap, and init/first invoke slower (functions outside the snapshot compile
// lazily in every isolate, where this cache covers them). Measured again with the prewarm pool
// (isolate_pool.h), where making an isolate is off the request path and only the claim counts
// (configure + load + first invoke of a new hello world, median of 60, same process and run):
// code cache 1.03-1.10 ms; snapshot (FunctionCodeHandling::kKeep, 735 KB) 2.59 ms; snapshot
// whose creator first ran bootstrap, configure(), load() and a tick in a throwaway context so
// that those functions carry bytecode 1.42-1.83 ms. Making a pooled isolate from the snapshot
// was at best ~25% cheaper (2.3-3.1 vs 3.2-3.3 ms), which only the background refill sees. The
// natives and configure() stay shaped for a snapshot (NativeBindings::externalReferences()).
//
// Threads: the thread holding the isolate's Locker.
#pragma once

#include <v8-context.h>
#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-object.h>
#include <v8-script.h>

#include <string>

namespace stratus::js {

class BootstrapScript {
 public:
  // Runs the bootstrap in `context` (entered). On failure returns false with a V8 exception
  // pending and `*step` naming what failed.
  static bool run(v8::Isolate* isolate, v8::Local<v8::Context> context,
                  v8::Local<v8::Object>* runtime, v8::Local<v8::UnboundScript>* script,
                  const char** step);

  // Replaces the process-wide code cache of the bootstrap with one made from `script` now, so
  // that it holds every function compiled so far.
  static void refreshCodeCache(v8::Local<v8::UnboundScript> script);
};

}  // namespace stratus::js
