// The callback-style half of the Node.js programming model (aws-lambda-ric src/CallbackContext.js):
// the handler's third argument and context.succeed/fail/done/callbackWaitsForEmptyEventLoop.
// Only the first of callback/succeed/fail/done counts. Node.js 24 removed all of it (runtime.mjs).
import { BeforeExitListener } from './before_exit.mjs';
import { JSONStringifyError } from './errors.mjs';
import { structuredConsole } from './log_patch.mjs';

// The response body: JSON, undefined as null. The RIC throws a plain Error up to Node.js 22 and a
// Runtime.JSONStringifyError from v4 (nodejs24.x); either becomes the invocation's error.
export function serializeResponse(result, { v4 = false } = {}) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw v4 ? new JSONStringifyError('Unable to stringify response body')
      : new Error('Unable to stringify response body');
  }
}

// Returns [callback, context, markCompleted]. scheduleNext() starts the next iteration once the
// answer is posted (and, with thenNext, the next invocation came back in its answer);
// markCompleted() stops a late callback from answering twice.
export function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, then) => {
    structuredConsole.logError('Invoke Error', err);
    client.postInvocationError(err, id, then, { thenNext: true });
  };

  let isCompleteInvoked = false;
  const complete = (result, then) => {
    if (isCompleteInvoked) {
      console.error('Invocation has already been reported as done. Cannot call complete more ' +
        'than once per invocation.');
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(serializeResponse(result), id, then, { thenNext: true });
  };

  let waitForEmptyEventLoop = true;
  const callback = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      // Answer when nothing else is pending: timers, sockets, file reads the handler started.
      BeforeExitListener.set(() => setImmediate(() => complete(result, scheduleNext)));
    }
  };
  // done/succeed/fail never wait for the loop.
  const done = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };

  // The flag flips after the call returns, as in the RIC: if posting a result throws (say, it
  // cannot be serialised), the error that follows still gets through.
  let finished = false;
  const firstCallOnly = (fn) => (...args) => {
    if (!finished) {
      fn(...args);
      finished = true;
    }
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
    succeed: firstCallOnly((result) => done(null, result)),
    // fail() with nothing to report still fails: with the string "handled".
    fail: firstCallOnly((err) => (err === undefined || err === null
      ? done('handled') : done(err, null))),
    done: firstCallOnly(done),
  };
  return [firstCallOnly(callback), context, () => { isCompleteInvoked = true; }];
}
