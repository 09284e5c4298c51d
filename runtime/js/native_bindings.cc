#include "runtime/js/native_bindings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-microtask-queue.h>
#include <v8-primitive.h>
#include <v8-promise.h>
#include <v8-script.h>
#include <v8-typed-array.h>
#include <v8-value-serializer.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/js/code_cache.h"
#include "runtime/js/native_host.h"

namespace stratus::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::String;
using v8::Value;

std::string toUtf8(Isolate* isolate, Local<Value> value) {
  String::Utf8Value utf8(isolate, value);
  return *utf8 == nullptr ? std::string() : std::string(*utf8, utf8.length());
}

Local<String> newString(Isolate* isolate, const char* data, size_t length) {
  return String::NewFromUtf8(isolate, data, v8::NewStringType::kNormal, static_cast<int>(length))
      .ToLocalChecked();
}

void throwError(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// Reads a whole file; false when it cannot be opened or read.
bool readWholeFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = ::read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  out->resize(done);
  return true;
}

// native.log(level, message)
void nativeLog(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int level = args[0]->Int32Value(isolate->GetCurrentContext()).FromMaybe(2);
  if (level < 0 || level > 5) level = 2;
  NativeHost::of(isolate)->log(static_cast<LogLevel>(level), toUtf8(isolate, args[1]));
}

// native.writeRaw(text)
void nativeWriteRaw(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeHost::of(isolate)->writeRaw(toUtf8(isolate, args[0]));
}

// native.settle(kind, payload, errorType)
void nativeSettle(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int kind = args[0]->Int32Value(isolate->GetCurrentContext()).FromMaybe(1);
  if (kind < 0 || kind > 2) kind = 1;
  std::string error_type = args[2]->IsString() ? toUtf8(isolate, args[2]) : std::string();
  NativeHost::of(isolate)->settle(static_cast<SettleKind>(kind), toUtf8(isolate, args[1]),
                                  std::move(error_type));
}

// native.exit(code): never returns to JS; the termination cannot be caught.
void nativeExit(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int code = args[0]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
  NativeHost::of(isolate)->requestExit(code);
}

// native.stat(path) -> 0 missing or outside the roots, 1 file, 2 directory.
void nativeStat(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  std::string path = toUtf8(isolate, args[0]);
  int kind = 0;
  struct stat st;
  if (NativeHost::of(isolate)->lexicallyInside(path) && ::stat(path.c_str(), &st) == 0) {
    kind = S_ISDIR(st.st_mode) ? 2 : (S_ISREG(st.st_mode) ? 1 : 0);
  }
  args.GetReturnValue().Set(kind);
}

// native.realpath(path) -> string, or undefined when missing or outside the roots.
void nativeRealpath(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  std::string real;
  if (NativeHost::of(isolate)->confine(toUtf8(isolate, args[0]), &real)) {
    args.GetReturnValue().Set(newString(isolate, real.data(), real.size()));
  }
}

// native.readFile(path) -> string (UTF-8 decoded), or undefined.
void nativeReadFile(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  std::string real, text;
  if (!NativeHost::of(isolate)->confine(toUtf8(isolate, args[0]), &real)) return;
  if (!readWholeFile(real, &text)) return;
  if (text.size() > static_cast<size_t>(String::kMaxLength)) {
    throwError(isolate, "file too large to read into a string");
    return;
  }
  size_t skip = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a BOM is not content
  args.GetReturnValue().Set(newString(isolate, text.data() + skip, text.size() - skip));
}

