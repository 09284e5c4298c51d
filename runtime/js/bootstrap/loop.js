// The event loop's JavaScript half: timers, immediates, process.nextTick and queueMicrotask.
// The C++ side (IsolateFunction::driveLoop) calls processTicks() after each entry, asks
// loopState() when to wake up next, sleeps, and calls runTimers(now). Everything lives in this
// context, so it can be part of a startup snapshot and pending timers simply stay queued while
// the instance is idle ("frozen") between invokes.

const kMaxTimeout = 2 ** 31 - 1;

const state = {
  settled: false,            // the current call has settled: stop running callbacks
  onUncaught: null,          // (error) => void, set by lambda.js
  onUnhandledRejection: null,
};
exports.state = state;

// ---- timers: a binary heap ordered by (due time, creation order) ----
const heap = [];
let timerSeq = 0;
let refedTimers = 0;
const knownTimersById = new Map();  // ids handed out through Symbol.toPrimitive

function before(a, b) {
  return a._when < b._when || (a._when === b._when && a._id < b._id);
}
function place(timer, index) {
  heap[index] = timer;
  timer._index = index;
}
function siftUp(index) {
  const timer = heap[index];
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (!before(timer, heap[parent])) break;
    place(heap[parent], index);
    index = parent;
  }
  place(timer, index);
}
function siftDown(index) {
  const timer = heap[index];
  const length = heap.length;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= length) break;
    if (child + 1 < length && before(heap[child + 1], heap[child])) child++;
    if (!before(heap[child], timer)) break;
    place(heap[child], index);
    index = child;
  }
  place(timer, index);
}
function heapPush(timer) {
  heap.push(timer);
  siftUp(heap.length - 1);
  if (timer._ref) refedTimers++;
}
function heapRemove(timer) {
  const index = timer._index;
  if (index < 0) return;
  timer._index = -1;
  if (timer._ref) refedTimers--;
  const last = heap.pop();
  if (index < heap.length) {
    place(last, index);
    siftUp(index);
    siftDown(last._index);
  }
}

