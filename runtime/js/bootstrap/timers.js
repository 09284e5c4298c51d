// The 'timers' and 'timers/promises' builtins.
const loop = internalRequire('loop');

exports.setTimeout = loop.setTimeout;
exports.clearTimeout = loop.clearTimeout;
exports.setInterval = loop.setInterval;
exports.clearInterval = loop.clearInterval;
exports.setImmediate = loop.setImmediate;
exports.clearImmediate = loop.clearImmediate;

function abortError(signal) {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  if (signal && signal.reason !== undefined) error.cause = signal.reason;
  return error;
}

exports.promises = {
  setTimeout(delay, value, options = {}) {
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      if (signal && signal.aborted) return reject(abortError(signal));
      const timer = loop.setTimeout(() => resolve(value), delay);
      if (options.ref === false) timer.unref();
      if (signal && typeof signal.addEventListener === 'function') {
        signal.addEventListener('abort', () => {
          loop.clearTimeout(timer);
          reject(abortError(signal));
        }, { once: true });
      }
    });
  },
  setImmediate(value, options = {}) {
    return new Promise((resolve, reject) => {
      if (options.signal && options.signal.aborted) return reject(abortError(options.signal));
      const immediate = loop.setImmediate(() => resolve(value));
      if (options.ref === false) immediate.unref();
    });
  },
  async *setInterval(delay, value) {
    for (;;) {
      yield await exports.promises.setTimeout(delay, value);
    }
  },
};
