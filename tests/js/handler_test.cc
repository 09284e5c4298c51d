// Handler semantics (LAMBDA.md 5 and 7): promise and callback styles, the context object,
// function error payloads and init errors.
#include <nlohmann/json.hpp>

#include <thread>

#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;

class HandlerTest : public JsTest {};

TEST_F(HandlerTest, AsyncHandlerResolvesToJson) {
  write("index.js", "exports.handler = async (event) => ({ ok: true, got: event.x });\n");
  auto function = load();
  JsResult result = invoke(*function, R"({"x":42})");
  EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
  EXPECT_EQ(result.payload, R"({"ok":true,"got":42})");
  EXPECT_TRUE(result.reusable);
  EXPECT_EQ(result.error_type, "");
  EXPECT_GT(result.heap_used_bytes, 0u);
}

TEST_F(HandlerTest, UndefinedResultIsNull) {
  write("index.js", "exports.handler = async () => {};\n");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "null");
}

TEST_F(HandlerTest, NestedHandlerPathAndSubdirectory) {
  write("src/app.js", "exports.api = { v1: { main: async () => 'nested' } };\n");
  auto function = load("src/app.api.v1.main");
  EXPECT_EQ(invoke(*function).payload, "\"nested\"");
}

TEST_F(HandlerTest, ReturnedThenableIsAwaited) {
  // As in the Lambda runtime, then() must return a promise: it is chained with .catch().
  write("index.js", R"(
exports.handler = () => ({
  then(resolve, reject) {
    return new Promise((done) => setTimeout(done, 5)).then(() => resolve(7));
  },
});
)");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "7");
}

TEST_F(HandlerTest, CallbackWaitsForEmptyEventLoopByDefault) {
  write("index.js", R"(
exports.handler = (event, context, callback) => {
  setTimeout(() => {}, 30);
  callback(null, { waited: context.callbackWaitsForEmptyEventLoop });
};
)");
  auto function = load();
  auto start = std::chrono::steady_clock::now();
  JsResult result = invoke(*function);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(29));
  EXPECT_EQ(result.payload, R"({"waited":true})");
}

TEST_F(HandlerTest, CallbackWaitsUntilTimersRan) {
  write("index.js", R"(
const seen = [];
exports.handler = (event, context, callback) => {
  setTimeout(() => seen.push('timer'), 20);
  callback(null, seen);
  seen.push('after-callback');
};
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.payload, R"(["after-callback","timer"])");
}

TEST_F(HandlerTest, CallbackWithoutWaitingRespondsAtOnce) {
  write("index.js", R"(
const seen = [];
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  if (event.first) setTimeout(() => seen.push('timer'), 300);
  callback(null, seen.slice());
};
)");
  auto function = load();
  auto start = std::chrono::steady_clock::now();
  JsResult first = invoke(*function, R"({"first":true})");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(first.payload, "[]");
  EXPECT_LT(elapsed, std::chrono::milliseconds(250));
  // The frozen timer resumes in the next invoke: once due, it runs before that invoke's
  // handler, as the timers phase precedes the I/O that delivers the next event.
  std::this_thread::sleep_for(std::chrono::milliseconds(320));
  JsResult second = invoke(*function, R"({})");
  EXPECT_EQ(second.payload, R"(["timer"])");
}

TEST_F(HandlerTest, InitProcessExit) {
  write("index.js", "process.exit(2);\nexports.handler = async () => 1;\n");
  JsResult result = initOnly(spec());
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "Runtime.ExitError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "Error: Runtime exited with error: exit status 2");
  EXPECT_FALSE(result.reusable);
}

TEST_F(HandlerTest, FirstCallbackWins) {
  write("index.js", R"(
exports.handler = (event, context, callback) => {
  context.succeed('first');
  callback(null, 'second');
  context.fail(new Error('third'));
  context.done(null, 'fourth');
};
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kOk);
  EXPECT_EQ(result.payload, "\"first\"");
}

