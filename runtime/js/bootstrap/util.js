// The 'util' builtin: format/inspect from inspect.js plus the commonly used helpers.

const inspectModule = internalRequire('inspect');
const { inspect, format, formatWithOptions, types } = inspectModule;

const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');
const kCustomPromisifyArgs = Symbol('customPromisifyArgs');

function invalidArgType(name, expected, value) {
  const error = new TypeError(`The "${name}" argument must be of type ${expected}. Received ${
    value === null ? 'null' : typeof value}`);
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function promisify(original) {
  if (typeof original !== 'function') throw invalidArgType('original', 'function', original);
  if (original[kCustomPromisify]) {
    const fn = original[kCustomPromisify];
    if (typeof fn !== 'function') throw invalidArgType('util.promisify.custom', 'function', fn);
    return Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, configurable: true });
  }
  const argumentNames = original[kCustomPromisifyArgs];
  function fn(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (err, ...values) => {
        if (err) return reject(err);
        if (argumentNames !== undefined && values.length > 1) {
          const obj = {};
          for (let i = 0; i < argumentNames.length; i++) obj[argumentNames[i]] = values[i];
          resolve(obj);
        } else {
          resolve(values[0]);
        }
      }]);
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = kCustomPromisify;

function callbackify(original) {
  if (typeof original !== 'function') throw invalidArgType('original', 'function', original);
  function callbackified(...args) {
    const callback = args.pop();
    if (typeof callback !== 'function') throw invalidArgType('last argument', 'function', callback);
    const onRejected = (reason) => {
      if (!reason) {
        const error = new Error('Promise was rejected with a falsy value');
        error.code = 'ERR_FALSY_VALUE_REJECTION';
        error.reason = reason;
        reason = error;
      }
      return callback(reason);
    };
    Reflect.apply(original, this, args).then(
      (value) => internalRequire('loop').nextTick(callback, null, value),
      (reason) => internalRequire('loop').nextTick(onRejected, reason));
  }
  Object.setPrototypeOf(callbackified, Object.getPrototypeOf(original));
  return callbackified;
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw invalidArgType('ctor', 'function', ctor);
  if (superCtor === undefined || superCtor === null) throw invalidArgType('superCtor', 'function', superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType('superCtor.prototype', 'object', superCtor.prototype);
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warned = new Set();
function deprecate(fn, msg, code) {
  function deprecated(...args) {
    const key = code || msg;
    if (!warned.has(key)) {
      warned.add(key);
      internalRequire('process').process.emitWarning(msg, 'DeprecationWarning', code);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

function isDeepStrictEqual(a, b) {
  return internalRequire('assert').isDeepEqual(a, b, true);
}

const encoding = () => internalRequire('encoding');

Object.assign(exports, {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  isDeepStrictEqual,
  types,
  debuglog: () => Object.assign(() => {}, { enabled: false }),
  debug: () => Object.assign(() => {}, { enabled: false }),
  stripVTControlCharacters: inspectModule.stripVTControlCharacters,
  toUSVString: (str) => String(str).toWellFormed ? String(str).toWellFormed()
    : String(str).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  isArray: Array.isArray,
  isBoolean: (value) => typeof value === 'boolean',
  isNull: (value) => value === null,
  isNullOrUndefined: (value) => value === null || value === undefined,
  isNumber: (value) => typeof value === 'number',
  isString: (value) => typeof value === 'string',
  isSymbol: (value) => typeof value === 'symbol',
  isUndefined: (value) => value === undefined,
  isRegExp: types.isRegExp,
  isObject: (value) => value !== null && typeof value === 'object',
  isDate: types.isDate,
  isError: (value) => types.isNativeError(value) || value instanceof Error,
  isFunction: (value) => typeof value === 'function',
  isPrimitive: (value) => value === null || (typeof value !== 'object' && typeof value !== 'function'),
});
Object.defineProperty(exports, 'TextEncoder', { enumerable: true, get: () => encoding().TextEncoder });
Object.defineProperty(exports, 'TextDecoder', { enumerable: true, get: () => encoding().TextDecoder });
