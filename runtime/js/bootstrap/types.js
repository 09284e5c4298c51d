// Type checks for util.types and util.inspect: brand checks through built-in methods, so a
// forged Symbol.toStringTag does not fool them.

const ObjectPrototypeToString = Object.prototype.toString;
const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const propertyIsEnumerable = (object, key) => Object.prototype.propertyIsEnumerable.call(object, key);
function getter(proto, name) {
  return Object.getOwnPropertyDescriptor(proto, name).get;
}
function brand(fn) {
  return (value) => {
    try {
      fn.call(value);
      return true;
    } catch {
      return false;
    }
  };
}
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = getter(TypedArrayPrototype, Symbol.toStringTag);
const isTypedArray = (value) => typedArrayTag.call(value) !== undefined;
const isUint8Array = (value) => typedArrayTag.call(value) === 'Uint8Array';
const isMap = brand(getter(Map.prototype, 'size'));
const isSet = brand(getter(Set.prototype, 'size'));
const isDate = brand(Date.prototype.getTime);
const isRegExp = (value) => {
  try {
    getter(RegExp.prototype, 'source').call(value);
    return value !== RegExp.prototype;
  } catch {
    return false;
  }
};
const isArrayBuffer = brand(getter(ArrayBuffer.prototype, 'byteLength'));
const isSharedArrayBuffer = typeof SharedArrayBuffer === 'function'
  ? brand(getter(SharedArrayBuffer.prototype, 'byteLength')) : () => false;
const isAnyArrayBuffer = (value) => isArrayBuffer(value) || isSharedArrayBuffer(value);
const isDataView = brand(getter(DataView.prototype, 'byteLength'));
const isWeakMap = (value) => {
  try {
    WeakMap.prototype.has.call(value, {});
    return true;
  } catch {
    return false;
  }
};
const isWeakSet = (value) => {
  try {
    WeakSet.prototype.has.call(value, {});
    return true;
  } catch {
    return false;
  }
};
const isPromise = (value) => native.promiseState(value) !== undefined;
const isNativeError = (value) => native.isNativeError(value);
const isError = (value) => isNativeError(value) || value instanceof Error;
const isNumberObject = (value) => typeof value === 'object' && brand(Number.prototype.valueOf)(value);
const isStringObject = (value) => typeof value === 'object' && brand(String.prototype.valueOf)(value);
const isBooleanObject = (value) => typeof value === 'object' && brand(Boolean.prototype.valueOf)(value);
const isBigIntObject = (value) => typeof value === 'object' && brand(BigInt.prototype.valueOf)(value);
const isSymbolObject = (value) => typeof value === 'object' && brand(Symbol.prototype.valueOf)(value);
const isBoxedPrimitive = (value) => isNumberObject(value) || isStringObject(value) ||
  isBooleanObject(value) || isBigIntObject(value) || isSymbolObject(value);
const tagOf = (value) => ObjectPrototypeToString.call(value);
const isAsyncFunction = (value) => typeof value === 'function' &&
  (tagOf(value) === '[object AsyncFunction]' || tagOf(value) === '[object AsyncGeneratorFunction]');
const isGeneratorFunction = (value) => typeof value === 'function' &&
  (tagOf(value) === '[object GeneratorFunction]' || tagOf(value) === '[object AsyncGeneratorFunction]');
const isArgumentsObject = (value) => tagOf(value) === '[object Arguments]';
const isMapIterator = (value) => tagOf(value) === '[object Map Iterator]';
const isSetIterator = (value) => tagOf(value) === '[object Set Iterator]';

const publicTypes = {
  isAnyArrayBuffer, isArrayBuffer, isSharedArrayBuffer, isArgumentsObject, isAsyncFunction,
  isBigIntObject, isBooleanObject, isBoxedPrimitive, isDataView, isDate, isGeneratorFunction,
  isMap, isMapIterator, isNativeError, isNumberObject, isPromise, isRegExp, isSet, isSetIterator,
  isStringObject, isSymbolObject, isTypedArray, isUint8Array, isWeakMap, isWeakSet,
  isProxy: (value) => native.isProxy(value),
  isUint16Array: (value) => typedArrayTag.call(value) === 'Uint16Array',
  isUint32Array: (value) => typedArrayTag.call(value) === 'Uint32Array',
  isInt8Array: (value) => typedArrayTag.call(value) === 'Int8Array',
  isInt16Array: (value) => typedArrayTag.call(value) === 'Int16Array',
  isInt32Array: (value) => typedArrayTag.call(value) === 'Int32Array',
  isFloat32Array: (value) => typedArrayTag.call(value) === 'Float32Array',
  isFloat64Array: (value) => typedArrayTag.call(value) === 'Float64Array',
  isUint8ClampedArray: (value) => typedArrayTag.call(value) === 'Uint8ClampedArray',
  isBigInt64Array: (value) => typedArrayTag.call(value) === 'BigInt64Array',
  isBigUint64Array: (value) => typedArrayTag.call(value) === 'BigUint64Array',
  isArrayBufferView: (value) => ArrayBuffer.isView(value),
};

// util.types gets the public checks; util.inspect also the helpers.
exports.types = publicTypes;
Object.assign(exports, publicTypes, { hasOwn, propertyIsEnumerable, getter, typedArrayTag, isError, tagOf });
