// The 'buffer' builtin: Buffer as a Uint8Array subclass, after Node's lib/buffer.js, with the
// commonly used subset (from/alloc/concat/byteLength/compare, toString and write in utf8, hex,
// base64, base64url, latin1, ascii, utf16le, slicing views, equals/compare/indexOf, read/write
// of integers and floats, toJSON, inspect).

const encoding = internalRequire('encoding');
const { inspect } = internalRequire('inspect');

const kMaxLength = 2 ** 32;
const INSPECT_MAX_BYTES = 50;

class FastBuffer extends Uint8Array {
  // eslint-disable-next-line no-useless-constructor
  constructor(bufferOrLength, byteOffset, length) {
    super(bufferOrLength, byteOffset, length);
  }
}

function typeError(code, message) {
  const error = new TypeError(message);
  error.code = code;
  return error;
}
function rangeError(code, message) {
  const error = new RangeError(message);
  error.code = code;
  return error;
}
function received(value) {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    return value.constructor && value.constructor.name
      ? ` Received an instance of ${value.constructor.name}` : ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

function normalizeEncoding(enc) {
  if (enc === undefined || enc === null || enc === 'utf8' || enc === 'utf-8') return 'utf8';
  switch (`${enc}`.toLowerCase()) {
    case 'utf8': case 'utf-8': return 'utf8';
    case 'hex': return 'hex';
    case 'base64': return 'base64';
    case 'base64url': return 'base64url';
    case 'latin1': case 'binary': return 'latin1';
    case 'ascii': return 'ascii';
    case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
    default: return undefined;
  }
}

function checkEncoding(enc) {
  const normalized = normalizeEncoding(enc);
  if (normalized === undefined) throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${enc}`);
  return normalized;
}

function allocate(size) {
  return new FastBuffer(size);
}

function fromStringBytes(string, enc) {
  switch (enc) {
    case 'utf8': {
      const buf = allocate(encoding.utf8Length(string));
      encoding.encodeUtf8Into(string, buf, 0);
      return buf;
    }
    case 'hex': {
      const bytes = encoding.decodeHex(string);
      return new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    case 'base64':
    case 'base64url': {
      const bytes = encoding.decodeBase64(string);
      return new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    case 'latin1':
    case 'ascii': {
      const buf = allocate(string.length);
      for (let i = 0; i < string.length; i++) buf[i] = string.charCodeAt(i) & 0xff;
      return buf;
    }
    case 'utf16le': {
      const buf = allocate(string.length * 2);
      for (let i = 0; i < string.length; i++) {
        const code = string.charCodeAt(i);
        buf[2 * i] = code & 0xff;
        buf[2 * i + 1] = code >> 8;
      }
      return buf;
    }
  }
  throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${enc}`);
}

function Buffer(arg, encodingOrOffset, length) {
  if (typeof arg === 'number') {
    if (typeof encodingOrOffset === 'string') {
      throw typeError('ERR_INVALID_ARG_TYPE', `The "string" argument must be of type string.${received(arg)}`);
    }
    return Buffer.alloc(arg);
  }
  return Buffer.from(arg, encodingOrOffset, length);
}

Object.defineProperty(Buffer, Symbol.species, { enumerable: false, configurable: true, get: () => FastBuffer });
FastBuffer.prototype.constructor = Buffer;
Buffer.prototype = FastBuffer.prototype;
Object.setPrototypeOf(Buffer, Uint8Array);
Buffer.poolSize = 8 * 1024;

Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === 'string') return fromStringBytes(value, checkEncoding(encodingOrOffset));
  if (typeof value === 'object' && value !== null) {
    if (value instanceof ArrayBuffer ||
        (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)) {
      const offset = encodingOrOffset === undefined ? 0 : +encodingOrOffset || 0;
      const maxLength = value.byteLength - offset;
      if (maxLength < 0) throw rangeError('ERR_BUFFER_OUT_OF_BOUNDS', '"offset" is outside of buffer bounds');
      const len = length === undefined ? maxLength : +length || 0;
      if (len > maxLength) throw rangeError('ERR_BUFFER_OUT_OF_BOUNDS', '"length" is outside of buffer bounds');
      return new FastBuffer(value, offset, len);
    }
    const valueOf = value.valueOf && value.valueOf();
    if (valueOf != null && valueOf !== value &&
        (typeof valueOf === 'string' || typeof valueOf === 'object')) {
      return Buffer.from(valueOf, encodingOrOffset, length);
    }
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      const buf = allocate(value instanceof Uint8Array ? bytes.length : value.length);
      if (value instanceof Uint8Array) buf.set(bytes);
      else for (let i = 0; i < value.length; i++) buf[i] = value[i];
      return buf;
    }
    if (typeof value.length === 'number' || Array.isArray(value)) {
      const buf = allocate(value.length >>> 0);
      for (let i = 0; i < buf.length; i++) buf[i] = value[i];
      return buf;
    }
    if (value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data);
    if (typeof value[Symbol.toPrimitive] === 'function') {
      const primitive = value[Symbol.toPrimitive]('string');
      if (typeof primitive === 'string') return fromStringBytes(primitive, checkEncoding(encodingOrOffset));
    }
  }
  throw typeError('ERR_INVALID_ARG_TYPE', 'The first argument must be of type string or an ' +
    'instance of Buffer, ArrayBuffer, or Array or an Array-like Object.' + received(value));
};

