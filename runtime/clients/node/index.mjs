// Stratus's runtime interface client for Node.js: started as `node /var/runtime/node/index.mjs`
// inside a function's sandbox, it loads the handler named by _HANDLER from $LAMBDA_TASK_ROOT and
// serves invocations over the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API, with the semantics of
// Lambda's own client, aws-lambda-ric (src/index.mjs here; see README.md).
//
// Prewarmed (STRATUS_PREWARM=1): the process starts before it has a function. It loads what cold
// starts would otherwise pay for, asks GET /2018-06-01/stratus/claim, sets the variables that
// answer carries, and only then initialises as any other start.
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BeforeExitListener } from './before_exit.mjs';
import { CallbackHandlerDeprecated, UnhandledPromiseRejection } from './errors.mjs';
import { enableEsmNodePath, refreshEsmNodePath } from './esm_node_path.mjs';
import { installInvokeStore } from './invoke_context.mjs';
import { patchConsole, structuredConsole } from './log_patch.mjs';
import { Runtime } from './runtime.mjs';
import { RuntimeApiClient } from './runtime_api.mjs';
import { installAwsLambdaGlobal, isStreamingHandler } from './streaming.mjs';
import { isAsyncFunction, UserFunctionLoader } from './user_function.mjs';

const CALLBACK_REMOVED = 'ERROR: AWS Lambda has removed support for callback-based function ' +
  'handlers starting with Node.js 24. You need to modify this function to use a supported ' +
  'handler signature to use Node.js 24 or later. For more information see ' +
  'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
const CALLBACK_WARNING = 'AWS Lambda plans to remove support for callback-based function ' +
  'handlers starting with Node.js 24. You will need to update this function to use an async ' +
  'handler to use Node.js 24 or later. For more information and to provide feedback on this ' +
  'change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. ' +
  'To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment ' +
  'variable.';

const clientDir = path.dirname(fileURLToPath(import.meta.url));
const nodePathAtStartup = process.env.NODE_PATH;

// Builtins that handlers and the AWS SDK use, loaded while a prewarmed process waits: fetch
// (undici, ~19 ms on first use), https and TLS (~7 ms), zlib, crypto's hashing (README.md).
// Nothing here opens a socket.
async function preload() {
  const req = Module.createRequire(import.meta.url);
  for (const name of ['http', 'https', 'http2', 'crypto', 'zlib', 'stream', 'stream/promises',
    'util', 'url', 'os', 'dns', 'net', 'tls', 'events', 'buffer', 'string_decoder',
    'querystring', 'fs/promises', 'timers/promises', 'child_process', 'assert', 'async_hooks']) {
    req(name);
  }
  req('crypto').createHash('sha256').update('').digest();
  req('zlib').gzipSync('');
  req('tls').createSecureContext();
  await (await fetch('data:,')).arrayBuffer();
  // Opt-in: packages to load from NODE_PATH now, e.g. the AWS SDK's shared core
  // (@aws-sdk/core,@smithy/core,@smithy/node-http-handler,@aws-sdk/credential-provider-node:
  // +14 MB, and a client's first require then takes 6-23 ms instead of 45-80). A handler that
  // resolves the same files (NODE_PATH, not its own bundled copy) finds them in require's cache.
  const fromNodePath = Module.createRequire(path.join(process.cwd(), 'noop.js'));
  for (const name of (process.env.STRATUS_PRELOAD ?? '').split(',').filter(Boolean)) {
    try { fromNodePath(name); } catch { /* not installed here: the handler will say so */ }
  }
}

async function claim(client) {
  await preload();
  enableEsmNodePath({ force: true });
  const env = await client.claim();
  for (const [name, value] of Object.entries(env)) process.env[name] = String(value);
  delete process.env.STRATUS_PREWARM;
  delete process.env.STRATUS_PRELOAD;
  // The process was started for no function in particular; Lambda runs handlers in the task root.
  if (env.LAMBDA_TASK_ROOT) {
    try { process.chdir(env.LAMBDA_TASK_ROOT); } catch { /* the server's choice stands */ }
  }
}

