#include "runtime/js/bootstrap_script.h"

#include <v8-function.h>
#include <v8-primitive.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/js/code_cache.h"
#include "runtime/js/native_bindings.h"

namespace stratus::js {

extern const char kBootstrapSource[];
extern const size_t kBootstrapSourceLength;

namespace {

// Node names its internal scripts "node:internal/..."; stack frames of ours read the same way.
constexpr char kBootstrapName[] = "node:internal/stratus";

// The source is static and ASCII: V8 can use it in place instead of copying it into every
// isolate's heap.
class StaticSource final : public v8::String::ExternalOneByteStringResource {
 public:
  StaticSource(const char* data, size_t length) : data_(data), length_(length) {}
  const char* data() const override { return data_; }
  size_t length() const override { return length_; }
  void Dispose() override {}  // static storage: nothing to free

 private:
  const char* data_;
  size_t length_;
};

const std::string& cacheKey() {
  static const std::string key =
      CodeCache::keyFor(kBootstrapName, std::string_view(kBootstrapSource, kBootstrapSourceLength));
  return key;
}

v8::Local<v8::String> sourceText(v8::Isolate* isolate) {
  static StaticSource* source = new StaticSource(kBootstrapSource, kBootstrapSourceLength);
  static const bool ascii = std::all_of(kBootstrapSource, kBootstrapSource + kBootstrapSourceLength,
                                        [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return v8::String::NewExternalOneByte(isolate, source).ToLocalChecked();
  return v8::String::NewFromUtf8(isolate, kBootstrapSource, v8::NewStringType::kNormal,
                                 static_cast<int>(kBootstrapSourceLength))
      .ToLocalChecked();
}

void storeCache(v8::Local<v8::UnboundScript> script, bool replace) {
  std::unique_ptr<v8::ScriptCompiler::CachedData> data(v8::ScriptCompiler::CreateCodeCache(script));
  if (data) {
    CodeCache::instance().store(cacheKey(), std::vector<uint8_t>(data->data, data->data + data->length),
                                replace);
  }
}

}  // namespace

bool BootstrapScript::run(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Object>* runtime, v8::Local<v8::UnboundScript>* script,
                          const char** step) {
  CodeCache::Bytes cached = CodeCache::instance().find(cacheKey());
  v8::ScriptCompiler::CachedData* data = nullptr;
  if (cached) {
    data = new v8::ScriptCompiler::CachedData(cached->data(), static_cast<int>(cached->size()),
                                              v8::ScriptCompiler::CachedData::BufferNotOwned);
  }
  v8::ScriptOrigin origin(isolate, v8::String::NewFromUtf8Literal(isolate, kBootstrapName));
  v8::ScriptCompiler::Source source(sourceText(isolate), origin, data);  // owns `data`, not the bytes
  v8::Local<v8::Script> compiled;
  *step = "compile";
  if (!v8::ScriptCompiler::Compile(context, &source,
                                   cached ? v8::ScriptCompiler::kConsumeCodeCache
                                          : v8::ScriptCompiler::kNoCompileOptions)
           .ToLocal(&compiled)) {
    return false;
  }
  if (cached && source.GetCachedData()->rejected) CodeCache::instance().drop(cacheKey());
  *script = compiled->GetUnboundScript();

  // The script evaluates to function (native) { ... return runtime; }.
  v8::Local<v8::Value> factory, result;
  v8::Local<v8::Object> native;
  *step = "run";
  if (!compiled->Run(context).ToLocal(&factory) || !factory->IsFunction()) return false;
  if (!NativeBindings::createTemplate(isolate)->NewInstance(context).ToLocal(&native)) return false;
  v8::Local<v8::Value> argv[] = {native};
  if (!factory.As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, argv).ToLocal(&result) ||
      !result->IsObject()) {
    return false;
  }
  *runtime = result.As<v8::Object>();
  // The first isolate of the process seeds the cache; refreshCodeCache() completes it later.
  if (!cached) storeCache(*script, false);
  return true;
}

void BootstrapScript::refreshCodeCache(v8::Local<v8::UnboundScript> script) { storeCache(script, true); }

}  // namespace stratus::js
