// Response streaming (aws-lambda-ric src/StreamingContext.js, ResponseStream.js,
// HttpResponseStream.js): handlers wrapped with awslambda.streamifyResponse(fn) get
// (event, responseStream, context) and write their answer as a chunked POST to /response with
// Lambda-Runtime-Function-Response-Mode: streaming; an error after the first byte travels in the
// trailers Lambda-Runtime-Function-Error-Type / -Error-Body (base64 of the error JSON).
import { BeforeExitListener } from './before_exit.mjs';
import {
  InvalidStreamingOperation, MalformedStreamingHandler, toRapidResponse,
} from './errors.mjs';
import { structuredConsole } from './log_patch.mjs';

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const TRAILER_ERROR_TYPE = 'Lambda-Runtime-Function-Error-Type';
const TRAILER_ERROR_BODY = 'Lambda-Runtime-Function-Error-Body';

// What the RIC puts on globalThis.awslambda before it loads the handler.
class HttpResponseStream {
  // Function URL / API Gateway streaming: a JSON prelude (status, headers, cookies) and eight
  // NUL bytes precede the body.
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType('application/vnd.awslambda.http-integration-response');
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

export function installAwsLambdaGlobal() {
  globalThis.awslambda = {
    ...globalThis.awslambda,
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

// true for a streamifyResponse'd handler; throws for any other marking.
export function isStreamingHandler(handler) {
  const mark = handler[HANDLER_STREAMING];
  if (mark === undefined || mark === null || mark === false) return false;
  if (mark === STREAM_RESPONSE) return true;
  throw new MalformedStreamingHandler('Only response streaming is supported.');
}

const WRITABLE_METHODS = ['cork', 'destroy', 'end', 'uncork', 'write', 'addListener', 'emit',
  'eventNames', 'getMaxListeners', 'listenerCount', 'listeners', 'off', 'on', 'once',
  'prependListener', 'prependOnceListener', 'rawListeners', 'removeAllListeners',
  'removeListener', 'setMaxListeners', 'setContentType'];
const READ_WRITE = ['destroyed', 'writable', '_onBeforeFirstWrite'];
const READ_ONLY = ['writableFinished', 'writableObjectMode', 'writableBuffer', 'writableEnded',
  'writableNeedDrain', 'writableHighWaterMark', 'writableCorked', 'writableLength'];

// The handler sees a Writable-shaped facade, not the HTTP request behind it.
function writableFacade(req) {
  const stream = Object.fromEntries(WRITABLE_METHODS.map((name) => [name, req[name].bind(req)]));
  for (const name of READ_WRITE) {
    Object.defineProperty(stream, name, { get: () => req[name], set: (v) => { req[name] = v; } });
  }
  for (const name of READ_ONLY) Object.defineProperty(stream, name, { get: () => req[name] });
  return stream;
}

function createResponseStream(client, id) {
  let written = false;
  let resolveDone;
  let rejectDone;
  const responseDone = new Promise((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  responseDone.catch(() => {});  // awaited only on success; a failure is handled by 'error'
  const req = client.streamRequest(id, {
    'Lambda-Runtime-Function-Response-Mode': 'streaming',
    Trailer: [TRAILER_ERROR_TYPE, TRAILER_ERROR_BODY],
    'Content-Type': 'application/octet-stream',
  }, (res) => {
    res.on('data', () => {});
    res.on('end', () => resolveDone());
    res.on('aborted', (err) => rejectDone(err));
  });
  req.on('error', (err) => rejectDone(err));
  req.setContentType = (contentType) => {
    if (written) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    req.setHeader('Content-Type', contentType);
  };
  const write = req.write.bind(req);
  req.write = (chunk, encoding, callback) => {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && chunk?.constructor !== Uint8Array) {
      chunk = JSON.stringify(chunk);
    }
    if (!written && typeof req._onBeforeFirstWrite === 'function') req._onBeforeFirstWrite(write);
    written = true;
    return write(chunk, encoding, callback);
  };
  const fail = (err, then) => {
    if (req.writableEnded) return then();  // answered already: nothing left to say
    const error = toRapidResponse(err);
    req.addTrailers({
      [TRAILER_ERROR_TYPE]: error.errorType,
      [TRAILER_ERROR_BODY]: Buffer.from(JSON.stringify(error)).toString('base64'),
    });
    req.end(then);
  };
  return { stream: writableFacade(req), responseDone, fail };
}

// One streaming invocation; `runtime` is the Runtime (client, handler, v4 flag).
export async function runStreaming(runtime, invoke, bodyJson, scheduleNext) {
  const { stream, responseDone, fail } = createResponseStream(runtime.client, invoke.invokeId);
  const failAndGoOn = (err) => {
    structuredConsole.logError('Invoke Error', err);
    fail(err, scheduleNext);
  };
  let waitForEmptyEventLoop = true;
  const base = runtime.v4 ? {} : {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
  };
  try {
    const context = invoke.attachEnvironmentData(base);
    const result = runtime.handler(JSON.parse(bodyJson), stream, context);
    if (!result || typeof result.then !== 'function') {
      return failAndGoOn('Streaming does not support non-async handlers.');
    }
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
    if (!stream.writableEnded) return failAndGoOn('Response stream is not finished.');
    await responseDone;
    BeforeExitListener.reset();
    if (waitForEmptyEventLoop && !runtime.v4) {
      BeforeExitListener.set(() => setImmediate(scheduleNext));
    } else {
      scheduleNext();
    }
  } catch (err) {
    failAndGoOn(err);
  }
}
