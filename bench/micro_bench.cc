// In-process micro benchmarks (Google Benchmark):
//   BM_BareIsolateContext   baseline: v8::Isolate::New + Context::New + Dispose
//   BM_ColdStart            JsFunction::create + init (hello world from a temp dir) + 1 invoke
//                           + destroy: a full cold start without HTTP
//   BM_ColdStartUniqueCode  the same with new code each iteration (N distinct functions)
//   BM_BareJsCall           baseline for warm: JSON.parse + call + JSON.stringify in a warm
//                           context
//   BM_WarmInvokeAsync      warm invoke of `exports.handler = async () => ({ok:true})`
//   BM_WarmInvokeCallback   warm invoke of a callback-style handler
//   BM_Sha256_1MB / BM_Base64Encode_1MB / BM_Base64Decode_1MB   crypto.h on a 1 MB zip
// Every benchmark reports items/s (one item = one iteration) and wall time per item. At the
// end a summary prints each figure beside its baseline of the same run as a ratio,
// because this VM's speed drifts between runs.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <v8.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/zip_writer.h"
#include "runtime/base/crypto.h"
#include "runtime/js/js_function.h"
#include "sandbox/lambda_environment.h"

namespace {

using stratus::js::JsFunction;
using stratus::js::JsFunctionSpec;
using stratus::js::JsInvokeRequest;
using stratus::js::JsOutcome;
using stratus::js::JsResult;

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Temp directories holding one index.js each; removed at exit.
struct TempDirs {
  std::vector<std::string> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
  std::string withIndexJs(const std::string& source) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stratus-micro-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    dirs.push_back(tmpl);
    std::ofstream(tmpl + "/index.js") << source;
    return tmpl;
  }
};
TempDirs g_tmp;

const char kHelloWorld[] =
    "exports.handler = async (event) => ({ statusCode: 200, body: 'hello world' });\n";
const char kAsyncOk[] = "exports.handler = async () => ({ok:true});\n";
const char kCallbackOk[] =
    "exports.handler = (event, context, callback) => { callback(null, {ok:true}); };\n";

std::map<std::string, std::string> g_code_dirs;  // source -> dir, written once

JsFunctionSpec specFor(const std::string& source, const std::string& name) {
  auto it = g_code_dirs.find(source);
  if (it == g_code_dirs.end()) it = g_code_dirs.emplace(source, g_tmp.withIndexJs(source)).first;
  stratus::sandbox::SandboxSpec sb;
  sb.function_name = name;
  sb.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name;
  sb.version = "$LATEST";
  sb.runtime = "nodejs20.x";
  sb.handler = "index.handler";
  sb.task_root = it->second;
  std::string stream = "2024/01/01/[$LATEST]00000000000000000000000000000000";
  JsFunctionSpec js;
  js.task_root = it->second;
  js.handler = "index.handler";
  js.env = stratus::sandbox::lambdaEnvironment(sb, stream);
  js.heap_limit_bytes = 128ull << 20;
  js.function_name = name;
  js.function_version = "$LATEST";
  js.memory_limit_mb = "128";
  js.log_group_name = "/aws/lambda/" + name;
  js.log_stream_name = stream;
  return js;
}

JsInvokeRequest requestFor(const std::string& name, uint64_t n) {
  JsInvokeRequest r;
  r.request_id = "00000000-0000-4000-8000-" + std::to_string(100000000000ull + n);
  r.event_json = "{\"n\":" + std::to_string(n) + "}";
  r.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name;
  r.deadline_epoch_ms = epochMs() + 30000;
  return r;
}

std::string describe(const JsResult& r) {
  return "outcome " + std::to_string(static_cast<int>(r.outcome)) + " " + r.error_type + ": " +
         r.payload.substr(0, 300);
}

// (a) Baseline: the bare V8 cost of a fresh isolate and context.
void BM_BareIsolateContext(benchmark::State& state) {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  for (auto _ : state) {
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator.get();
    v8::Isolate* isolate = v8::Isolate::New(params);
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      v8::HandleScope handle_scope(isolate);
      v8::Local<v8::Context> context = v8::Context::New(isolate);
      benchmark::DoNotOptimize(*context);
    }
    isolate->Dispose();
  }
  state.SetItemsProcessed(state.iterations());
}

// (b) A full in-process cold start: create, init, first invoke, destroy.
void BM_ColdStart(benchmark::State& state) {
  JsFunctionSpec spec = specFor(kHelloWorld, "bench-cold");
  uint64_t n = 0;
  for (auto _ : state) {
    std::unique_ptr<JsFunction> fn = JsFunction::create(spec);
    JsResult init = fn->init(epochMs() + 30000);
    if (init.outcome != JsOutcome::kOk) {
      state.SkipWithError(("init failed: " + describe(init)).c_str());
      break;
    }
    JsResult r = fn->invoke(requestFor("bench-cold", n++));
    if (r.outcome != JsOutcome::kOk) {
      state.SkipWithError(("invoke failed: " + describe(r)).c_str());
      break;
    }
    benchmark::DoNotOptimize(r.payload.data());
    fn.reset();
  }
  state.SetItemsProcessed(state.iterations());
}