TEST_F(HandlerTest, ContextFailWithoutArgumentReportsHandled) {
  write("index.js", "exports.handler = (e, context) => { context.fail(); };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "string");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "handled");
}

TEST_F(HandlerTest, SyncHandlerWithoutCallbackRespondsNullWhenLoopDrains) {
  write("index.js", R"(
let ran = false;
exports.handler = () => { setTimeout(() => { ran = true; }, 10); return 'ignored'; };
exports.ran = () => ran;
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kOk);
  EXPECT_EQ(result.payload, "null");
}

TEST_F(HandlerTest, AsyncHandlerThatNeverSettlesIsNodeJsExit) {
  write("index.js", "exports.handler = async () => new Promise(() => {});\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "Runtime.NodeJsExit");
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["errorType"], "Runtime.NodeJsExit");
  EXPECT_NE(payload["errorMessage"].get<std::string>().find("Promise that was never settled"),
            std::string::npos);
  EXPECT_TRUE(result.reusable);
}

TEST_F(HandlerTest, ContextFields) {
  write("index.js", R"(
exports.handler = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity === undefined,
  clientContext: context.clientContext,
  waits: context.callbackWaitsForEmptyEventLoop,
  remaining: context.getRemainingTimeInMillis(),
  fns: [typeof context.done, typeof context.succeed, typeof context.fail],
});
)");
  auto function = load();
  JsInvokeRequest request;
  request.request_id = "req-ctx";
  request.event_json = "{}";
  request.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:my-function:live";
  request.deadline_epoch_ms = nowMs() + 3000;
  request.client_context_json = R"({"client":{"app":"x"},"custom":{"k":1},"env":{}})";
  JsResult result = function->invoke(request);
  ASSERT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["functionName"], "my-function");
  EXPECT_EQ(payload["functionVersion"], "$LATEST");
  EXPECT_EQ(payload["invokedFunctionArn"], request.invoked_function_arn);
  EXPECT_EQ(payload["memoryLimitInMB"], "128");
  EXPECT_EQ(payload["awsRequestId"], "req-ctx");
  EXPECT_EQ(payload["logGroupName"], "/aws/lambda/my-function");
  EXPECT_EQ(payload["logStreamName"], "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef");
  EXPECT_EQ(payload["identity"], true);
  EXPECT_EQ(payload["clientContext"]["client"]["app"], "x");
  EXPECT_EQ(payload["waits"], true);
  EXPECT_GT(payload["remaining"].get<int64_t>(), 2500);
  EXPECT_LE(payload["remaining"].get<int64_t>(), 3000);
  EXPECT_EQ(payload["fns"], json({"function", "function", "function"}));
}

TEST_F(HandlerTest, ClientContextAbsentIsUndefined) {
  write("index.js", "exports.handler = async (e, c) => typeof c.clientContext;\n");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "\"undefined\"");
}

TEST_F(HandlerTest, RemainingTimeDecreases) {
  write("index.js", R"(
exports.handler = async (event, context) => {
  const first = context.getRemainingTimeInMillis();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return [first, context.getRemainingTimeInMillis()];
};
)");
  auto function = load();
  json payload = json::parse(invoke(*function, "{}", 2000).payload);
  int64_t first = payload[0], second = payload[1];
  EXPECT_LE(first, 2000);
  EXPECT_GE(first - second, 45);
}

TEST_F(HandlerTest, ThrownErrorPayload) {
  write("index.js", "exports.handler = async () => { throw new TypeError('bad thing'); };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "TypeError");
  EXPECT_TRUE(result.reusable);
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["errorType"], "TypeError");
  EXPECT_EQ(payload["errorMessage"], "bad thing");
  ASSERT_TRUE(payload["trace"].is_array());
  EXPECT_EQ(payload["trace"][0], "TypeError: bad thing");
  EXPECT_NE(payload["trace"][1].get<std::string>().find(task_ + "/index.js:1:"), std::string::npos);
  // Lambda's console line for the error.
  ASSERT_FALSE(result.log_lines.empty());
  const std::string& line = result.log_lines.back();
  EXPECT_NE(line.find("\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"bad thing\","
                      "\"stack\":[\"TypeError: bad thing\""),
            std::string::npos)
      << line;
}