Buffer.of = (...items) => Buffer.from(items);

function validateSize(size) {
  if (typeof size !== 'number') {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "size" argument must be of type number.${received(size)}`);
  }
  if (!(size >= 0 && size <= kMaxLength)) {
    throw rangeError('ERR_OUT_OF_RANGE',
      `The value of "size" is out of range. It must be >= 0 && <= ${kMaxLength}. Received ${size}`);
  }
}

Buffer.alloc = function alloc(size, fill, enc) {
  validateSize(size);
  const buf = allocate(size);
  if (fill !== undefined && fill !== 0 && size > 0) buf.fill(fill, 0, size, enc);
  return buf;
};
Buffer.allocUnsafe = function allocUnsafe(size) {
  validateSize(size);
  return allocate(size);
};
Buffer.allocUnsafeSlow = Buffer.allocUnsafe;

Buffer.isBuffer = function isBuffer(b) {
  return b instanceof Buffer;
};

Buffer.isEncoding = function isEncoding(enc) {
  return typeof enc === 'string' && enc.length !== 0 && normalizeEncoding(enc) !== undefined;
};

Buffer.byteLength = function byteLength(string, enc) {
  if (typeof string !== 'string') {
    if (ArrayBuffer.isView(string) || string instanceof ArrayBuffer) return string.byteLength;
    throw typeError('ERR_INVALID_ARG_TYPE', 'The "string" argument must be of type string or an ' +
      `instance of Buffer or ArrayBuffer.${received(string)}`);
  }
  switch (normalizeEncoding(enc)) {
    case 'latin1': case 'ascii': return string.length;
    case 'utf16le': return string.length * 2;
    case 'hex': return string.length >>> 1;
    case 'base64': case 'base64url': {
      let n = string.length;
      if (n > 0 && string.charCodeAt(n - 1) === 61) n--;
      if (n > 1 && string.charCodeAt(n - 1) === 61) n--;
      return (n * 3) >>> 2;
    }
    default: return encoding.utf8Length(string);
  }
};

Buffer.compare = function compare(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', 'The "buf1" and "buf2" arguments must be one of type Buffer or Uint8Array.');
  }
  return compareBytes(a, 0, a.length, b, 0, b.length);
};

Buffer.concat = function concat(list, length) {
  if (!Array.isArray(list)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "list" argument must be an instance of Array.${received(list)}`);
  }
  if (list.length === 0) return allocate(0);
  if (length === undefined) {
    length = 0;
    for (let i = 0; i < list.length; i++) {
      if (!(list[i] instanceof Uint8Array)) {
        throw typeError('ERR_INVALID_ARG_TYPE', `The "list[${i}]" argument must be an instance of Buffer or Uint8Array.${received(list[i])}`);
      }
      length += list[i].length;
    }
  }
  const buffer = allocate(length);
  let pos = 0;
  for (let i = 0; i < list.length && pos < length; i++) {
    const item = list[i];
    const chunk = item.length > length - pos ? item.subarray(0, length - pos) : item;
    buffer.set(chunk, pos);
    pos += chunk.length;
  }
  return buffer;
};

function compareBytes(a, aStart, aEnd, b, bStart, bEnd) {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const x = a[aStart + i];
    const y = b[bStart + i];
    if (x !== y) return x < y ? -1 : 1;
  }
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

const proto = Buffer.prototype;

function clampIndex(value, length, fallback) {
  if (value === undefined) return fallback;
  value = Math.trunc(+value) || 0;
  if (value < 0) return 0;
  return value > length ? length : value;
}

