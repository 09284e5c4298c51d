// Byte <-> text conversions shared by Buffer, TextEncoder/TextDecoder, atob/btoa and URL:
// UTF-8 through natives (V8's own encoder and decoder), the rest in JavaScript.

// V8 keeps typed arrays of up to 64 bytes on its heap; natives cannot write into those.
const kNativeThreshold = 64;

function utf8Length(str) {
  return native.utf8Length(str);
}

// Encodes into `bytes` at `offset`; returns the number of bytes written. `bytes` must have room.
function encodeUtf8Into(str, bytes, offset = 0) {
  if (bytes.length - offset > kNativeThreshold) {
    const written = native.encodeUtf8Into(str, bytes, offset);
    if (written >= 0) return written;
  }
  let pos = offset;
  const end = bytes.length;
  for (let i = 0; i < str.length; i++) {
    let code = str.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < str.length) {
      const next = str.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        code = 0xfffd;
      }
    } else if (code >= 0xd800 && code <= 0xdfff) {
      code = 0xfffd;
    }
    if (code < 0x80) {
      if (pos + 1 > end) break;
      bytes[pos++] = code;
    } else if (code < 0x800) {
      if (pos + 2 > end) break;
      bytes[pos++] = 0xc0 | (code >> 6);
      bytes[pos++] = 0x80 | (code & 0x3f);
    } else if (code < 0x10000) {
      if (pos + 3 > end) break;
      bytes[pos++] = 0xe0 | (code >> 12);
      bytes[pos++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[pos++] = 0x80 | (code & 0x3f);
    } else {
      if (pos + 4 > end) break;
      bytes[pos++] = 0xf0 | (code >> 18);
      bytes[pos++] = 0x80 | ((code >> 12) & 0x3f);
      bytes[pos++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[pos++] = 0x80 | (code & 0x3f);
    }
  }
  return pos - offset;
}

function encodeUtf8(str) {
  const bytes = new Uint8Array(utf8Length(str));
  encodeUtf8Into(str, bytes, 0);
  return bytes;
}

function decodeUtf8(bytes, start = 0, end = bytes.length) {
  return native.decodeUtf8(bytes, start, end);
}

function decodeLatin1(bytes, start = 0, end = bytes.length) {
  let out = '';
  for (let i = start; i < end; i += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(i + 4096, end)));
  }
  return out;
}

function decodeAscii(bytes, start = 0, end = bytes.length) {
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i] & 0x7f);
  return out;
}

function decodeUtf16le(bytes, start = 0, end = bytes.length) {
  let out = '';
  for (let i = start; i + 1 < end; i += 2) out += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
  return out;
}

const hexDigits = '0123456789abcdef';
const hexTable = [];
for (let i = 0; i < 256; i++) hexTable.push(hexDigits[i >> 4] + hexDigits[i & 15]);

function encodeHex(bytes, start = 0, end = bytes.length) {
  let out = '';
  for (let i = start; i < end; i++) out += hexTable[bytes[i]];
  return out;
}

function hexValue(code) {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

// As Node: stops at the first invalid pair.
function decodeHex(str) {
  const length = str.length >>> 1;
  const bytes = new Uint8Array(length);
  let i = 0;
  for (; i < length; i++) {
    const high = hexValue(str.charCodeAt(2 * i));
    const low = hexValue(str.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) break;
    bytes[i] = (high << 4) | low;
  }
  return i === length ? bytes : bytes.subarray(0, i);
}

const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64UrlChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64Lookup = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  base64Lookup[base64Chars.charCodeAt(i)] = i;
  base64Lookup[base64UrlChars.charCodeAt(i)] = i;
}

function encodeBase64(bytes, start = 0, end = bytes.length, url = false) {
  const chars = url ? base64UrlChars : base64Chars;
  let out = '';
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += chars[n >> 18] + chars[(n >> 12) & 63] + chars[(n >> 6) & 63] + chars[n & 63];
  }
  const rest = end - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += chars[n >> 18] + chars[(n >> 12) & 63] + (url ? '' : '==');
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += chars[n >> 18] + chars[(n >> 12) & 63] + chars[(n >> 6) & 63] + (url ? '' : '=');
  }
  return out;
}

// Lenient like Node: accepts both alphabets, skips whitespace and junk, stops at '='.
function decodeBase64(str) {
  const bytes = new Uint8Array(Math.ceil(str.length * 3 / 4));
  let acc = 0;
  let bits = 0;
  let pos = 0;
  for (let i = 0; i < str.length; i++) {
    const code = str.charCodeAt(i);
    if (code === 61) break;  // '='
    const value = code < 256 ? base64Lookup[code] : -1;
    if (value < 0) continue;
    acc = (acc << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[pos++] = (acc >> bits) & 0xff;
    }
  }
  return pos === bytes.length ? bytes : bytes.subarray(0, pos);
}

function invalidCharacterError(message) {
  const error = new Error(message);
  error.name = 'InvalidCharacterError';
  error.code = 5;
  return error;
}

function btoa(input) {
  if (arguments.length === 0) {
    const error = new TypeError('The "input" argument must be specified');
    error.code = 'ERR_MISSING_ARGS';
    throw error;
  }
  input = `${input}`;
  const bytes = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code > 0xff) throw invalidCharacterError('Invalid character');
    bytes[i] = code;
  }
  return encodeBase64(bytes);
}

