// The 'assert' builtin: the commonly used subset with Node's error type (AssertionError,
// code ERR_ASSERTION) and a plain-text message instead of Node's diff.

const { inspect } = internalRequire('inspect');
const types = internalRequire('inspect').types;

class AssertionError extends Error {
  constructor(options) {
    const { message, actual, expected, operator } = options;
    super(message !== undefined ? String(message)
      : `${inspect(actual)} ${operator} ${inspect(expected)}`);
    this.generatedMessage = message === undefined;
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
}
AssertionError.prototype.name = 'AssertionError';

function innerFail(obj) {
  if (obj.message instanceof Error) throw obj.message;
  throw new AssertionError(obj);
}

function isDeepEqual(a, b, strict, memos = new Map()) {
  if (strict ? Object.is(a, b) : (a == b || (a !== a && b !== b))) return true;  // eslint-disable-line eqeqeq
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const tagA = Object.prototype.toString.call(a);
  if (tagA !== Object.prototype.toString.call(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (types.isDate(a)) {
    if (!types.isDate(b) || a.getTime() !== b.getTime()) return false;
  } else if (types.isRegExp(a)) {
    if (!types.isRegExp(b) || a.source !== b.source || a.flags !== b.flags) return false;
  } else if (a instanceof Error) {
    if (a.message !== b.message || a.name !== b.name) return false;
  } else if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  } else if (types.isBoxedPrimitive(a)) {
    if (!Object.is(a.valueOf(), b.valueOf())) return false;
  }
  // Circular structures: a pair seen before is assumed equal.
  let seen = memos.get(a);
  if (seen !== undefined && seen.has(b)) return true;
  if (seen === undefined) memos.set(a, (seen = new Set()));
  seen.add(b);
  if (types.isMap(a)) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      if (!b.has(key) || !isDeepEqual(value, b.get(key), strict, memos)) return false;
    }
  } else if (types.isSet(a)) {
    if (a.size !== b.size) return false;
    for (const value of a) {
      if (!b.has(value)) {
        let found = false;
        for (const other of b) {
          if (isDeepEqual(value, other, strict, memos)) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
    }
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!isDeepEqual(a[key], b[key], strict, memos)) return false;
  }
  return true;
}

function ok(...args) {
  if (args.length === 0) {
    innerFail({ message: 'No value argument passed to `assert.ok()`', actual: undefined, expected: true, operator: '==' });
  }
  if (!args[0]) {
    innerFail({
      message: args.length > 1 ? args[1] : 'The expression evaluated to a falsy value:\n\n  assert(' +
        inspect(args[0]) + ')\n',
      actual: args[0], expected: true, operator: '==',
    });
  }
}

function assert(...args) {
  ok(...args);
}
assert.ok = ok;
assert.AssertionError = AssertionError;
assert.fail = (message = 'Failed') => innerFail({ message, operator: 'fail' });
assert.equal = (actual, expected, message) => {
  // eslint-disable-next-line eqeqeq
  if (!(actual == expected || (actual !== actual && expected !== expected))) {
    innerFail({ actual, expected, message, operator: '==' });
  }
};
assert.notEqual = (actual, expected, message) => {
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (actual !== actual && expected !== expected)) {
    innerFail({ actual, expected, message, operator: '!=' });
  }
};
assert.strictEqual = (actual, expected, message) => {
  if (!Object.is(actual, expected)) {
    innerFail({
      actual, expected, operator: 'strictEqual',
      message: message !== undefined ? message
        : `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}\n`,
    });
  }
};
assert.notStrictEqual = (actual, expected, message) => {
  if (Object.is(actual, expected)) {
    innerFail({
      actual, expected, operator: 'notStrictEqual',
      message: message !== undefined ? message
        : `Expected "actual" to be strictly unequal to: ${inspect(expected)}`,
    });
  }
};
assert.deepEqual = (actual, expected, message) => {
  if (!isDeepEqual(actual, expected, false)) {
    innerFail({
      actual, expected, operator: 'deepEqual',
      message: message !== undefined ? message
        : `Expected values to be loosely deep-equal:\n\n${inspect(actual)}\n\nshould loosely deep-equal\n\n${inspect(expected)}`,
    });
  }
};
assert.notDeepEqual = (actual, expected, message) => {
  if (isDeepEqual(actual, expected, false)) {
    innerFail({ actual, expected, message, operator: 'notDeepEqual' });
  }
};
assert.deepStrictEqual = (actual, expected, message) => {
  if (!isDeepEqual(actual, expected, true)) {
    innerFail({
      actual, expected, operator: 'deepStrictEqual',
      message: message !== undefined ? message
        : `Expected values to be strictly deep-equal:\n${inspect(actual)}\n\nshould equal\n\n${inspect(expected)}`,
    });
  }
};
assert.notDeepStrictEqual = (actual, expected, message) => {
  if (isDeepEqual(actual, expected, true)) {
    innerFail({ actual, expected, message, operator: 'notDeepStrictEqual' });
  }
};