proto.toString = function toString(enc, start, end) {
  if (arguments.length === 0) return encoding.decodeUtf8(this, 0, this.length);
  const length = this.length;
  start = clampIndex(start, length, 0);
  end = clampIndex(end, length, length);
  if (end <= start) return '';
  switch (checkEncoding(enc)) {
    case 'utf8': return encoding.decodeUtf8(this, start, end);
    case 'hex': return encoding.encodeHex(this, start, end);
    case 'base64': return encoding.encodeBase64(this, start, end, false);
    case 'base64url': return encoding.encodeBase64(this, start, end, true);
    case 'latin1': return encoding.decodeLatin1(this, start, end);
    case 'ascii': return encoding.decodeAscii(this, start, end);
    case 'utf16le': return encoding.decodeUtf16le(this, start, end);
  }
  return '';
};
proto.toLocaleString = proto.toString;

proto.equals = function equals(other) {
  if (!(other instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "otherBuffer" argument must be an instance of Buffer or Uint8Array.${received(other)}`);
  }
  if (this === other) return true;
  if (this.byteLength !== other.byteLength) return false;
  return compareBytes(this, 0, this.length, other, 0, other.length) === 0;
};

proto.compare = function compare(target, targetStart = 0, targetEnd = target.length,
  sourceStart = 0, sourceEnd = this.length) {
  if (!(target instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "target" argument must be an instance of Buffer or Uint8Array.${received(target)}`);
  }
  return compareBytes(this, sourceStart, sourceEnd, target, targetStart, targetEnd);
};

// Node's slice returns a view, not a copy (unlike Uint8Array.prototype.slice).
proto.slice = function slice(start, end) {
  const length = this.length;
  start = start === undefined ? 0 : Math.trunc(+start) || 0;
  end = end === undefined ? length : Math.trunc(+end) || 0;
  if (start < 0) start = Math.max(length + start, 0);
  else if (start > length) start = length;
  if (end < 0) end = Math.max(length + end, 0);
  else if (end > length) end = length;
  if (end < start) end = start;
  return new FastBuffer(this.buffer, this.byteOffset + start, end - start);
};

proto.toJSON = function toJSON() {
  return { type: 'Buffer', data: Array.from(this) };
};

proto.copy = function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
  targetStart = Math.max(0, Math.trunc(targetStart) || 0);
  sourceStart = Math.max(0, Math.trunc(sourceStart) || 0);
  sourceEnd = Math.min(this.length, Math.trunc(sourceEnd));
  if (sourceEnd <= sourceStart || targetStart >= target.length) return 0;
  const count = Math.min(sourceEnd - sourceStart, target.length - targetStart);
  target.set(this.subarray(sourceStart, sourceStart + count), targetStart);
  return count;
};

proto.write = function write(string, offset, length, enc) {
  if (typeof offset === 'string') {
    enc = offset;
    offset = 0;
    length = this.length;
  } else if (typeof length === 'string') {
    enc = length;
    length = this.length - (offset || 0);
  }
  offset = offset === undefined ? 0 : offset >>> 0;
  const remaining = this.length - offset;
  length = length === undefined || length > remaining ? remaining : length >>> 0;
  const bytes = fromStringBytes(`${string}`, checkEncoding(enc));
  let count = Math.min(bytes.length, length);
  if (checkEncoding(enc) === 'utf8' && count < bytes.length) {
    while (count > 0 && (bytes[count] & 0xc0) === 0x80) count--;  // no partial characters
  }
  this.set(bytes.subarray(0, count), offset);
  return count;
};

const uint8Fill = Uint8Array.prototype.fill;
proto.fill = function fill(value, offset, end, enc) {
  if (typeof offset === 'string') {
    enc = offset;
    offset = 0;
    end = this.length;
  } else if (typeof end === 'string') {
    enc = end;
    end = this.length;
  }
  offset = offset === undefined ? 0 : offset >>> 0;
  end = end === undefined ? this.length : Math.min(end >>> 0, this.length);
  if (offset >= end) return this;
  if (typeof value === 'number' || typeof value === 'boolean') {
    uint8Fill.call(this, value & 255, offset, end);
    return this;
  }
  const bytes = typeof value === 'string' ? fromStringBytes(value, checkEncoding(enc))
    : value instanceof Uint8Array ? value : Buffer.from(value);
  if (bytes.length === 0) {
    if (typeof value === 'string' && value.length === 0) {
      uint8Fill.call(this, 0, offset, end);
      return this;
    }
    throw rangeError('ERR_INVALID_ARG_VALUE', `The argument 'value' is invalid. Received ${inspect(value)}`);
  }
  for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
  return this;
};

function toNeedle(value, enc) {
  if (typeof value === 'number') return [value & 255];
  if (typeof value === 'string') return fromStringBytes(value, checkEncoding(enc));
  if (value instanceof Uint8Array) return value;
  throw typeError('ERR_INVALID_ARG_TYPE', `The "value" argument must be one of type number or string or an instance of Buffer or Uint8Array.${received(value)}`);
}

