// Cold and warm costs, printed for the record (no timing assertions: machines differ).
#include <v8-initialization.h>
#include <v8-isolate.h>
#include <v8-context.h>
#include <v8-script.h>
#include <v8-locker.h>
#include <v8-array-buffer.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "runtime/js/isolate_pool.h"
#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

class PerfTest : public JsTest {};

TEST_F(PerfTest, ColdStartAndWarmInvoke) {
  write("index.js", "exports.handler = async () => ({ ok: true });\n");
  load()->init(nowMs() + 5000);  // warm the process-wide code caches once

  // Baseline: a bare isolate + context + trivial script, as V8 allows at best.
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  std::vector<double> bare;
  for (int i = 0; i < 20; ++i) {
    auto start = Clock::now();
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator.get();
    v8::Isolate* isolate = v8::Isolate::New(params);
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      v8::HandleScope handle_scope(isolate);
      v8::Local<v8::Context> context = v8::Context::New(isolate);
      v8::Context::Scope context_scope(context);
      v8::Local<v8::String> source = v8::String::NewFromUtf8Literal(isolate, "1 + 1");
      v8::Script::Compile(context, source).ToLocalChecked()->Run(context).ToLocalChecked();
    }
    bare.push_back(msSince(start));
    isolate->Dispose();
  }

  std::vector<double> create, init, first_invoke;
  for (int i = 0; i < 20; ++i) {
    auto start = Clock::now();
    auto function = JsFunction::create(spec());
    create.push_back(msSince(start));
    start = Clock::now();
    JsResult result = function->init(nowMs() + 5000);
    init.push_back(msSince(start));
    ASSERT_EQ(result.outcome, JsOutcome::kOk);
    start = Clock::now();
    result = invoke(*function);
    first_invoke.push_back(msSince(start));
    ASSERT_EQ(result.payload, "{\"ok\":true}");
  }

  auto function = load();
  constexpr int kWarm = 20000;
  for (int i = 0; i < 2000; ++i) invoke(*function);
  auto start = Clock::now();
  for (int i = 0; i < kWarm; ++i) invoke(*function);
  double warm_us = msSince(start) * 1000 / kWarm;

  printf("[perf] bare isolate+context+script: median %.2f ms\n", median(bare));
  printf("[perf] create (isolate+context+bootstrap): median %.2f ms\n", median(create));
  printf("[perf] init (load index.js): median %.2f ms\n", median(init));
  printf("[perf] create+init: median %.2f ms\n", median(create) + median(init));
  printf("[perf] first invoke: median %.3f ms\n", median(first_invoke));
  printf("[perf] warm invoke of async () => ({ok:true}): %.1f us\n", warm_us);
}

TEST_F(PerfTest, ModuleCodeCacheHelpsLargerBundles) {
  // ~1 MB of functions: the second instance deserializes instead of compiling.
  std::string bundle = "const fns = [];\n";
  for (int i = 0; i < 4000; ++i) {
    bundle += "function f" + std::to_string(i) + "(a, b) { const x = a * " + std::to_string(i) +
              " + b; if (x > 10) { return [x, a, b].map((v) => v + 1).reduce((s, v) => s + v, 0); } return x; }\n";
    bundle += "fns.push(f" + std::to_string(i) + ");\n";
  }
  bundle += "let total = 0; for (const f of fns) total += f(1, 2);\n";
  bundle += "exports.handler = async () => total;\n";
  write("index.js", bundle);
  std::vector<double> inits;
  for (int i = 0; i < 3; ++i) {
    auto function = JsFunction::create(spec());
    auto start = Clock::now();
    JsResult result = function->init(nowMs() + 10000);
    inits.push_back(msSince(start));
    ASSERT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
  }
  printf("[perf] init of a %zu KB bundle: first %.2f ms, then %.2f ms, %.2f ms\n", bundle.size() / 1024,
         inits[0], inits[1], inits[2]);
}

TEST_F(PerfTest, ColdStartFromThePrewarmPool) {
  // As a server's cold starts: distinct code each time, every instance kept alive, the pool
  // refilling in the background between starts.
  constexpr int kFunctions = 60;
  prewarmIsolates(4);
  std::vector<std::unique_ptr<JsFunction>> alive;
  std::vector<double> claim, init, first_invoke;
  for (int i = 0; i < kFunctions; ++i) {
    write("f" + std::to_string(i) + "/index.js",
          "// " + std::to_string(i) + "\nexports.handler = async () => ({ ok: " + std::to_string(i) + " });\n");
    IsolatePool::instance().waitForReady(4, std::chrono::seconds(5));
    auto start = Clock::now();
    auto function = JsFunction::create(spec("f" + std::to_string(i) + "/index.handler"));
    claim.push_back(msSince(start));
    start = Clock::now();
    JsResult result = function->init(nowMs() + 5000);
    init.push_back(msSince(start));
    ASSERT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
    start = Clock::now();
    result = invoke(*function);
    first_invoke.push_back(msSince(start));
    ASSERT_EQ(result.payload, "{\"ok\":" + std::to_string(i) + "}");
    alive.push_back(std::move(function));
  }
  IsolatePool::Stats stats = IsolatePool::instance().stats();
  prewarmIsolates(0);
  printf("[perf] prewarmed: claim (configure) median %.3f ms, init (load) %.3f ms, first invoke %.3f ms, "
         "sum %.3f ms; pool hits %llu misses %llu\n",
         median(claim), median(init), median(first_invoke),
         median(claim) + median(init) + median(first_invoke),
         static_cast<unsigned long long>(stats.hits), static_cast<unsigned long long>(stats.misses));
}

}  // namespace
}  // namespace stratus::js::testing