function matchesExpected(error, expected) {
  if (expected === undefined) return true;
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof expected) return true;
    if (Error.isPrototypeOf(expected)) return false;
    return expected.call({}, error) === true;
  }
  if (types.isRegExp(expected)) return expected.test(String(error));
  if (typeof expected === 'object' && expected !== null) {
    for (const key of Object.keys(expected)) {
      const want = expected[key];
      const have = error[key];
      if (types.isRegExp(want) && typeof have === 'string' ? !want.test(have) : !isDeepEqual(have, want, true)) {
        return false;
      }
    }
    return true;
  }
  return true;
}

assert.throws = (fn, expected, message) => {
  if (typeof expected === 'string') {
    message = expected;
    expected = undefined;
  }
  let threw = false;
  let error;
  try {
    fn();
  } catch (e) {
    threw = true;
    error = e;
  }
  if (!threw) {
    innerFail({ actual: undefined, expected, operator: 'throws',
      message: message || 'Missing expected exception.' });
  }
  if (!matchesExpected(error, expected)) throw error;
};
assert.doesNotThrow = (fn, message) => {
  try {
    fn();
  } catch (e) {
    innerFail({ actual: e, operator: 'doesNotThrow',
      message: `Got unwanted exception.\nActual message: "${e && e.message}"${message ? `\n${message}` : ''}` });
  }
};
assert.rejects = async (promiseOrFn, expected, message) => {
  if (typeof expected === 'string') {
    message = expected;
    expected = undefined;
  }
  let threw = false;
  let error;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    threw = true;
    error = e;
  }
  if (!threw) {
    innerFail({ actual: undefined, expected, operator: 'rejects',
      message: message || 'Missing expected rejection.' });
  }
  if (!matchesExpected(error, expected)) throw error;
};
assert.doesNotReject = async (promiseOrFn, message) => {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    innerFail({ actual: e, operator: 'doesNotReject',
      message: `Got unwanted rejection.\nActual message: "${e && e.message}"${message ? `\n${message}` : ''}` });
  }
};
assert.match = (string, regexp, message) => {
  if (typeof string !== 'string' || !regexp.test(string)) {
    innerFail({ actual: string, expected: regexp, operator: 'match',
      message: message || `The input did not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n` });
  }
};
assert.doesNotMatch = (string, regexp, message) => {
  if (typeof string === 'string' && regexp.test(string)) {
    innerFail({ actual: string, expected: regexp, operator: 'doesNotMatch',
      message: message || `The input was expected to not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n` });
  }
};
assert.ifError = (value) => {
  if (value !== null && value !== undefined) {
    if (value instanceof Error) throw value;
    innerFail({ actual: value, expected: null, operator: 'ifError',
      message: `ifError got unwanted exception: ${inspect(value)}` });
  }
};

const strict = (...args) => ok(...args);
Object.assign(strict, assert, {
  equal: assert.strictEqual,
  notEqual: assert.notStrictEqual,
  deepEqual: assert.deepStrictEqual,
  notDeepEqual: assert.notDeepStrictEqual,
});
strict.strict = strict;
assert.strict = strict;
assert.isDeepEqual = isDeepEqual;

module.exports = assert;