proto.indexOf = function indexOf(value, byteOffset = 0, enc) {
  if (typeof byteOffset === 'string') {
    enc = byteOffset;
    byteOffset = 0;
  }
  const needle = toNeedle(value, enc);
  let start = Math.trunc(+byteOffset) || 0;
  if (start < 0) start = Math.max(0, this.length + start);
  if (needle.length === 0) return start <= this.length ? start : this.length;
  outer: for (let i = start; i <= this.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
};
proto.lastIndexOf = function lastIndexOf(value, byteOffset = this.length, enc) {
  if (typeof byteOffset === 'string') {
    enc = byteOffset;
    byteOffset = this.length;
  }
  const needle = toNeedle(value, enc);
  let start = Math.trunc(+byteOffset);
  if (Number.isNaN(start)) start = this.length;
  if (start < 0) start = this.length + start;
  outer: for (let i = Math.min(start, this.length - needle.length); i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
};
proto.includes = function includes(value, byteOffset, enc) {
  return this.indexOf(value, byteOffset, enc) !== -1;
};

proto.swap16 = function swap16() {
  if (this.length % 2 !== 0) throw rangeError('ERR_INVALID_BUFFER_SIZE', 'Buffer size must be a multiple of 16-bits');
  for (let i = 0; i < this.length; i += 2) [this[i], this[i + 1]] = [this[i + 1], this[i]];
  return this;
};
proto.swap32 = function swap32() {
  if (this.length % 4 !== 0) throw rangeError('ERR_INVALID_BUFFER_SIZE', 'Buffer size must be a multiple of 32-bits');
  for (let i = 0; i < this.length; i += 4) {
    [this[i], this[i + 1], this[i + 2], this[i + 3]] = [this[i + 3], this[i + 2], this[i + 1], this[i]];
  }
  return this;
};

// ---- numbers, through a DataView over the same bytes ----
function view(buf) {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
function checkOffset(buf, offset, size) {
  if (offset === undefined) offset = 0;
  if (typeof offset !== 'number') {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "offset" argument must be of type number.${received(offset)}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + size > buf.length) {
    throw rangeError('ERR_OUT_OF_RANGE', `The value of "offset" is out of range. It must be >= 0 and <= ${
      buf.length - size}. Received ${offset}`);
  }
  return offset;
}
const numberAccessors = [
  ['UInt8', 'Uint8', 1], ['Int8', 'Int8', 1],
  ['UInt16', 'Uint16', 2], ['Int16', 'Int16', 2],
  ['UInt32', 'Uint32', 4], ['Int32', 'Int32', 4],
  ['Float', 'Float32', 4], ['Double', 'Float64', 8],
  ['BigUInt64', 'BigUint64', 8], ['BigInt64', 'BigInt64', 8],
];
for (const [name, dataViewName, size] of numberAccessors) {
  const get = DataView.prototype[`get${dataViewName}`];
  const set = DataView.prototype[`set${dataViewName}`];
  const suffixes = size === 1 ? [''] : ['LE', 'BE'];
  for (const suffix of suffixes) {
    const little = suffix === 'LE';
    proto[`read${name}${suffix}`] = function (offset) {
      offset = checkOffset(this, offset, size);
      return get.call(view(this), offset, little);
    };
    proto[`write${name}${suffix}`] = function (value, offset) {
      offset = checkOffset(this, offset, size);
      set.call(view(this), offset, value, little);
      return offset + size;
    };
    if (name.includes('UInt')) {
      const alias = name.replace('UInt', 'Uint');
      proto[`read${alias}${suffix}`] = proto[`read${name}${suffix}`];
      proto[`write${alias}${suffix}`] = proto[`write${name}${suffix}`];
    }
  }
}

proto[inspect.custom] = function bufferInspect(recurseTimes, ctx) {
  const max = INSPECT_MAX_BYTES;
  const actualMax = Math.min(max, this.length);
  const remaining = this.length - max;
  let str = encoding.encodeHex(this, 0, actualMax).replace(/(.{2})/g, '$1 ').trim();
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return `<${this.constructor.name} ${str}>`;
};

exports.Buffer = Buffer;
exports.INSPECT_MAX_BYTES = INSPECT_MAX_BYTES;
exports.kMaxLength = kMaxLength;
exports.constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 };
exports.SlowBuffer = Buffer.allocUnsafeSlow;
exports.atob = encoding.atob;
exports.btoa = encoding.btoa;
