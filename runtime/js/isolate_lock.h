// The V8 scopes a thread needs before it touches an isolate, bundled so that no call site can
// forget one: the Locker (isolates move between worker threads), Isolate::Scope and a
// HandleScope. Stack-only; never stored. Enter a Context with v8::Context::Scope after it.
#pragma once

#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-locker.h>

namespace stratus::js {

class IsolateLock {
 public:
  explicit IsolateLock(v8::Isolate* isolate)
      : locker_(isolate), isolate_scope_(isolate), handle_scope_(isolate) {}
  IsolateLock(const IsolateLock&) = delete;
  IsolateLock& operator=(const IsolateLock&) = delete;
  void* operator new(size_t) = delete;

 private:
  v8::Locker locker_;
  v8::Isolate::Scope isolate_scope_;
  v8::HandleScope handle_scope_;
};

}  // namespace stratus::js
