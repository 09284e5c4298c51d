// Error types and payloads as Lambda's Node.js runtime builds them (aws-lambda-ric src/Errors.js):
// the Runtime.* classes, the body posted to /error and /init/error, and the JSON text that follows
// "Invoke Error" in a text-format log line.
import { types } from 'node:util';

// Each class keeps its own name (the JSON log format reports constructor.name, e.g.
// "ImportModuleError") while error.name, and so errorType and the stack's first line, is
// "Runtime.<Name>".
export class ImportModuleError extends Error {}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {}
export class MalformedStreamingHandler extends Error {}
export class InvalidStreamingOperation extends Error {}
export class CallbackHandlerDeprecated extends Error {}
export class JSONStringifyError extends Error {}
export class NodeJsExit extends Error {
  constructor() {
    super('The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
      'commonly caused by a Promise that was never settled. For more information, see ' +
      'https://nodejs.org/docs/latest/api/process.html#exit-codes');
  }
}
export class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(safeString(reason));
    this.reason = reason;
    this.promise = promise;
  }
}
for (const errorClass of [ImportModuleError, HandlerNotFound, MalformedHandlerName,
  UserCodeSyntaxError, MalformedStreamingHandler, InvalidStreamingOperation,
  CallbackHandlerDeprecated, JSONStringifyError, NodeJsExit, UnhandledPromiseRejection]) {
  errorClass.prototype.name = `Runtime.${errorClass.name}`;
}

// String(value) for anything, Symbols and null-prototype objects included: a reason that cannot
// become a string must not keep the error itself from being reported.
export function safeString(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

// The RIC also accepts error-shaped objects (name, message and stack all non-empty strings).
function looksLikeError(value) {
  return !!value && !!value.name && !!value.message && !!value.stack &&
    typeof value.name === 'string' && typeof value.message === 'string' &&
    typeof value.stack === 'string';
}

export function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// DEL is not allowed in the HTTP header that carries errorType; the RIC escapes it everywhere.
const escapeDel = (text) => text.replace(/\x7F/g, '%7F');

// The body of an error post: {errorType, errorMessage, trace}. A thrown non-Error reports its
// typeof ("string", "number", "object"...) and its toString(), with an empty trace.
export function toRapidResponse(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replace(/\x7F/g, '%7F'),
        errorMessage: error.message?.replace(/\x7F/g, '%7F'),
        trace: escapeDel(error.stack).split('\n'),
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

// Error's own name/message/code/stack are not enumerable; a logged error shows them anyway,
// next to whatever the author attached, and with the stack as an array of lines.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const ret = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code }, value);
  if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
  return ret;
}

// "\t{json}": the tail of "Invoke Error \t{...}" lines. Always starts with a tab.
export function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// The X-Ray "cause" document the RIC sends with an invocation error (src/XRayError.js).
export function xrayCause(error) {
  try {
    const stack = [];
    if (error.stack) {
      const lines = escapeDel(error.stack).split('\n');
      lines.shift();
      for (const stackLine of lines) {
        let line = stackLine.trim().replace(/\(|\)/g, '');
        line = line.substring(line.indexOf(' ') + 1);
        const label = line.lastIndexOf(' ') >= 0 ? line.slice(0, line.lastIndexOf(' ')) : null;
        const where = (!label ? line : line.slice(line.lastIndexOf(' ') + 1)).split(':');
        stack.push({ path: where[0], line: parseInt(where[1]), label: label || 'anonymous' });
      }
    }
    return JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [{
        type: error.name?.replace(/\x7F/g, '%7F'),
        message: error.message?.replace(/\x7F/g, '%7F'),
        stack,
      }],
      paths: [...new Set(stack.map((entry) => entry.path))],
    });
  } catch {
    return '';
  }
}