TEST_F(HandlerTest, SyncThrowIsAFunctionError) {
  write("index.js", "exports.handler = () => { throw new Error('sync'); };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "sync");
  EXPECT_TRUE(result.reusable);
  EXPECT_EQ(invoke(*function).outcome, JsOutcome::kFunctionError);  // still usable
}

TEST_F(HandlerTest, ThrownStringPayload) {
  write("index.js", "exports.handler = async () => { throw 'just a string'; };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.error_type, "string");
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["errorType"], "string");
  EXPECT_EQ(payload["errorMessage"], "just a string");
  EXPECT_EQ(payload["trace"], json::array());
}

TEST_F(HandlerTest, CallbackErrorAndRejectedPromise) {
  write("index.js", R"(
exports.cb = (e, c, callback) => callback(new RangeError('via callback'));
exports.rejects = () => Promise.reject(new Error('rejected'));
exports.obj = async () => { throw { custom: 1 }; };
)");
  auto cb = load("index.cb");
  JsResult result = invoke(*cb);
  EXPECT_EQ(result.error_type, "RangeError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "via callback");

  auto rejects = load("index.rejects");
  result = invoke(*rejects);
  EXPECT_EQ(result.error_type, "Error");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "rejected");
  EXPECT_TRUE(result.reusable);

  auto obj = load("index.obj");
  result = invoke(*obj);
  EXPECT_EQ(result.error_type, "object");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "[object Object]");
}

TEST_F(HandlerTest, UnserializableResultIsAnError) {
  write("index.js", "exports.handler = async () => { const o = {}; o.self = o; return o; };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "Error");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "Unable to stringify response body");
}

TEST_F(HandlerTest, UncaughtExceptionInTimerFailsTheInvokeAndCondemns) {
  write("index.js", R"(
exports.handler = (e, c, callback) => {
  setTimeout(() => { throw new SyntaxError('from timer'); }, 5);
  setTimeout(() => callback(null, 'late'), 50);
};
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "SyntaxError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "from timer");
  EXPECT_FALSE(result.reusable);
  ASSERT_FALSE(result.log_lines.empty());
  EXPECT_NE(result.log_lines.back().find("\tERROR\tUncaught Exception \t{\"errorType\":\"SyntaxError\""),
            std::string::npos);
  // A condemned instance refuses further calls.
  JsResult next = invoke(*function);
  EXPECT_EQ(next.outcome, JsOutcome::kFunctionError);
  EXPECT_FALSE(next.reusable);
}

TEST_F(HandlerTest, UnhandledRejection) {
  write("index.js", R"(
exports.handler = async () => {
  Promise.reject(new Error('nobody listens'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return 'unreached';
};
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "Runtime.UnhandledPromiseRejection");
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["errorMessage"], "Error: nobody listens");
  EXPECT_EQ(payload["trace"][0], "Runtime.UnhandledPromiseRejection: Error: nobody listens");
  EXPECT_FALSE(result.reusable);
}

TEST_F(HandlerTest, RejectionHandledLaterInTheSameTickIsFine) {
  write("index.js", R"(
exports.handler = async () => {
  const p = Promise.reject(new Error('caught later'));
  await null;
  return p.catch((e) => e.message);
};
)");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kOk) << result.payload;
  EXPECT_EQ(result.payload, "\"caught later\"");
}

TEST_F(HandlerTest, ProcessExitIsRuntimeExitError) {
  write("index.js", R"(
exports.handler = async (event) => {
  try { process.exit(event.code); } catch (e) { return 'caught'; }
  return 'continued';
};
)");
  auto function = load();
  JsResult result = invoke(*function, R"({"code":3})", 5000, "req-exit");
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "Runtime.ExitError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"],
            "RequestId: req-exit Error: Runtime exited with error: exit status 3");
  EXPECT_FALSE(result.reusable);

  auto zero = load();
  result = invoke(*zero, R"({"code":0})", 5000, "req-0");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"],
            "RequestId: req-0 Error: Runtime exited without providing a reason");
}

TEST_F(HandlerTest, WarmInstanceKeepsModuleState) {
  write("index.js", "let count = 0;\nexports.handler = async () => ++count;\n");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "1");
  EXPECT_EQ(invoke(*function).payload, "2");
  EXPECT_EQ(invoke(*function).payload, "3");
}

TEST_F(HandlerTest, EventIsParsedJson) {
  write("index.js", "exports.handler = async (e) => [typeof e, Array.isArray(e), e];\n");
  auto function = load();
  EXPECT_EQ(invoke(*function, "[1,\"two\",{\"3\":null}]").payload, R"(["object",true,[1,"two",{"3":null}]])");
  EXPECT_EQ(invoke(*function, "\"text\"").payload, R"(["string",false,"text"])");
}

// ---- init errors ----