// native.compileModule(path) -> the CommonJS wrapper function
// (exports, require, module, __filename, __dirname) of the file, or undefined when it cannot
// be read. Throws the SyntaxError of bad code. The script origin is the real path, so stack
// traces name the file and its real lines.
void nativeCompileModule(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeHost* host = NativeHost::of(isolate);
  std::string real, text;
  if (!host->confine(toUtf8(isolate, args[0]), &real)) return;
  if (!readWholeFile(real, &text)) return;
  if (text.size() > static_cast<size_t>(String::kMaxLength)) {
    throwError(isolate, "module too large");
    return;
  }
  size_t skip = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  // A function body cannot start with a hashbang; keep the line, lose the meaning.
  if (text.compare(skip, 2, "#!") == 0) text.replace(skip, 2, "//");
  std::string_view body(text.data() + skip, text.size() - skip);

  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<String> source_text = newString(isolate, body.data(), body.size());
  Local<String> filename = newString(isolate, real.data(), real.size());
  v8::ScriptOrigin origin(isolate, filename);
  Local<String> params[] = {
      String::NewFromUtf8Literal(isolate, "exports", v8::NewStringType::kInternalized),
      String::NewFromUtf8Literal(isolate, "require", v8::NewStringType::kInternalized),
      String::NewFromUtf8Literal(isolate, "module", v8::NewStringType::kInternalized),
      String::NewFromUtf8Literal(isolate, "__filename", v8::NewStringType::kInternalized),
      String::NewFromUtf8Literal(isolate, "__dirname", v8::NewStringType::kInternalized),
  };

  std::string key = CodeCache::keyFor(real, body);
  CodeCache::Bytes cached = CodeCache::instance().find(key);
  v8::ScriptCompiler::CachedData* data = nullptr;
  if (cached) {
    data = new v8::ScriptCompiler::CachedData(cached->data(), static_cast<int>(cached->size()),
                                              v8::ScriptCompiler::CachedData::BufferNotOwned);
  }
  v8::ScriptCompiler::Source source(source_text, origin, data);  // owns `data`, not the bytes
  v8::MaybeLocal<v8::Function> compiled = v8::ScriptCompiler::CompileFunction(
      context, &source, 5, params, 0, nullptr,
      cached ? v8::ScriptCompiler::kConsumeCodeCache : v8::ScriptCompiler::kNoCompileOptions);
  Local<v8::Function> function;
  if (!compiled.ToLocal(&function)) return;  // the SyntaxError propagates to the caller
  if (cached && source.GetCachedData()->rejected) CodeCache::instance().drop(key);
  if (!cached) host->noteCompiled(function, std::move(key));
  args.GetReturnValue().Set(function);
}

// native.runMicrotasks() -> true when rejections without a handler are pending.
void nativeRunMicrotasks(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeHost* host = NativeHost::of(isolate);
  isolate->PerformMicrotaskCheckpoint();
  // A termination inside a microtask ends the checkpoint; make sure it also unwinds the JS
  // that called us instead of letting the bootstrap continue.
  if (host->stopping()) {
    if (!isolate->IsExecutionTerminating()) isolate->TerminateExecution();
    return;
  }
  args.GetReturnValue().Set(host->hasUnhandledRejections());
}

// native.takeRejection() -> [reason], or undefined.
void nativeTakeRejection(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<Value> reason;
  if (NativeHost::of(isolate)->takeUnhandledRejection(&reason)) {
    Local<Value> items[] = {reason};
    args.GetReturnValue().Set(v8::Array::New(isolate, items, 1));
  }
}

// native.enqueueMicrotask(fn)
void nativeEnqueueMicrotask(const FunctionCallbackInfo<Value>& args) {
  if (!args[0]->IsFunction()) return;
  args.GetIsolate()->EnqueueMicrotask(args[0].As<v8::Function>());
}

// native.now() -> monotonic milliseconds (fractional): the timers' clock.
void nativeNow(const FunctionCallbackInfo<Value>& args) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                .count();
  args.GetReturnValue().Set(static_cast<double>(ns) / 1e6);
}

// native.hrtime() -> monotonic nanoseconds as a BigInt.
void nativeHrtime(const FunctionCallbackInfo<Value>& args) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                .count();
  args.GetReturnValue().Set(v8::BigInt::NewFromUnsigned(args.GetIsolate(), static_cast<uint64_t>(ns)));
}

