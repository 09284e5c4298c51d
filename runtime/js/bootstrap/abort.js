// EventTarget, Event, AbortController and AbortSignal: the small part of the DOM event model
// that libraries use for cancellation.

const loop = internalRequire('loop');

class Event {
  #type;
  #defaultPrevented = false;
  constructor(type, options = {}) {
    if (arguments.length === 0) {
      const error = new TypeError('The "type" argument must be specified');
      error.code = 'ERR_MISSING_ARGS';
      throw error;
    }
    this.#type = `${type}`;
    this.bubbles = !!options.bubbles;
    this.cancelable = !!options.cancelable;
    this.composed = !!options.composed;
    this.timeStamp = native.now();
    this.target = null;
    this.currentTarget = null;
  }
  get type() {
    return this.#type;
  }
  get defaultPrevented() {
    return this.cancelable && this.#defaultPrevented;
  }
  preventDefault() {
    this.#defaultPrevented = true;
  }
  stopPropagation() {}
  stopImmediatePropagation() {
    this.stopped = true;
  }
}

class EventTarget {
  #listeners = new Map();
  addEventListener(type, listener, options = {}) {
    if (listener === null || listener === undefined) return;
    const once = typeof options === 'object' && !!options.once;
    let list = this.#listeners.get(type);
    if (list === undefined) this.#listeners.set(type, (list = []));
    if (list.some((entry) => entry.listener === listener)) return;
    list.push({ listener, once });
    if (typeof options === 'object' && options.signal) {
      options.signal.addEventListener('abort', () => this.removeEventListener(type, listener), { once: true });
    }
  }
  removeEventListener(type, listener) {
    const list = this.#listeners.get(type);
    if (list === undefined) return;
    const index = list.findIndex((entry) => entry.listener === listener);
    if (index !== -1) list.splice(index, 1);
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) {
      const error = new TypeError('The "event" argument must be an instance of Event.');
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    event.target = this;
    event.currentTarget = this;
    const list = (this.#listeners.get(event.type) || []).slice();
    for (const entry of list) {
      if (entry.once) this.removeEventListener(event.type, entry.listener);
      try {
        if (typeof entry.listener === 'function') entry.listener.call(this, event);
        else if (entry.listener && typeof entry.listener.handleEvent === 'function') entry.listener.handleEvent(event);
      } catch (error) {
        loop.nextTick(() => {
          throw error;
        });
      }
      if (event.stopped) break;
    }
    const handler = this[`on${event.type}`];
    if (typeof handler === 'function') handler.call(this, event);
    return !event.defaultPrevented;
  }
}

function abortReason(reason) {
  if (reason !== undefined) return reason;
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  error.code = 20;
  return error;
}

const kCreate = Symbol('create');
let abortInternal;

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  constructor(key) {
    super();
    if (key !== kCreate) throw new TypeError('Illegal constructor');
    this.onabort = null;
  }
  get aborted() {
    return this.#aborted;
  }
  get reason() {
    return this.#reason;
  }
  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }
  static [kCreate]() {
    return new AbortSignal(kCreate);
  }
  static abort(reason) {
    const signal = new AbortSignal(kCreate);
    signal.#abort(abortReason(reason), false);
    return signal;
  }
  static timeout(delay) {
    const signal = new AbortSignal(kCreate);
    loop.setTimeout(() => {
      const error = new Error('The operation was aborted due to timeout');
      error.name = 'TimeoutError';
      error.code = 23;
      signal.#abort(error, true);
    }, delay).unref();
    return signal;
  }
  static {
    abortInternal = (signal, reason) => signal.#abort(abortReason(reason), true);
  }
  #abort(reason, dispatch) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    if (dispatch) this.dispatchEvent(new Event('abort'));
  }
  get [Symbol.toStringTag]() {
    return 'AbortSignal';
  }
}

class AbortController {
  #signal = AbortSignal[kCreate]();
  get signal() {
    return this.#signal;
  }
  abort(reason) {
    abortInternal(this.#signal, reason);
  }
  get [Symbol.toStringTag]() {
    return 'AbortController';
  }
}

exports.Event = Event;
exports.EventTarget = EventTarget;
exports.AbortController = AbortController;
exports.AbortSignal = AbortSignal;
