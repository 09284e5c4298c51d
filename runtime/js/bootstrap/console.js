// console, patched the way the Lambda Node runtime patches it (LogPatch.js): every call writes
// one line. Text format: the C++ side prefixes `time \t requestId \t LEVEL \t` and turns '\n'
// into '\r'. JSON format (AWS_LAMBDA_LOG_FORMAT=JSON): {"timestamp","level","requestId",
// "message"}. AWS_LAMBDA_LOG_LEVEL drops the lower levels. The methods Lambda does not patch
// (dir, time, count, group, assert, table) behave as Node's console built on those.

const intrinsics = internalRequire('intrinsics');

const levels = {
  TRACE: { name: 'TRACE', index: 0, priority: 1 },
  DEBUG: { name: 'DEBUG', index: 1, priority: 2 },
  INFO: { name: 'INFO', index: 2, priority: 3 },
  WARN: { name: 'WARN', index: 3, priority: 4 },
  ERROR: { name: 'ERROR', index: 4, priority: 5 },
  FATAL: { name: 'FATAL', index: 5, priority: 6 },
};
const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');

// Loaded on the first console call, not at bootstrap.
let formatModule;
function util() {
  return formatModule || (formatModule = internalRequire('format'));
}

let jsonFormat = false;
let minimumPriority = 1;
let groupIndent = '';

function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return intrinsics.ObjectAssign({
      errorType: value?.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    }, value);
  }
  return value;
}

function formatJson(level, params) {
  const result = {
    timestamp: intrinsics.DateToISOString(new Date()),
    level: level.name,
    requestId: globalThis[REQUEST_ID_SYMBOL],
  };
  if (params.length === 1) {
    result.message = params[0];
    try {
      return intrinsics.JSONStringify(result, jsonErrorReplacer);
    } catch {
      result.message = util().format(result.message);
      return intrinsics.JSONStringify(result);
    }
  }
  result.message = util().format(...params);
  for (const param of params) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return intrinsics.JSONStringify(result);
}

function write(level, params) {
  if (level.priority < minimumPriority) return;
  if (jsonFormat) {
    native.writeRaw(intrinsics.StringReplaceAll(formatJson(level, params), '\n', '\r'));
  } else {
    let message = util().format(...params);
    if (groupIndent !== '') message = groupIndent + message.replaceAll('\n', '\n' + groupIndent);
    native.log(level.index, message);
  }
}

// Lambda's patched methods take (message, ...params): console.log() prints "undefined".
const console = {
  log: (message, ...params) => write(levels.INFO, [message, ...params]),
  info: (message, ...params) => write(levels.INFO, [message, ...params]),
  warn: (message, ...params) => write(levels.WARN, [message, ...params]),
  error: (message, ...params) => write(levels.ERROR, [message, ...params]),
  debug: (message, ...params) => write(levels.DEBUG, [message, ...params]),
  trace: (message, ...params) => write(levels.TRACE, [message, ...params]),
  fatal: (message, ...params) => write(levels.FATAL, [message, ...params]),
  dirxml(...args) {
    this.log(...args);
  },
  dir(object, options) {
    native.writeRaw(internalRequire('inspect').inspect(object, { customInspect: false, ...options }) + '\n');
  },
  table(data) {
    this.log(data);
  },
  assert(expression, ...args) {
    if (!expression) {
      args[0] = `Assertion failed${args.length === 0 ? '' : `: ${args[0]}`}`;
      this.warn(...args);
    }
  },
  clear() {},
  group(...data) {
    if (data.length > 0) this.log(...data);
    groupIndent += '  ';
  },
  groupEnd() {
    groupIndent = groupIndent.slice(0, groupIndent.length - 2);
  },
};
console.groupCollapsed = console.group;

const counts = new Map();
console.count = function count(label = 'default') {
  label = `${label}`;
  const value = (counts.get(label) || 0) + 1;
  counts.set(label, value);
  this.log(`${label}: ${value}`);
};
console.countReset = function countReset(label = 'default') {
  counts.delete(`${label}`);
};

const timers = new Map();
function elapsed(label) {
  const ms = native.now() - timers.get(label);
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}
console.time = function time(label = 'default') {
  label = `${label}`;
  if (timers.has(label)) {
    this.warn(`Warning: Label '${label}' already exists for console.time()`);
    return;
  }
  timers.set(label, native.now());
};
console.timeEnd = function timeEnd(label = 'default') {
  label = `${label}`;
  if (!timers.has(label)) {
    this.warn(`Warning: No such label '${label}' for console.timeEnd()`);
    return;
  }
  this.log('%s: %s', label, elapsed(label));
  timers.delete(label);
};
console.timeLog = function timeLog(label = 'default', ...data) {
  label = `${label}`;
  if (!timers.has(label)) {
    this.warn(`Warning: No such label '${label}' for console.timeLog()`);
    return;
  }
  this.log('%s: %s', label, elapsed(label), ...data);
};

// As in Node, every method works detached (`const { log } = console`); `this` stays the console,
// so count() and time() use whatever console.log is by then.
for (const key of Object.keys(console)) {
  if (typeof console[key] === 'function') console[key] = console[key].bind(console);
}

// Reads AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL.
function configure(env) {
  jsonFormat = typeof env.AWS_LAMBDA_LOG_FORMAT === 'string' &&
    env.AWS_LAMBDA_LOG_FORMAT.toUpperCase() === 'JSON';
  const level = typeof env.AWS_LAMBDA_LOG_LEVEL === 'string'
    ? levels[env.AWS_LAMBDA_LOG_LEVEL.toUpperCase()] : undefined;
  minimumPriority = level ? level.priority : 1;
}

// What the runtime's own error lines go through (structuredConsole.logError).
function logger() {
  return { json: jsonFormat, error: (...params) => write(levels.ERROR, params) };
}

exports.console = console;
exports.configure = configure;
exports.logger = logger;
