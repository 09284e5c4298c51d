// The event loop: timer order, nextTick before promise microtasks, immediates, intervals,
// and timers that outlive an invoke.
#include <nlohmann/json.hpp>

#include <thread>

#include "runtime/js/watchdog.h"
#include "tests/js/js_test_support.h"

namespace stratus::js::testing {
namespace {

using nlohmann::json;

class LoopTest : public JsTest {};

TEST_F(LoopTest, NextTickRunsBeforePromiseMicrotasks) {
  write("index.js", R"(
exports.handler = async () => {
  const order = [];
  await new Promise((resolve) => {
    Promise.resolve().then(() => order.push('promise1'));
    process.nextTick(() => order.push('tick1'));
    queueMicrotask(() => order.push('microtask'));
    process.nextTick(() => {
      order.push('tick2');
      Promise.resolve().then(() => { order.push('promise-from-tick'); process.nextTick(() => order.push('tick-from-promise')); });
    });
    Promise.resolve().then(() => order.push('promise2'));
    setTimeout(resolve, 5);
  });
  return order;
};
)");
  auto function = load();
  EXPECT_EQ(json::parse(invoke(*function).payload),
            json({"tick1", "tick2", "promise1", "microtask", "promise2", "promise-from-tick",
                  "tick-from-promise"}));
}

TEST_F(LoopTest, TimersRunInDueOrderThenImmediates) {
  write("index.js", R"(
exports.handler = (event, context, callback) => {
  const order = [];
  setTimeout(() => order.push('t20'), 20);
  setTimeout(() => order.push('t10a'), 10);
  setTimeout(() => order.push('t10b'), 10);
  setTimeout(() => {
    order.push('t1');
    setImmediate(() => order.push('immediate-from-timer'));
    process.nextTick(() => order.push('tick-after-t1'));
  }, 1);
  setImmediate(() => order.push('immediate'));
  const cleared = setTimeout(() => order.push('cleared'), 5);
  clearTimeout(cleared);
  let n = 0;
  const interval = setInterval(() => { order.push('interval' + (++n)); if (n === 3) clearInterval(interval); }, 4);
  callback(null, order);
};
)");
  auto function = load();
  json order = json::parse(invoke(*function).payload);
  auto pos = [&](const std::string& name) {
    for (size_t i = 0; i < order.size(); ++i) if (order[i] == name) return static_cast<int>(i);
    return -1;
  };
  // Immediates before timers not yet due (the handler ran in the check phase). Not before t1:
  // on a loaded machine the handler itself may take a millisecond, and then t1 is due first,
  // as in Node.
  EXPECT_LT(pos("immediate"), pos("t10a"));
  EXPECT_LT(pos("t1"), pos("tick-after-t1"));
  EXPECT_LT(pos("tick-after-t1"), pos("immediate-from-timer"));
  EXPECT_LT(pos("t10a"), pos("t10b"));
  EXPECT_LT(pos("t10b"), pos("t20"));
  EXPECT_EQ(pos("cleared"), -1);
  EXPECT_NE(pos("interval3"), -1);
  EXPECT_EQ(pos("interval4"), -1);
  EXPECT_EQ(order.size(), 10u);
}

TEST_F(LoopTest, TimerArgumentsThisAndIds) {
  write("index.js", R"(
exports.handler = async () => new Promise((resolve) => {
  const t = setTimeout(function (a, b) { resolve([a, b, this === t, typeof +t, t.hasRef()]); }, 1, 'x', 'y');
});
)");
  auto function = load();
  EXPECT_EQ(json::parse(invoke(*function).payload), json({"x", "y", true, "number", true}));
}

TEST_F(LoopTest, ClearTimeoutByPrimitiveId) {
  write("index.js", R"(
exports.handler = (e, c, cb) => {
  let fired = false;
  const id = +setTimeout(() => { fired = true; }, 5);
  clearTimeout(id);
  setTimeout(() => cb(null, fired), 20);
};
)");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "false");
}

TEST_F(LoopTest, PendingTimerResumesInTheNextInvoke) {
  write("index.js", R"(
const log = [];
exports.handler = async (event) => {
  if (event.arm) setTimeout(() => log.push('fired'), 30);
  return log.slice();
};
)");
  auto function = load();
  EXPECT_EQ(invoke(*function, R"({"arm":true})").payload, "[]");  // responds before the timer
  EXPECT_EQ(invoke(*function, R"({})").payload, "[]");            // not due yet
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(invoke(*function, R"({})").payload, R"(["fired"])");  // due: ran before the handler
}

TEST_F(LoopTest, TimerSetDuringInitRunsLater) {
  write("index.js", R"(
let state = 'initial';
setTimeout(() => { state = 'timer ran'; }, 1);
exports.handler = async () => { await new Promise((r) => setTimeout(r, 10)); return state; };
)");
  auto function = load();
  EXPECT_EQ(invoke(*function).payload, "\"timer ran\"");
}

TEST_F(LoopTest, PromisesTimersPromisesAndAwaitChains) {
  write("index.js", R"(
const { setTimeout: sleep, setImmediate: nextTurn } = require('timers/promises');
exports.handler = async () => {
  const start = Date.now();
  const values = await Promise.all([sleep(20, 'a'), sleep(10, 'b'), nextTurn('c')]);
  return [values, Date.now() - start >= 19];
};
)");
  auto function = load();
  EXPECT_EQ(json::parse(invoke(*function).payload), json({{"a", "b", "c"}, true}));
}

TEST_F(LoopTest, ExceptionInNextTickIsUncaught) {
  write("index.js", "exports.handler = async () => { process.nextTick(() => { throw new Error('tick'); }); await new Promise((r) => setTimeout(r, 5)); };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(result.outcome, JsOutcome::kFunctionError);
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "tick");
  EXPECT_FALSE(result.reusable);
}

TEST_F(LoopTest, ExceptionInQueueMicrotaskIsUncaught) {
  write("index.js", "exports.handler = async () => { queueMicrotask(() => { throw new Error('micro'); }); await new Promise((r) => setTimeout(r, 5)); };\n");
  auto function = load();
  JsResult result = invoke(*function);
  EXPECT_EQ(json::parse(result.payload)["errorMessage"], "micro");
  EXPECT_FALSE(result.reusable);
}

TEST(WatchdogTest, FiresOnceAtTheDeadlineAndNotAfterDisarm) {
  std::atomic<int> fired{0};
  int64_t now = nowMs();
  Watchdog::Token late = Watchdog::instance().arm(now + 30, [&] { fired += 100; });
  Watchdog::Token soon = Watchdog::instance().arm(now + 10, [&] { fired += 1; });
  Watchdog::Token never = Watchdog::instance().arm(now + 20, [&] { fired += 10; });
  EXPECT_FALSE(Watchdog::instance().disarm(never));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(fired.load(), 101);
  EXPECT_TRUE(Watchdog::instance().disarm(soon));
  EXPECT_TRUE(Watchdog::instance().disarm(late));
}

}  // namespace
}  // namespace stratus::js::testing
