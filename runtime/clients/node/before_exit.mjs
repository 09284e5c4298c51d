// The single 'beforeExit' action (aws-lambda-ric src/BeforeExitListener.js). Node emits
// 'beforeExit' when the event loop has nothing left to do; callback handlers that wait for an
// empty loop post their result from here, and an invocation that never answered is settled
// here. Kept on the global object under the RIC's symbol, as there.
const LISTENER = Symbol.for('aws.lambda.beforeExit');
const NO_OP = () => {};

export const BeforeExitListener = {
  invoke: () => globalThis[LISTENER](),
  reset: () => { globalThis[LISTENER] = NO_OP; },
  set: (listener) => { globalThis[LISTENER] = listener; },
};
