// The bootstrap's entry: installs the Node-like globals and returns the runtime object whose
// functions the C++ side (IsolateFunction) calls: configure, load, invoke, tick, loopState,
// runTimers, beforeExit. Runs once per context; everything before configure() is
// instance-independent, so it can move into a startup snapshot.

internalRequire('intrinsics');  // first: captures built-ins before anything can change them
const loop = internalRequire('loop');
const consoleModule = internalRequire('console');
const processModule = internalRequire('process');
const modules = internalRequire('modules');
const lambda = internalRequire('lambda');

function defineGlobal(name, value, enumerable = false) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable });
}

// Loaded on first use: most handlers never touch most of them.
function defineLazyGlobal(name, get) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = get();
      defineGlobal(name, value);
      return value;
    },
    set(value) {
      defineGlobal(name, value);
    },
  });
}

defineGlobal('global', globalThis, true);
defineGlobal('console', consoleModule.console);
defineGlobal('process', processModule.process);
defineGlobal('setTimeout', loop.setTimeout, true);
defineGlobal('clearTimeout', loop.clearTimeout, true);
defineGlobal('setInterval', loop.setInterval, true);
defineGlobal('clearInterval', loop.clearInterval, true);
defineGlobal('setImmediate', loop.setImmediate, true);
defineGlobal('clearImmediate', loop.clearImmediate, true);
defineGlobal('queueMicrotask', loop.queueMicrotask, true);
defineGlobal('structuredClone', function structuredClone(value) {
  if (arguments.length === 0) {
    const error = new TypeError('The "value" argument must be specified');
    error.code = 'ERR_MISSING_ARGS';
    throw error;
  }
  return native.structuredClone(value);
}, true);
defineLazyGlobal('Buffer', () => internalRequire('buffer').Buffer);
defineLazyGlobal('TextEncoder', () => internalRequire('encoding').TextEncoder);
defineLazyGlobal('TextDecoder', () => internalRequire('encoding').TextDecoder);
defineLazyGlobal('atob', () => internalRequire('encoding').atob);
defineLazyGlobal('btoa', () => internalRequire('encoding').btoa);
defineLazyGlobal('URL', () => internalRequire('whatwg_url').URL);
defineLazyGlobal('URLSearchParams', () => internalRequire('whatwg_url').URLSearchParams);
let timeOrigin = Date.now();
let monotonicOrigin = native.now();
defineLazyGlobal('performance', () => ({
  get timeOrigin() {
    return timeOrigin;
  },
  now: () => native.now() - monotonicOrigin,
  mark() {},
  measure() {},
  toJSON: () => ({ timeOrigin }),
}));
defineLazyGlobal('AbortController', () => internalRequire('abort').AbortController);
defineLazyGlobal('AbortSignal', () => internalRequire('abort').AbortSignal);
defineLazyGlobal('EventTarget', () => internalRequire('abort').EventTarget);
defineLazyGlobal('Event', () => internalRequire('abort').Event);

function configure(cfg) {
  timeOrigin = Date.now();
  monotonicOrigin = native.now();
  processModule.configure(cfg);
  consoleModule.configure(cfg.env);
  modules.configure(cfg);
  lambda.configure(cfg);
}

exports.configure = configure;
exports.load = lambda.load;
exports.invoke = lambda.invoke;
exports.tick = loop.processTicks;
exports.loopState = loop.loopState;
exports.runTimers = loop.runTimers;
exports.beforeExit = lambda.beforeExit;
