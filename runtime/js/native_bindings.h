// The `native` object the bootstrap JavaScript receives: a small set of plain FunctionTemplate
// callbacks (console output, settling a call, confined file access, module compilation with the
// process-wide code cache, microtasks, clocks, UTF-8, structured clone). They find their
// instance through NativeHost::of(isolate), so the functions carry no embedder pointers.
//
// Threads: the thread holding the isolate's Locker.
#pragma once

#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-template.h>

#include <cstdint>

namespace stratus::js {

class NativeBindings {
 public:
  // One template per isolate: instantiate it once per context.
  static v8::Local<v8::ObjectTemplate> createTemplate(v8::Isolate* isolate);

  // Every C++ callback the template references, 0-terminated: what a SnapshotCreator and the
  // isolates created from its blob need as external_references.
  static const intptr_t* externalReferences();
};

}  // namespace stratus::js