// native.heapStats() -> [used, total, external]
void nativeHeapStats(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  Local<Value> items[] = {
      v8::Number::New(isolate, static_cast<double>(stats.used_heap_size())),
      v8::Number::New(isolate, static_cast<double>(stats.total_heap_size())),
      v8::Number::New(isolate, static_cast<double>(stats.external_memory())),
  };
  args.GetReturnValue().Set(v8::Array::New(isolate, items, 3));
}

// native.promiseState(p) -> [state, result]: 0 pending, 1 fulfilled, 2 rejected.
void nativePromiseState(const FunctionCallbackInfo<Value>& args) {
  if (!args[0]->IsPromise()) return;
  Isolate* isolate = args.GetIsolate();
  Local<v8::Promise> promise = args[0].As<v8::Promise>();
  int state = static_cast<int>(promise->State());
  Local<Value> items[] = {v8::Integer::New(isolate, state),
                          state == 0 ? Local<Value>(v8::Undefined(isolate)) : promise->Result()};
  args.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
}

// native.isNativeError(v), native.isProxy(v)
void nativeIsNativeError(const FunctionCallbackInfo<Value>& args) {
  args.GetReturnValue().Set(args[0]->IsNativeError());
}
void nativeIsProxy(const FunctionCallbackInfo<Value>& args) {
  args.GetReturnValue().Set(args[0]->IsProxy());
}

// native.utf8Length(string) -> bytes
void nativeUtf8Length(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsString()) return args.GetReturnValue().Set(0);
  args.GetReturnValue().Set(args[0].As<String>()->Utf8Length(isolate));
}

// native.encodeUtf8Into(string, uint8array, offset) -> bytes written. The caller allocates, so
// a refused allocation is a RangeError in JS rather than a crash here.
void nativeEncodeUtf8Into(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsString() || !args[1]->IsUint8Array()) return args.GetReturnValue().Set(0);
  Local<v8::Uint8Array> view = args[1].As<v8::Uint8Array>();
  // A small typed array may live on the V8 heap; Buffer() would move it out through the
  // allocator, which may refuse. Let the JS fallback handle those.
  if (!view->HasBuffer()) return args.GetReturnValue().Set(-1);
  size_t offset = static_cast<size_t>(args[2]->IntegerValue(isolate->GetCurrentContext()).FromMaybe(0));
  size_t length = view->ByteLength();
  if (offset > length) offset = length;
  char* base = static_cast<char*>(view->Buffer()->Data()) + view->ByteOffset() + offset;
  int written = args[0].As<String>()->WriteUtf8(isolate, base, static_cast<int>(length - offset),
                                                  nullptr, String::NO_NULL_TERMINATION |
                                                               String::REPLACE_INVALID_UTF8);
  args.GetReturnValue().Set(written);
}

// native.decodeUtf8(uint8array, start, end) -> string; invalid sequences become U+FFFD.
void nativeDecodeUtf8(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (!args[0]->IsArrayBufferView()) return args.GetReturnValue().SetEmptyString();
  Local<v8::ArrayBufferView> view = args[0].As<v8::ArrayBufferView>();
  Local<v8::Context> context = isolate->GetCurrentContext();
  size_t length = view->ByteLength();
  size_t start = args[1]->IsUndefined() ? 0 : static_cast<size_t>(args[1]->IntegerValue(context).FromMaybe(0));
  size_t end = args[2]->IsUndefined() ? length : static_cast<size_t>(args[2]->IntegerValue(context).FromMaybe(0));
  if (end > length) end = length;
  if (start > end) start = end;
  if (end - start > static_cast<size_t>(String::kMaxLength)) {
    throwError(isolate, "Cannot create a string longer than 0x1fffffe8 characters");
    return;
  }
  char small[64];
  const char* base;
  if (view->HasBuffer()) {
    base = static_cast<const char*>(view->Buffer()->Data()) + view->ByteOffset();
  } else {  // on-heap: at most 64 bytes
    size_t copied = view->CopyContents(small, sizeof(small));
    if (end > copied) end = copied;
    if (start > end) start = end;
    base = small;
  }
  Local<String> text;
  if (String::NewFromUtf8(isolate, base + start, v8::NewStringType::kNormal,
                          static_cast<int>(end - start)).ToLocal(&text)) {
    args.GetReturnValue().Set(text);
  }
}