// nodejs24.x and later follow RIC v4 (no callbacks); earlier ones RIC 3.x. Outside a sandbox
// (AWS_EXECUTION_ENV unset) the host Node's major version decides.
function runtimeMajor() {
  const match = /^AWS_Lambda_nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV ?? '');
  return match ? Number(match[1]) : Number(process.versions.node.split('.')[0]);
}

// Lambda's bootstrap sets NODE_PATH when the function did not: layers, then the runtime's own
// modules (the AWS SDK), then the runtime and task directories. require() reads NODE_PATH once
// at startup, so a changed value (prewarm claim, this default) is re-read.
function settleNodePath(major, runtimeDir, taskRoot) {
  if (!process.env.NODE_PATH) {
    process.env.NODE_PATH = [`/opt/nodejs/node${major}/node_modules`, '/opt/nodejs/node_modules',
      path.join(runtimeDir, 'node_modules'), runtimeDir, taskRoot].join(':');
  }
  if (process.env.NODE_PATH !== nodePathAtStartup && typeof Module._initPaths === 'function') {
    Module._initPaths();
  }
}

async function start(client) {
  const major = runtimeMajor();
  const v4 = major >= 24;
  const runtimeDir = process.env.LAMBDA_RUNTIME_DIR || path.dirname(clientDir);
  const taskRoot = process.env.LAMBDA_TASK_ROOT || '/var/task';
  settleNodePath(major, runtimeDir, taskRoot);
  refreshEsmNodePath();
  const noGlobal = ['1', 'true'].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA);
  if (!noGlobal) {
    installAwsLambdaGlobal();
    if (v4) installInvokeStore();
  }
  patchConsole({ format: process.env.AWS_LAMBDA_LOG_FORMAT, level: process.env.AWS_LAMBDA_LOG_LEVEL,
    noRequestId: v4 ? '-' : undefined });

  // Until the first invoke an uncaught error is an init error; Runtime points these at each
  // invocation in turn.
  const errorCallbacks = {
    uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
    unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
  };
  process.on('uncaughtException', (error) => {
    structuredConsole.logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    structuredConsole.logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  BeforeExitListener.reset();
  process.on('beforeExit', BeforeExitListener.invoke);

  let handler;
  let metadata;
  try {
    const loader = new UserFunctionLoader({ runtimeDir, beforeImport: enableEsmNodePath,
      defaultExportFallback: v4 });
    handler = await loader.load(taskRoot, process.env._HANDLER ?? '');
    metadata = { streaming: isStreamingHandler(handler), isAsync: isAsyncFunction(handler),
      argsNum: handler.length };
    if (v4 && metadata.argsNum >= 3 && !metadata.streaming) {
      throw new CallbackHandlerDeprecated(CALLBACK_REMOVED);
    }
  } catch (error) {
    if (!v4) {
      // RIC 3.x: the failed load surfaces as an uncaught exception; posted, then exit 129.
      structuredConsole.logError('Uncaught Exception', error);
      errorCallbacks.uncaughtException(error);
      return;
    }
    // RIC v4: logged as "Init Error", posted, then rethrown: Node prints it and exits 1.
    structuredConsole.logError('Init Error', error);
    await new Promise((resolve) => client.postInitError(error, resolve));
    process.removeAllListeners('uncaughtException');
    process.removeAllListeners('unhandledRejection');
    throw error;
  }
  if (!v4 && metadata.argsNum === 3 && !metadata.isAsync && !metadata.streaming &&
    process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined) {
    console.warn(CALLBACK_WARNING);
  }
  new Runtime(client, handler, metadata, errorCallbacks, { callbacksRemoved: v4 })
    .scheduleIteration();
}

const client = new RuntimeApiClient(process.env.AWS_LAMBDA_RUNTIME_API);
if (process.env.STRATUS_PREWARM === '1') await claim(client);
await start(client);
