// console as Lambda's Node.js runtime patches it (aws-lambda-ric src/LogPatch.js): one line per
// call on stdout, "ISO-time\t<requestId>\t<LEVEL>\t<util.format(...)>" or a JSON object when
// AWS_LAMBDA_LOG_FORMAT=JSON, every "\n" inside a message turned into "\r" so that a multi-line
// message stays one log event, and levels below AWS_LAMBDA_LOG_LEVEL dropped.
import { format } from 'node:util';
import { intoError, toFormatted } from './errors.mjs';

// The request id lives on the global object under the RIC's symbol: tracing libraries read it.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');

export function setCurrentRequestId(id) { globalThis[REQUEST_ID] = id; }
export function setCurrentTenantId(id) { globalThis[TENANT_ID] = id; }
export function currentRequestId() { return globalThis[REQUEST_ID]; }

const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});

// Errors inside a JSON log record: type, message and stack lines plus their own properties.
function jsonErrorReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return Object.assign({
    errorType: value?.constructor?.name ?? 'UnknownError',
    errorMessage: value.message,
    stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
  }, value);
}

function jsonRecord(level, requestId, tenantId, messageParams) {
  const record = { timestamp: new Date().toISOString(), level: level.name, requestId };
  if (tenantId !== undefined && tenantId !== null) record.tenantId = tenantId;
  if (messageParams.length === 1) {
    // A lone value is logged as itself (an object stays an object), unless it cannot be.
    record.message = messageParams[0];
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = format(...messageParams);
  const error = messageParams.find((param) => param instanceof Error);
  if (error) {
    record.errorType = error?.constructor?.name ?? 'UnknownError';
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

export const structuredConsole = {
  // "Invoke Error", "Uncaught Exception"...: through console.error as the author sees it then.
  logError(message, error) {
    if (structuredConsole.json) {
      console.error(intoError(error));
    } else {
      console.error(message, toFormatted(intoError(error)));
    }
  },
  json: false,
};

// options.format: "TEXT" | "JSON"; options.level: AWS_LAMBDA_LOG_LEVEL; options.noRequestId: what
// prints before the first invoke (the RIC v3 prints "undefined", v4 "-").
export function patchConsole({ format: logFormat, level, noRequestId }) {
  const json = String(logFormat).toUpperCase() === 'JSON';
  const minimum = LEVELS[String(level).toUpperCase()] ?? LEVELS.TRACE;
  const requestId = () => globalThis[REQUEST_ID] ?? noRequestId;

  const write = json
    ? (lvl, params) => jsonRecord(lvl, requestId(), globalThis[TENANT_ID], params)
    // A template, not [...].join('\t'): an undefined request id prints as "undefined".
    : (lvl, params) => `${new Date().toISOString()}\t${requestId()}\t${lvl.name}\t` +
      format(...params);
  const logAt = (lvl) => {
    if (lvl.priority < minimum.priority) return () => {};
    // (message, ...params) rather than (...params): console.log() prints "undefined", as there.
    return (message, ...params) => {
      process.stdout.write(write(lvl, [message, ...params]).replace(/\n/g, '\r') + '\n');
    };
  };
  console.trace = logAt(LEVELS.TRACE);
  console.debug = logAt(LEVELS.DEBUG);
  console.info = logAt(LEVELS.INFO);
  console.log = console.info;
  console.warn = logAt(LEVELS.WARN);
  console.error = logAt(LEVELS.ERROR);
  console.fatal = logAt(LEVELS.FATAL);
  structuredConsole.json = json;
}