// structuredClone through V8's serializer (the HTML structured clone algorithm).
class CloneDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit CloneDelegate(Isolate* isolate) : isolate_(isolate) {}
  void ThrowDataCloneError(Local<String> message) override {
    Local<Value> error = v8::Exception::Error(message);
    Local<v8::Object> object;
    if (error->ToObject(isolate_->GetCurrentContext()).ToLocal(&object)) {
      object->Set(isolate_->GetCurrentContext(), String::NewFromUtf8Literal(isolate_, "name"),
                  String::NewFromUtf8Literal(isolate_, "DataCloneError"))
          .FromMaybe(false);
    }
    isolate_->ThrowException(error);
  }

 private:
  Isolate* isolate_;
};

void nativeStructuredClone(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<v8::Context> context = isolate->GetCurrentContext();
  CloneDelegate delegate(isolate);
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  if (serializer.WriteValue(context, args[0]).IsNothing()) return;
  std::pair<uint8_t*, size_t> bytes = serializer.Release();
  v8::ValueDeserializer deserializer(isolate, bytes.first, bytes.second);
  Local<Value> copy;
  if (deserializer.ReadHeader(context).FromMaybe(false) &&
      deserializer.ReadValue(context).ToLocal(&copy)) {
    args.GetReturnValue().Set(copy);
  }
  std::free(bytes.first);
}

struct NativeFunction {
  const char* name;
  v8::FunctionCallback callback;
  int length;
};

constexpr NativeFunction kFunctions[] = {
    {"log", nativeLog, 2},
    {"writeRaw", nativeWriteRaw, 1},
    {"settle", nativeSettle, 3},
    {"exit", nativeExit, 1},
    {"stat", nativeStat, 1},
    {"realpath", nativeRealpath, 1},
    {"readFile", nativeReadFile, 1},
    {"compileModule", nativeCompileModule, 1},
    {"runMicrotasks", nativeRunMicrotasks, 0},
    {"takeRejection", nativeTakeRejection, 0},
    {"enqueueMicrotask", nativeEnqueueMicrotask, 1},
    {"now", nativeNow, 0},
    {"hrtime", nativeHrtime, 0},
    {"heapStats", nativeHeapStats, 0},
    {"promiseState", nativePromiseState, 1},
    {"isNativeError", nativeIsNativeError, 1},
    {"isProxy", nativeIsProxy, 1},
    {"utf8Length", nativeUtf8Length, 1},
    {"encodeUtf8Into", nativeEncodeUtf8Into, 3},
    {"decodeUtf8", nativeDecodeUtf8, 3},
    {"structuredClone", nativeStructuredClone, 1},
};

}  // namespace

Local<v8::ObjectTemplate> NativeBindings::createTemplate(Isolate* isolate) {
  Local<v8::ObjectTemplate> object = v8::ObjectTemplate::New(isolate);
  for (const NativeFunction& f : kFunctions) {
    Local<v8::FunctionTemplate> function = v8::FunctionTemplate::New(
        isolate, f.callback, Local<Value>(), Local<v8::Signature>(), f.length,
        v8::ConstructorBehavior::kThrow);
    object->Set(String::NewFromUtf8(isolate, f.name, v8::NewStringType::kInternalized).ToLocalChecked(),
                function);
  }
  return object;
}

const intptr_t* NativeBindings::externalReferences() {
  static const std::vector<intptr_t> references = [] {
    std::vector<intptr_t> list;
    for (const NativeFunction& f : kFunctions) list.push_back(reinterpret_cast<intptr_t>(f.callback));
    list.push_back(0);
    return list;
  }();
  return references.data();
}

}  // namespace stratus::js