// (b') The same with code never seen before in this process (a new directory and source each
// iteration, as when N distinct functions start): no code cache hit for the user's module.
void BM_ColdStartUniqueCode(benchmark::State& state) {
  static uint64_t unique = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string source = "// unique " + std::to_string(unique++) + "\n" + kHelloWorld;
    JsFunctionSpec spec = specFor(source, "bench-cold-unique");
    g_code_dirs.erase(source);
    state.ResumeTiming();
    std::unique_ptr<JsFunction> fn = JsFunction::create(spec);
    JsResult init = fn->init(epochMs() + 30000);
    if (init.outcome != JsOutcome::kOk) {
      state.SkipWithError(("init failed: " + describe(init)).c_str());
      break;
    }
    JsResult r = fn->invoke(requestFor("bench-cold-unique", 0));
    if (r.outcome != JsOutcome::kOk) {
      state.SkipWithError(("invoke failed: " + describe(r)).c_str());
      break;
    }
    benchmark::DoNotOptimize(r.payload.data());
    fn.reset();
  }
  state.SetItemsProcessed(state.iterations());
}

void warmInvoke(benchmark::State& state, const char* source, const std::string& name) {
  std::unique_ptr<JsFunction> fn = JsFunction::create(specFor(source, name));
  JsResult init = fn->init(epochMs() + 30000);
  if (init.outcome != JsOutcome::kOk) {
    state.SkipWithError(("init failed: " + describe(init)).c_str());
    return;
  }
  // The first invoke compiles the handler's call path; not part of the warm figure.
  JsResult first = fn->invoke(requestFor(name, 0));
  if (first.outcome != JsOutcome::kOk || first.payload != "{\"ok\":true}") {
    state.SkipWithError(("first invoke failed: " + describe(first)).c_str());
    return;
  }
  uint64_t n = 1;
  for (auto _ : state) {
    JsResult r = fn->invoke(requestFor(name, n++));
    if (r.outcome != JsOutcome::kOk) {
      state.SkipWithError(("invoke failed: " + describe(r)).c_str());
      break;
    }
    benchmark::DoNotOptimize(r.payload.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Baseline for the warm invokes: the least V8 work an invoke does, in a warm context: parse the
// event JSON, call a function, stringify its result, copy it out.
void BM_BareJsCall(benchmark::State& state) {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* isolate = v8::Isolate::New(params);
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Context::Scope context_scope(context);
    v8::Local<v8::String> source =
        v8::String::NewFromUtf8Literal(isolate, "(function (event) { return {ok:true}; })");
    v8::Local<v8::Value> fn_value =
        v8::Script::Compile(context, source).ToLocalChecked()->Run(context).ToLocalChecked();
    v8::Local<v8::Function> fn = fn_value.As<v8::Function>();
    uint64_t n = 0;
    for (auto _ : state) {
      v8::HandleScope call_scope(isolate);
      std::string event = "{\"n\":" + std::to_string(n++) + "}";
      v8::Local<v8::Value> arg =
          v8::JSON::Parse(context, v8::String::NewFromUtf8(isolate, event.data(),
                                                            v8::NewStringType::kNormal,
                                                            static_cast<int>(event.size()))
                                       .ToLocalChecked())
              .ToLocalChecked();
      v8::Local<v8::Value> result = fn->Call(context, context->Global(), 1, &arg).ToLocalChecked();
      v8::String::Utf8Value json(isolate, v8::JSON::Stringify(context, result).ToLocalChecked());
      std::string out(*json, static_cast<size_t>(json.length()));
      benchmark::DoNotOptimize(out.data());
    }
  }
  isolate->Dispose();
  state.SetItemsProcessed(state.iterations());
}

// (c) Warm invoke, async handler.
void BM_WarmInvokeAsync(benchmark::State& state) { warmInvoke(state, kAsyncOk, "bench-async"); }

// (d) Warm invoke, callback handler.
void BM_WarmInvokeCallback(benchmark::State& state) {
  warmInvoke(state, kCallbackOk, "bench-callback");
}

// (e) Reference: hashing and encoding a 1 MB deployment package, as CreateFunction does.
const std::string& oneMegZip() {
  static const std::string zip = [] {
    std::mt19937_64 rng(42);
    std::string data(1 << 20, '\0');
    for (size_t i = 0; i + 8 <= data.size(); i += 8) {
      uint64_t v = rng();
      std::memcpy(&data[i], &v, 8);
    }
    // Payload sized so the whole archive is ~1 MiB.
    data.resize((1 << 20) - 128);
    return stratus::bench::zipOneFile("index.js", data);
  }();
  return zip;
}

void BM_Sha256_1MB(benchmark::State& state) {
  const std::string& zip = oneMegZip();
  for (auto _ : state) benchmark::DoNotOptimize(stratus::sha256Raw(zip));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(zip.size()));
}

void BM_Base64Encode_1MB(benchmark::State& state) {
  const std::string& zip = oneMegZip();
  for (auto _ : state) benchmark::DoNotOptimize(stratus::base64Encode(zip));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(zip.size()));
}

