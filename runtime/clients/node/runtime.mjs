// The invoke loop (aws-lambda-ric src/Runtime.js): wait on /next, run the handler, post its answer,
// repeat. Up to Node.js 22 a handler may answer through a promise, a callback or context.done/
// succeed/fail, and an answer that waits for the empty event loop is posted from 'beforeExit'.
// On nodejs24.x (RIC v4) only the returned value or promise counts.
import { BeforeExitListener } from './before_exit.mjs';
import { buildCallbackContext, serializeResponse } from './callback_context.mjs';
import { NodeJsExit } from './errors.mjs';
import { InvokeContext } from './invoke_context.mjs';
import { structuredConsole } from './log_patch.mjs';
import { runStreaming } from './streaming.mjs';

const isPromise = (value) => !!value && typeof value.then === 'function';

export class Runtime {
  // errorCallbacks: {uncaughtException, unhandledRejection}, called by index.mjs's process
  // listeners; each invoke points them at its own request id.
  constructor(client, handler, metadata, errorCallbacks, { callbacksRemoved }) {
    this.client = client;
    this.handler = handler;
    this.metadata = metadata;
    this.errorCallbacks = errorCallbacks;
    this.v4 = callbacksRemoved;
  }

  // The next iteration starts on a fresh turn of the loop.
  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().catch((err) => {
        // Not the handler's error (those are posted): a bug here or a malformed invocation.
        console.log(`Unexpected Top Level Error: ${err.toString()}`);
        this.errorCallbacks.uncaughtException(err);
      });
    });
  }

  async handleOnce() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invoke = new InvokeContext(headers);
    invoke.updateLoggingContext();
    const id = invoke.invokeId;
    this.setErrorCallbacks(id);
    const scheduleNext = () => this.scheduleIteration();
    if (this.metadata.streaming) {
      BeforeExitListener.set(scheduleNext);
      return runStreaming(this, invoke, bodyJson, scheduleNext);
    }
    if (this.v4) return this.handlePromiseOnly(invoke, id, bodyJson, scheduleNext);

    const [callback, callbackContext, markCompleted] =
      buildCallbackContext(this.client, id, scheduleNext);
    try {
      this.setDefaultExitListener(id, markCompleted);
      const result = this.handler(JSON.parse(bodyJson),
        invoke.attachEnvironmentData(callbackContext), callback);
      if (isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  // RIC v4: the handler gets (event, context); what it returns, or its promise settles to, is
  // the answer, at once. A Promise that never settles leaves the loop empty and Node exits
  // (the server reports Runtime.ExitError), as there.
  async handlePromiseOnly(invoke, id, bodyJson, scheduleNext) {
    BeforeExitListener.reset();
    try {
      const result = await this.handler(JSON.parse(bodyJson),
        invoke.attachEnvironmentData({}, { withTraceId: true }));
      await new Promise(setImmediate);
      const body = serializeResponse(result, { v4: true });
      this.client.postInvocationResponse(body, id, scheduleNext, { thenNext: true });
    } catch (err) {
      await new Promise(setImmediate);
      structuredConsole.logError('Invoke Error', err);
      this.client.postInvocationError(err, id, scheduleNext, { thenNext: true });
    }
  }

  // From here on an uncaught exception or unhandled rejection fails this invocation and ends
  // the process (129 and 128, the RIC's codes): the next invoke starts a fresh one.
  setErrorCallbacks(id) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(error, id, () => process.exit(129));
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(error, id, () => process.exit(128));
    };
  }

  // The loop drained and nothing answered: a plain function that never called back answers null;
  // an async one left a Promise unsettled, which is an error (RIC 3.3).
  setDefaultExitListener(id, markCompleted) {
    BeforeExitListener.set(() => {
      markCompleted();
      const scheduleNext = () => this.scheduleIteration();
      if (this.metadata.isAsync) {
        const error = new NodeJsExit();
        structuredConsole.logError('Invoke Error', error);
        this.client.postInvocationError(error, id, scheduleNext, { thenNext: true });
      } else {
        this.client.postInvocationResponse('null', id, scheduleNext, { thenNext: true });
      }
    });
  }
}