TEST_F(HandlerTest, InitMissingModule) {
  JsResult result = initOnly(spec("index.handler"));
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "Runtime.ImportModuleError");
  EXPECT_FALSE(result.reusable);
  json payload = json::parse(result.payload);
  EXPECT_EQ(payload["errorMessage"],
            "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs");
  EXPECT_EQ(payload["trace"][0], "Runtime.ImportModuleError: Error: Cannot find module 'index'");
  ASSERT_FALSE(result.log_lines.empty());
  EXPECT_NE(result.log_lines.back().find("\tundefined\tERROR\tUncaught Exception \t{\"errorType\":"
                                          "\"Runtime.ImportModuleError\""),
            std::string::npos)
      << result.log_lines.back();
}

TEST_F(HandlerTest, InitMissingDependencyIsImportModuleError) {
  write("index.js", "require('./nope');\nexports.handler = async () => 1;\n");
  JsResult result = initOnly(spec());
  EXPECT_EQ(result.error_type, "Runtime.ImportModuleError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"],
            "Error: Cannot find module './nope'\nRequire stack:\n- " + task_ +
                "/index.js\n- /var/runtime/index.mjs");
}

TEST_F(HandlerTest, InitHandlerNotExported) {
  write("index.js", "exports.other = async () => 1;\nexports.value = 5;\n");
  JsResult result = initOnly(spec("index.handler"));
  EXPECT_EQ(result.error_type, "Runtime.HandlerNotFound");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "index.handler is undefined or not exported");
  result = initOnly(spec("index.value"));
  EXPECT_EQ(result.error_type, "Runtime.HandlerNotFound");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "index.value is not a function");
}

TEST_F(HandlerTest, InitMalformedHandlerName) {
  write("index.js", "exports.handler = async () => 1;\n");
  JsResult result = initOnly(spec("index"));
  EXPECT_EQ(result.error_type, "Runtime.MalformedHandlerName");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "Bad handler");
  result = initOnly(spec("../index.handler"));
  EXPECT_EQ(result.error_type, "Runtime.MalformedHandlerName");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"],
            "'../index.handler' is not a valid handler name. Use absolute paths when specifying "
            "root directories in handler names.");
}

TEST_F(HandlerTest, InitSyntaxError) {
  write("index.js", "exports.handler = async () => {\n");
  JsResult result = initOnly(spec());
  EXPECT_EQ(result.error_type, "Runtime.UserCodeSyntaxError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "SyntaxError: Unexpected end of input");
}

TEST_F(HandlerTest, InitTopLevelThrow) {
  write("index.js", "throw new RangeError('at load');\n");
  JsResult result = initOnly(spec());
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(result.error_type, "RangeError");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "at load");
  EXPECT_FALSE(result.reusable);

  write("index.js", "throw 'plain';\n");
  result = initOnly(spec());
  EXPECT_EQ(result.error_type, "string");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "plain");
}

TEST_F(HandlerTest, InitUnhandledRejection) {
  write("index.js", "Promise.reject(new Error('at init'));\nexports.handler = async () => 1;\n");
  JsResult result = initOnly(spec());
  EXPECT_EQ(result.error_type, "Runtime.UnhandledPromiseRejection");
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "Error: at init");
}

TEST_F(HandlerTest, InitEsModuleIsReported) {
  write("index.mjs", "export const handler = async () => 1;\n");
  JsResult result = initOnly(spec());
  EXPECT_EQ(result.error_type, "Runtime.ImportModuleError");
  EXPECT_NE(json::parse(result.payload)["errorMessage"].get<std::string>().find("ES modules"),
            std::string::npos);
}

TEST_F(HandlerTest, InitFromCjsAndDirectoryAndNodeModules) {
  write("a.cjs", "exports.h = async () => 'cjs';\n");
  EXPECT_EQ(invoke(*load("a.h")).payload, "\"cjs\"");
  write("dir/index.js", "exports.h = async () => 'dir';\n");
  EXPECT_EQ(invoke(*load("dir.h")).payload, "\"dir\"");
  write("node_modules/pkg/index.js", "exports.h = async () => 'pkg';\n");
  EXPECT_EQ(invoke(*load("pkg.h")).payload, "\"pkg\"");
}

TEST_F(HandlerTest, InvokeBeforeInitFails) {
  write("index.js", "exports.handler = async () => 1;\n");
  auto function = JsFunction::create(spec());
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_FALSE(result.reusable);
}

}  // namespace
}  // namespace stratus::js::testing
