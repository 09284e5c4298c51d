// The Lambda Node.js runtime's semantics, after aws-lambda-nodejs-runtime-interface-client
// (UserFunction.js, CallbackContext.js, Runtime.js, Errors.js, LogPatch.js): handler string
// resolution, init errors, the callback/promise contract, the context object, error payloads
// and the console lines that accompany them. Results leave through native.settle().

const intrinsics = internalRequire('intrinsics');
const loop = internalRequire('loop');
const modules = internalRequire('modules');
const consoleModule = internalRequire('console');
const path = internalRequire('path');

const { JSONStringify, JSONParse } = intrinsics;
const kSettleOk = 0;
const kSettleError = 1;
const kSettleFatal = 2;
const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');

// ---- errors (Errors.js) ----
class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super('The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
      'commonly caused by a Promise that was never settled. For more information, see ' +
      'https://nodejs.org/docs/latest/api/process.html#exit-codes');
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(safeString(reason));
    this.reason = reason;
    this.promise = promise;
  }
}
for (const errorClass of [ImportModuleError, HandlerNotFound, MalformedHandlerName,
  UserCodeSyntaxError, NodeJsExit, UnhandledPromiseRejection]) {
  errorClass.prototype.name = `Runtime.${errorClass.name}`;
}

function safeString(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function isError(value) {
  return native.isNativeError(value) || (!!value && !!value.name && !!value.message &&
    !!value.stack && typeof value.name === 'string' && typeof value.message === 'string' &&
    typeof value.stack === 'string');
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// The body posted for a function error.
function toRapidResponse(error) {
  try {
    if (isError(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: intrinsics.StringSplit(error.stack, '\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while ' +
        'retrieving one or more of its message, name, and stack',
    };
  }
}

function withEnumerableProperties(error) {
  if (error instanceof Error) {
    const ret = intrinsics.ObjectAssign(
      { errorType: error.name, errorMessage: error.message, code: error.code }, error);
    if (typeof error.stack === 'string') ret.stack = intrinsics.StringSplit(error.stack, '\n');
    return ret;
  }
  return error;
}

function toFormatted(error) {
  try {
    return '\t' + JSONStringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSONStringify(toRapidResponse(error));
  }
}

// structuredConsole.logError. Never throws: a value that cannot even become an Error (a
// Symbol) must not keep the error itself from being reported.
function logError(message, error) {
  const logger = consoleModule.logger();
  let asError;
  try {
    asError = intoError(error);
  } catch {
    asError = new Error(safeString(error));
  }
  if (logger.json) {
    logger.error(asError);
  } else {
    logger.error(message, toFormatted(asError));
  }
}

function serializeResponse(body) {
  try {
    return JSONStringify(body === undefined ? null : body);
  } catch {
    throw new Error('Unable to stringify response body');
  }
}

function postResponse(result) {
  const body = serializeResponse(result);
  loop.state.settled = true;
  native.settle(kSettleOk, body, undefined);
}

function postError(error, kind) {
  const response = toRapidResponse(error);
  let body;
  try {
    body = JSONStringify(response);
  } catch {
    body = JSONStringify({ errorType: 'handled', errorMessage: safeString(response.errorMessage) });
  }
  loop.state.settled = true;
  native.settle(kind, body, typeof response.errorType === 'string' ? response.errorType : 'handled');
}

// ---- configuration and handler loading (UserFunction.js) ----
let config = null;
let handler = null;
let handlerIsAsync = false;

function configure(cfg) {
  config = cfg;
}


function moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  return [moduleRoot, handlerString];
}

// "module.path.to.fn" -> ["module", "path.to.fn"] (the runtime's /^([^.]*)\.(.*)$/).
function splitHandlerString(handlerString) {
  const dot = handlerString.indexOf('.');
  if (dot === -1 || handlerString.includes('\n')) throw new MalformedHandlerName('Bad handler');
  return [handlerString.slice(0, dot), handlerString.slice(dot + 1)];
}

function resolveHandler(object, nestedProperty) {
  return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
}

function tryLoad(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);
  // Extensionless files (and directories) go through require.
  if (modules.exists(lambdaStylePath)) return modules.requireFromRuntime(lambdaStylePath);
  const hasModuleType = modules.exists(lambdaStylePath + '.js') &&
    modules.packageTypeIsModule(path.dirname(lambdaStylePath + '.js'));
  if (!hasModuleType && modules.exists(lambdaStylePath + '.js')) {
    return modules.requireFromRuntime(lambdaStylePath + '.js');
  }
  for (const ext of hasModuleType ? ['.js', '.mjs'] : ['.mjs']) {
    if (modules.exists(lambdaStylePath + ext)) {
      throw new ImportModuleError(
        `Error: ES modules are not supported by this runtime yet: ${lambdaStylePath + ext}`);
    }
  }
  if (modules.exists(lambdaStylePath + '.cjs')) return modules.requireFromRuntime(lambdaStylePath + '.cjs');
  const resolved = modules.resolveFromRuntime(moduleName, [appRoot, path.resolve(appRoot, moduleRoot)]);
  return modules.requireFromRuntime(resolved);
}

function loadUserApp(appRoot, moduleRoot, moduleName) {
  try {
    return tryLoad(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e !== null && typeof e === 'object' && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(e);
    }
    throw e;
  }
}

function isAsyncFunction(fn) {
  try {
    return typeof fn === 'function' && !!fn.constructor && fn.constructor.name === 'AsyncFunction';
  } catch {
    return false;
  }
}

// Runs the module's top-level code and finds the handler. Errors settle the init call.
function load(fullHandlerString) {
  loop.state.settled = false;
  globalThis[REQUEST_ID_SYMBOL] = undefined;
  try {
    if (fullHandlerString.includes('..')) {
      throw new MalformedHandlerName(`'${fullHandlerString}' is not a valid handler name. Use ` +
        'absolute paths when specifying root directories in handler names.');
    }
    const [moduleRoot, moduleAndHandler] = moduleRootAndHandler(fullHandlerString);
    const [moduleName, handlerPath] = splitHandlerString(moduleAndHandler);
    const userApp = loadUserApp(config.taskRoot, moduleRoot, moduleName);
    const handlerFunc = resolveHandler(userApp, handlerPath);
    if (!handlerFunc) {
      throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
    }
    if (typeof handlerFunc !== 'function') {
      throw new HandlerNotFound(`${fullHandlerString} is not a function`);
    }
    handler = handlerFunc;
    handlerIsAsync = isAsyncFunction(handlerFunc);
    return true;
  } catch (error) {
    onUncaught(error);
    return false;
  }
}

// ---- errors outside the handler's own call (index.mjs) ----
function onUncaught(error) {
  logError('Uncaught Exception', error);
  postError(error, kSettleFatal);
}

function onUnhandledRejection(reason, promise) {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  postError(error, kSettleFatal);
}

loop.state.onUncaught = onUncaught;
loop.state.onUnhandledRejection = onUnhandledRejection;

// ---- one invoke (Runtime.js handleOnceNonStreaming + CallbackContext.js) ----
let beforeExitListener = () => {};

function buildCallbackContext() {
  const postErrorAndLog = (err) => {
    logError('Invoke Error', err);
    postError(err, kSettleError);
  };
  let isCompleteInvoked = false;
  const complete = (result) => {
    if (isCompleteInvoked) {
      console.error('Invocation has already been reported as done. Cannot call complete more ' +
        'than once per invocation.');
      return;
    }
    isCompleteInvoked = true;
    postResponse(result);
  };
  let waitForEmptyEventLoop = true;
  const callback = function (err, result) {
    beforeExitListener = () => {};
    if (err !== undefined && err !== null) {
      postErrorAndLog(err);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      beforeExitListener = () => loop.setImmediate(() => complete(result));
    }
  };
  const done = (err, result) => {
    beforeExitListener = () => {};
    if (err !== undefined && err !== null) postErrorAndLog(err);
    else complete(result);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => {
    if (err === undefined || err === null) done('handled');
    else done(err, null);
  };
  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed,
    fail,
    done,
  };
  // Only the first of callback/succeed/fail/done counts.
  let finished = false;
  const onlyAllowFirstCall = (toWrap) => function () {
    if (!finished) {
      toWrap.apply(null, arguments);
      finished = true;
    }
  };
  callbackContext.succeed = onlyAllowFirstCall(callbackContext.succeed);
  callbackContext.fail = onlyAllowFirstCall(callbackContext.fail);
  callbackContext.done = onlyAllowFirstCall(callbackContext.done);
  const markCompleted = () => {
    isCompleteInvoked = true;
  };
  return [onlyAllowFirstCall(callback), callbackContext, markCompleted];
}

function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSONParse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function isPromise(value) {
  return value && value.then && typeof value.then === 'function';
}

function invoke(requestId, eventJson, invokedFunctionArn, deadlineMs, clientContextJson) {
  loop.state.settled = false;
  // Timers that came due while the instance was idle run first, as in a thawed Lambda process
  // where the timers phase precedes the I/O that delivers the next event.
  if (!loop.runTimers(native.now(), true)) return;
  globalThis[REQUEST_ID_SYMBOL] = requestId;
  const [callback, callbackContext, markCompleted] = buildCallbackContext();
  const isAsync = handlerIsAsync;
  beforeExitListener = () => {
    markCompleted();
    if (isAsync) {
      const error = new NodeJsExit();
      logError('Invoke Error', error);
      postError(error, kSettleError);
    } else {
      postResponse(null);
    }
  };
  try {
    const event = JSONParse(eventJson);
    const context = intrinsics.ObjectAssign(callbackContext, {
      functionVersion: config.functionVersion,
      functionName: config.functionName,
      memoryLimitInMB: config.memoryLimitInMB,
      logGroupName: config.logGroupName,
      logStreamName: config.logStreamName,
    }, {
      clientContext: parseJson(clientContextJson, 'ClientContext'),
      identity: undefined,
      invokedFunctionArn,
      awsRequestId: requestId,
      tenantId: undefined,
      getRemainingTimeInMillis: function () {
        return deadlineMs - Date.now();
      },
    });
    const result = handler(event, context, callback);
    if (isPromise(result)) {
      result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
    }
  } catch (err) {
    callback(err);
  }
}

// The loop drained without a response (Node's beforeExit).
function beforeExit() {
  beforeExitListener();
}

exports.configure = configure;
exports.load = load;
exports.invoke = invoke;
exports.beforeExit = beforeExit;
