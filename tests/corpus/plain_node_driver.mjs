// Plain-node reference runner for the Stratus handler corpus (tests/corpus).
//
// Loads one Lambda handler the way the AWS Lambda Node.js runtime interface client does
// (aws/aws-lambda-nodejs-runtime-interface-client, src/UserFunction.js: handler string
// "dir/module.nested.export", extensionless / .js (CommonJS unless the nearest package.json
// says "type": "module") / .mjs / .cjs, in that order), calls it once with the event and a
// Lambda-shaped context (callback, context.succeed/fail/done, callbackWaitsForEmptyEventLoop,
// getRemainingTimeInMillis), and writes the outcome as JSON to --result:
//   {"kind": "result", "payload": <the JSON the function returned>}
//   {"kind": "error", "phase": "init"|"invoke", "error": {"errorType", "errorMessage", "trace"}}
// The handler's own stdout/stderr are left alone (they are its log).
//
// Usage (the harness, tests/corpus/run_corpus.py, sets the Lambda-like environment):
//   node plain_node_driver.mjs --task DIR --handler app.lambdaHandler --event FILE \
//        --result FILE [--timeout-ms N] [--request-id ID] [--function-arn ARN]
//
// Runtime-provided modules (@aws-sdk/* in /var/runtime/node_modules on Lambda) are found
// through NODE_PATH: CommonJS require() uses it natively; for ES modules, which ignore
// NODE_PATH, a resolve hook retries a bare specifier from each NODE_PATH directory after the
// normal lookup (from the task root upwards) failed.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  if (!k.startsWith('--') || i + 1 >= process.argv.length) {
    process.stderr.write(`plain_node_driver: bad argument ${k}\n`);
    process.exit(2);
  }
  args[k.slice(2)] = process.argv[i + 1];
}
for (const k of ['task', 'handler', 'event', 'result']) {
  if (!args[k]) {
    process.stderr.write(`plain_node_driver: --${k} is required\n`);
    process.exit(2);
  }
}

const taskRoot = path.resolve(args.task);
const resultFile = path.resolve(args.result);
const timeoutMs = Number(args['timeout-ms'] || 30000);
const deadline = Date.now() + timeoutMs;
const requestId = args['request-id'] || crypto.randomUUID();

let reported = false;
function report(outcome) {
  if (reported) return false;
  reported = true;
  fs.writeFileSync(resultFile, JSON.stringify(outcome));
  return true;
}
function finish(outcome, code = 0) {
  if (report(outcome)) process.exit(code);
}

// -- errors shaped as the runtime client reports them (src/Errors.js toRapidResponse) -------
function isErrorLike(e) {
  return e && typeof e.name === 'string' && typeof e.message === 'string' &&
    typeof e.stack === 'string';
}
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack' };
  }
}
function runtimeError(name, err) {
  const e = new Error(err && err.message ? `${err.name}: ${err.message}` : String(err));
  e.name = name;
  if (err && err.stack) e.stack = `${name}: ${e.message}\n` + err.stack.split('\n').slice(1).join('\n');
  return e;
}

// -- ES module resolution of runtime-provided packages --------------------------------------
const nodePath = (process.env.NODE_PATH || '').split(':').filter(Boolean);
if (nodePath.length) {
  const hook = `
    import { pathToFileURL } from 'node:url';
    let dirs = [];
    export async function initialize(data) { dirs = data.dirs; }
    const bare = (s) => !s.startsWith('.') && !s.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(s);
    export async function resolve(specifier, context, next) {
      try {
        return await next(specifier, context);
      } catch (e) {
        if (!e || e.code !== 'ERR_MODULE_NOT_FOUND' || !bare(specifier)) throw e;
        for (const dir of dirs) {
          try {
            return await next(specifier, { ...context, parentURL: pathToFileURL(dir + '/').href + '__nodepath__.mjs' });
          } catch (e2) {
            if (!e2 || e2.code !== 'ERR_MODULE_NOT_FOUND') throw e2;
          }
        }
        throw e;
      }
    }`;
  register('data:text/javascript,' + encodeURIComponent(hook), {
    parentURL: import.meta.url,
    data: { dirs: nodePath.map((d) => path.resolve(d)) },
  });
}

// -- loading, as src/UserFunction.js -----------------------------------------------------------
const requireFrom = createRequire(path.join(taskRoot, '__driver__.js'));

function hasFolderPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch {
      return false;
    }
  }
  if (folder === '/') return false;
  return hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
}