function validateCallback(callback) {
  if (typeof callback !== 'function') {
    const error = new TypeError(
      `The "callback" argument must be of type function. Received ${describe(callback)}`);
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
}
function describe(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name}`;
  if (typeof value === 'object') return 'an instance of ' + (value.constructor?.name ?? 'Object');
  return `type ${typeof value} (${String(value).slice(0, 25)})`;
}

class Timeout {
  constructor(callback, after, args, repeat) {
    after *= 1;
    if (!(after >= 1 && after <= kMaxTimeout)) after = 1;
    this._idleTimeout = after;
    this._onTimeout = callback;
    this._timerArgs = args;
    this._repeat = repeat ? after : null;
    this._destroyed = false;
    this._ref = true;
    this._id = ++timerSeq;
    this._index = -1;
    this._when = native.now() + after;
    heapPush(this);
  }
  ref() {
    if (!this._ref) {
      this._ref = true;
      if (this._index >= 0) refedTimers++;
    }
    return this;
  }
  unref() {
    if (this._ref) {
      this._ref = false;
      if (this._index >= 0) refedTimers--;
    }
    return this;
  }
  hasRef() {
    return this._ref;
  }
  refresh() {
    if (!this._destroyed) {
      heapRemove(this);
      this._when = native.now() + this._idleTimeout;
      heapPush(this);
    }
    return this;
  }
  close() {
    clearTimeout(this);
    return this;
  }
  [Symbol.toPrimitive]() {
    knownTimersById.set(this._id, this);
    return this._id;
  }
}

function setTimeout(callback, after, ...args) {
  validateCallback(callback);
  return new Timeout(callback, after, args.length ? args : undefined, false);
}
function setInterval(callback, repeat, ...args) {
  validateCallback(callback);
  return new Timeout(callback, repeat, args.length ? args : undefined, true);
}
function clearTimeout(timer) {
  if (timer && timer._onTimeout !== undefined && timer instanceof Timeout) {
    timer._destroyed = true;
    heapRemove(timer);
    knownTimersById.delete(timer._id);
    return;
  }
  if (typeof timer === 'number' || typeof timer === 'string') {
    const known = knownTimersById.get(+timer);
    if (known !== undefined) clearTimeout(known);
  }
}

// ---- immediates: a FIFO run once per loop turn, after the due timers ----
let immediates = [];
let refedImmediates = 0;

class Immediate {
  constructor(callback, args) {
    this._onImmediate = callback;
    this._argv = args;
    this._destroyed = false;
    this._ref = true;
    refedImmediates++;
    immediates.push(this);
  }
  ref() {
    if (!this._ref) {
      this._ref = true;
      if (!this._destroyed) refedImmediates++;
    }
    return this;
  }
  unref() {
    if (this._ref) {
      this._ref = false;
      if (!this._destroyed) refedImmediates--;
    }
    return this;
  }
  hasRef() {
    return this._ref;
  }
}

function setImmediate(callback, ...args) {
  validateCallback(callback);
  return new Immediate(callback, args.length ? args : undefined);
}
function clearImmediate(immediate) {
  if (!immediate || !(immediate instanceof Immediate) || immediate._destroyed) return;
  immediate._destroyed = true;
  if (immediate._ref) refedImmediates--;
}

// ---- nextTick and microtasks ----
let ticks = [];
let tickHead = 0;

function nextTick(callback, ...args) {
  validateCallback(callback);
  ticks.push({ callback, args: args.length ? args : undefined });
}

function queueMicrotask(callback) {
  validateCallback(callback);
  native.enqueueMicrotask(() => {
    try {
      callback();
    } catch (error) {
      state.onUncaught(error);
    }
  });
}

// Node's processTicksAndRejections: all nextTicks, then the promise microtasks, repeated until
// both are empty; then unhandled rejections. Returns false when an error ended the call.
function processTicks() {
  for (;;) {
    while (tickHead < ticks.length) {
      const tick = ticks[tickHead];
      ticks[tickHead++] = undefined;
      try {
        if (tick.args === undefined) tick.callback();
        else tick.callback(...tick.args);
      } catch (error) {
        ticks = ticks.slice(tickHead);
        tickHead = 0;
        state.onUncaught(error);
        return false;
      }
    }
    ticks.length = 0;
    tickHead = 0;
    if (native.runMicrotasks()) {
      const taken = native.takeRejection();
      if (taken !== undefined) {
        state.onUnhandledRejection(taken[0]);
        return false;
      }
    }
    if (ticks.length === 0) return true;
  }
}

// When the C++ loop should run runTimers() next: -1 when nothing keeps the loop alive (it
// drained), 0 for "now" (immediates wait), else the monotonic time of the earliest timer.
function loopState() {
  if (refedTimers === 0 && refedImmediates === 0) return -1;
  if (immediates.length > 0) return 0;
  return heap.length > 0 ? heap[0]._when : 0;
}

// One loop turn: the due timers in order, then (unless `timersOnly`) the immediates queued
// before this phase. Returns false when the call settled meanwhile.
function runTimers(now, timersOnly = false) {
  while (heap.length > 0 && heap[0]._when <= now) {
    const timer = heap[0];
    heapRemove(timer);
    if (timer._repeat === null) {
      timer._destroyed = true;
      knownTimersById.delete(timer._id);
    }
    try {
      const args = timer._timerArgs;
      if (args === undefined) timer._onTimeout.call(timer);
      else timer._onTimeout.apply(timer, args);
    } catch (error) {
      state.onUncaught(error);
      return false;
    }
    if (timer._repeat !== null && !timer._destroyed && timer._index < 0) {
      timer._when = native.now() + timer._repeat;
      heapPush(timer);
    }
    if (!processTicks() || state.settled) return false;
  }
  if (!timersOnly) runImmediates();
  return !state.settled;
}

function runImmediates() {
  if (immediates.length === 0) return;
  const queue = immediates;
  immediates = [];
  for (let i = 0; i < queue.length; i++) {
    const immediate = queue[i];
    if (immediate._destroyed) continue;
    immediate._destroyed = true;
    if (immediate._ref) refedImmediates--;
    let ok = true;
    try {
      if (immediate._argv === undefined) immediate._onImmediate();
      else immediate._onImmediate(...immediate._argv);
    } catch (error) {
      state.onUncaught(error);
      ok = false;
    }
    if (!ok || !processTicks() || state.settled) {
      // The call ended: the rest stays queued for the next invoke.
      immediates = queue.slice(i + 1).concat(immediates);
      return;
    }
  }
}

exports.Timeout = Timeout;
exports.Immediate = Immediate;
exports.setTimeout = setTimeout;
exports.setInterval = setInterval;
exports.clearTimeout = clearTimeout;
exports.clearInterval = clearTimeout;
exports.setImmediate = setImmediate;
exports.clearImmediate = clearImmediate;
exports.nextTick = nextTick;
exports.queueMicrotask = queueMicrotask;
exports.processTicks = processTicks;
exports.loopState = loopState;
exports.runTimers = runTimers;