void BM_Base64Decode_1MB(benchmark::State& state) {
  const std::string encoded = stratus::base64Encode(oneMegZip());
  for (auto _ : state) {
    auto decoded = stratus::base64Decode(encoded);
    if (!decoded) {
      state.SkipWithError("base64Decode failed");
      break;
    }
    benchmark::DoNotOptimize(decoded->data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(oneMegZip().size()));
}

BENCHMARK(BM_BareIsolateContext)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ColdStart)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ColdStartUniqueCode)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_BareJsCall)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_WarmInvokeAsync)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_WarmInvokeCallback)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Sha256_1MB)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Base64Encode_1MB)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Base64Decode_1MB)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Console output as usual, plus the per-run wall time of each benchmark (the median aggregate
// when repetitions are on) for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) {
        errors_[run.run_name.function_name] = run.error_message;
        continue;
      }
      bool aggregate = run.run_type == Run::RT_Aggregate;
      if (aggregate && run.aggregate_name != "median") continue;
      const std::string name = run.run_name.function_name;
      if (!aggregate && medians_.count(name)) continue;  // keep the median once seen
      double seconds = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      (aggregate ? medians_ : firsts_)[name] = seconds;
    }
  }

  void printSummary() const {
    auto get = [&](const std::string& name, double* out) {
      auto it = medians_.find(name);
      if (it == medians_.end()) it = firsts_.find(name);
      if (it == firsts_.end()) return false;
      *out = it->second;
      return true;
    };
    std::printf("\n== micro_bench summary (wall time per item; ratio = item / its baseline, "
                "both from this run) ==\n");
    std::printf("%-24s %12s %12s %10s  %-22s %s\n", "benchmark", "time", "items/s", "ratio",
                "baseline", "note");
    struct Row {
      const char* name;
      const char* baseline;  // nullptr: none
      const char* note;
    };
    const Row rows[] = {
        {"BM_BareIsolateContext", nullptr, "baseline: Isolate::New+Context::New+Dispose"},
        {"BM_ColdStart", "BM_BareIsolateContext",
         "create+init+invoke+destroy (e2e aim: cold p50 <= 3 ms)"},
        {"BM_ColdStartUniqueCode", "BM_BareIsolateContext",
         "the same, each iteration new code (no code-cache hit)"},
        {"BM_BareJsCall", nullptr, "baseline: JSON.parse + call + JSON.stringify, warm context"},
        {"BM_WarmInvokeAsync", "BM_BareJsCall", "async () => ({ok:true})"},
        {"BM_WarmInvokeCallback", "BM_BareJsCall", "(e, c, cb) => cb(null, {ok:true})"},
        {"BM_Sha256_1MB", nullptr, "reference"},
        {"BM_Base64Encode_1MB", nullptr, "reference"},
        {"BM_Base64Decode_1MB", nullptr, "reference (CreateFunction's ZipFile)"},
    };
    for (const Row& row : rows) {
      double t = 0;
      if (!get(row.name, &t)) {
        auto e = errors_.find(row.name);
        std::printf("%-24s %12s %12s %10s  %-22s %s\n", row.name, "-", "-", "-", "",
                    e != errors_.end() ? ("ERROR: " + e->second).c_str() : "not run");
        continue;
      }
      char ratio[32] = "-";
      double base = 0;
      if (row.baseline && get(row.baseline, &base) && base > 0)
        std::snprintf(ratio, sizeof ratio, "%.2fx", t / base);
      std::printf("%-24s %9.1f us %12.0f %10s  %-22s %s\n", row.name, t * 1e6, 1.0 / t, ratio,
                  row.baseline ? row.baseline : "", row.note);
    }
    double cold = 0, cold_unique = 0, bare = 0, call = 0, warm_async = 0, warm_cb = 0;
    if (get("BM_ColdStart", &cold) && get("BM_BareIsolateContext", &bare))
      std::printf("cold start in process: %.3f ms = %.2fx bare isolate+context (%.3f ms); "
                  "%.3f ms above bare V8\n",
                  cold * 1e3, cold / bare, bare * 1e3, (cold - bare) * 1e3);
    if (get("BM_ColdStartUniqueCode", &cold_unique) && get("BM_BareIsolateContext", &bare))
      std::printf("cold start in process, new code: %.3f ms = %.2fx bare isolate+context\n",
                  cold_unique * 1e3, cold_unique / bare);
    if (get("BM_BareJsCall", &call) && get("BM_WarmInvokeAsync", &warm_async) &&
        get("BM_WarmInvokeCallback", &warm_cb))
      std::printf("warm invoke in process: async %.1f us (%.2fx), callback %.1f us (%.2fx) vs "
                  "bare JS call %.1f us\n",
                  warm_async * 1e6, warm_async / call, warm_cb * 1e6, warm_cb / call, call * 1e6);
  }

 private:
  std::map<std::string, double> medians_, firsts_;
  std::map<std::string, std::string> errors_;
};

}  // namespace

int main(int argc, char** argv) {
  stratus::js::initializeV8(argv[0]);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printSummary();
  std::fflush(stdout);
  benchmark::Shutdown();
  return 0;
}