function atob(input) {
  if (arguments.length === 0) {
    const error = new TypeError('The "input" argument must be specified');
    error.code = 'ERR_MISSING_ARGS';
    throw error;
  }
  input = `${input}`.replace(/[\t\n\f\r ]/g, '');
  if (input.length % 4 === 0) input = input.replace(/==?$/, '');
  if (input.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(input)) {
    throw invalidCharacterError('The string to be decoded is not correctly encoded.');
  }
  return decodeLatin1(decodeBase64(input));
}

// ---- TextEncoder / TextDecoder (WHATWG Encoding: utf-8, utf-16le, latin1) ----
class TextEncoder {
  get encoding() {
    return 'utf-8';
  }
  encode(input = '') {
    return encodeUtf8(`${input}`);
  }
  encodeInto(src, dest) {
    src = `${src}`;
    let read = 0;
    let written = 0;
    for (let i = 0; i < src.length; i++) {
      const code = src.charCodeAt(i);
      const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < src.length &&
        src.charCodeAt(i + 1) >= 0xdc00 && src.charCodeAt(i + 1) <= 0xdfff;
      const chunk = pair ? src.slice(i, i + 2) : src[i];
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
      if (written + size > dest.length) break;
      encodeUtf8Into(chunk, dest.subarray(written, written + size), 0);
      written += size;
      read += pair ? 2 : 1;
      if (pair) i++;
    }
    return { read, written };
  }
}

const encodingLabels = {
  __proto__: null,
  'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
  'utf-16le': 'utf-16le', 'utf-16': 'utf-16le',
  latin1: 'windows-1252', 'iso-8859-1': 'windows-1252', 'windows-1252': 'windows-1252',
  ascii: 'windows-1252', 'us-ascii': 'windows-1252',
};

function toBytes(input) {
  if (input === undefined) return new Uint8Array(0);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && input instanceof SharedArrayBuffer)) {
    return new Uint8Array(input);
  }
  const error = new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView.');
  error.code = 'ERR_INVALID_ARG_TYPE';
  throw error;
}

// Length of the incomplete UTF-8 sequence at the end of `bytes` (kept for the next chunk).
function incompleteUtf8Tail(bytes) {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back];
    if ((byte & 0xc0) === 0x80) continue;  // continuation byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

function isValidUtf8(bytes) {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte < 0x80) {
      i++;
      continue;
    }
    let needed;
    let min;
    if (byte >= 0xc2 && byte <= 0xdf) {
      needed = 1;
      min = 0x80;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      needed = 2;
      min = 0x800;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      needed = 3;
      min = 0x10000;
    } else {
      return false;
    }
    let code = byte & (0x3f >> needed);
    for (let k = 1; k <= needed; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += needed + 1;
  }
  return true;
}

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #pending = null;
  #bomSeen = false;

  constructor(label = 'utf-8', options = {}) {
    const encoding = encodingLabels[`${label}`.trim().toLowerCase()];
    if (encoding === undefined) {
      const error = new RangeError(`The "${label}" encoding is not supported`);
      error.code = 'ERR_ENCODING_NOT_SUPPORTED';
      throw error;
    }
    this.#encoding = encoding;
    this.#fatal = !!(options && options.fatal);
    this.#ignoreBOM = !!(options && options.ignoreBOM);
  }
  get encoding() {
    return this.#encoding;
  }
  get fatal() {
    return this.#fatal;
  }
  get ignoreBOM() {
    return this.#ignoreBOM;
  }
  decode(input, options = {}) {
    let bytes = toBytes(input);
    const stream = !!(options && options.stream);
    if (this.#pending !== null) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending, 0);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    let text;
    if (this.#encoding === 'utf-8') {
      let end = bytes.length;
      if (stream) {
        const tail = incompleteUtf8Tail(bytes);
        if (tail > 0) {
          this.#pending = bytes.slice(end - tail);
          end -= tail;
        }
      }
      const chunk = bytes.subarray(0, end);
      if (this.#fatal && !isValidUtf8(chunk)) {
        const error = new TypeError('The encoded data was not valid for encoding utf-8');
        error.code = 'ERR_ENCODING_INVALID_ENCODED_DATA';
        throw error;
      }
      text = decodeUtf8(chunk, 0, chunk.length);
    } else if (this.#encoding === 'utf-16le') {
      let end = bytes.length;
      if (stream && end % 2 === 1) {
        this.#pending = bytes.slice(end - 1);
        end -= 1;
      }
      text = decodeUtf16le(bytes, 0, end);
    } else {
      text = decodeLatin1(bytes, 0, bytes.length);
    }
    if (!this.#ignoreBOM && !this.#bomSeen && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#bomSeen = true;
    }
    if (!stream) this.#bomSeen = false;
    return text;
  }
}

Object.assign(exports, {
  utf8Length, encodeUtf8Into, encodeUtf8, decodeUtf8, decodeLatin1, decodeAscii, decodeUtf16le,
  encodeHex, decodeHex, encodeBase64, decodeBase64, atob, btoa, TextEncoder, TextDecoder,
});