async function loadUserApp(fullHandler) {
  if (fullHandler.includes('..')) {
    throw runtimeError('Runtime.MalformedHandlerName',
      new Error(`'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`));
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const m = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!m) throw runtimeError('Runtime.MalformedHandlerName', new Error('Bad handler'));
  const [, module, handlerPath] = m;

  globalThis.awslambda = {
    streamifyResponse: (handler) => handler,
    HttpResponseStream: { from: (s) => s },
  };

  const base = path.resolve(taskRoot, moduleRoot, module);
  const tryRequire = (ext) => (fs.existsSync(base + ext) ? requireFrom(base + ext) : undefined);
  const tryImport = async (ext) =>
    (fs.existsSync(base + ext) ? await import(pathToFileURL(base + ext).href) : undefined);
  let app;
  try {
    app = tryRequire('');
    const pjModule = fs.existsSync(base + '.js') &&
      hasFolderPackageJsonTypeModule(path.dirname(base + '.js'));
    if (!app && !pjModule) app = tryRequire('.js');
    if (!app) app = (pjModule && await tryImport('.js')) || await tryImport('.mjs') || tryRequire('.cjs');
    if (!app) app = requireFrom(requireFrom.resolve(module, { paths: [taskRoot, moduleRoot] }));
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError('Runtime.UserCodeSyntaxError', e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw runtimeError('Runtime.ImportModuleError', e);
    throw e;
  }
  const fn = handlerPath.split('.').reduce((o, k) => o && o[k], app);
  if (!fn) throw runtimeError('Runtime.HandlerNotFound', new Error(`${fullHandler} is undefined or not exported`));
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', new Error(`${fullHandler} is not a function`));
  return fn;
}

// -- one invocation, as src/Runtime.js + src/CallbackContext.js ------------------------------
process.chdir(taskRoot);
const event = JSON.parse(fs.readFileSync(args.event, 'utf8'));

let handler;
try {
  handler = await loadUserApp(args.handler);
} catch (e) {
  finish({ kind: 'error', phase: 'init', error: toRapidResponse(e) });
}

const timer = setTimeout(() => {
  finish({
    kind: 'error', phase: 'invoke',
    error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, trace: [] },
  });
}, timeoutMs);
timer.unref();

let waitForEmptyEventLoop = true;
let pendingResult; // a callback result waiting for the event loop to drain
const postError = (err) => finish({ kind: 'error', phase: 'invoke', error: toRapidResponse(err) });
const complete = (result) => finish({ kind: 'result', payload: result === undefined ? null : result });

let finished = false;
const once = (f) => (...a) => { if (!finished) { finished = true; f(...a); } };
const callback = once((err, result) => {
  if (err !== undefined && err !== null) return postError(err);
  if (!waitForEmptyEventLoop) return complete(result);
  pendingResult = { result };
});
const done = (err, result) => {
  if (err !== undefined && err !== null) return postError(err);
  return complete(result);
};
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
const context = {
  get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
  set callbackWaitsForEmptyEventLoop(v) { waitForEmptyEventLoop = v; },
  succeed: once((result) => done(null, result)),
  fail: once((err) => done(err === undefined || err === null ? 'handled' : err, null)),
  done: once(done),
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  functionName,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  clientContext: undefined,
  identity: undefined,
  invokedFunctionArn: args['function-arn'] ||
    `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
  awsRequestId: requestId,
  getRemainingTimeInMillis: () => deadline - Date.now(),
};

process.on('beforeExit', () => {
  if (reported) return;
  if (pendingResult) return complete(pendingResult.result);
  finish({
    kind: 'error', phase: 'invoke',
    error: { errorType: 'Runtime.NodeJsExit', errorMessage: 'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.', trace: [] },
  });
});
process.on('uncaughtException', (err) => finish({ kind: 'error', phase: 'invoke', error: toRapidResponse(err) }, 129));
process.on('unhandledRejection', (reason) => {
  const err = reason instanceof Error ? reason : new Error(String(reason));
  finish({ kind: 'error', phase: 'invoke', error: { ...toRapidResponse(err), errorType: 'Runtime.UnhandledPromiseRejection' } }, 128);
});

try {
  const r = handler(event, context, callback);
  if (r && typeof r.then === 'function') {
    r.then((v) => { if (!finished) { finished = true; complete(v); } },
      (e) => { if (!finished) { finished = true; postError(e); } });
  }
} catch (e) {
  callback(e);
}
