// The 'querystring' builtin (legacy form encoding), after Node's lib/querystring.js.

function qsEscape(str) {
  if (typeof str !== 'string') {
    if (typeof str === 'object') str = String(str);
    else str += '';
  }
  return encodeURIComponent(str).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function qsUnescape(str) {
  try {
    return decodeURIComponent(str);
  } catch {
    return str.replace(/%([0-9a-fA-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
  }
}

function stringifyPrimitive(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return '' + v;
  if (typeof v === 'bigint') return '' + v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return '';
}

function stringify(obj, sep = '&', eq = '=', options = {}) {
  const encode = options.encodeURIComponent || exports.escape;
  if (obj === null || typeof obj !== 'object') return '';
  const fields = [];
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const ks = encode(stringifyPrimitive(key)) + eq;
    if (Array.isArray(value)) {
      for (const item of value) fields.push(ks + encode(stringifyPrimitive(item)));
    } else {
      fields.push(ks + encode(stringifyPrimitive(value)));
    }
  }
  return fields.join(sep);
}

function parse(qs, sep = '&', eq = '=', options = {}) {
  const obj = { __proto__: null };
  if (typeof qs !== 'string' || qs.length === 0) return obj;
  const decode = options.decodeURIComponent || exports.unescape;
  let maxKeys = typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
  const parts = qs.split(sep);
  if (maxKeys > 0 && parts.length > maxKeys) parts.length = maxKeys;
  for (const part of parts) {
    if (part.length === 0) continue;
    const idx = part.indexOf(eq);
    const rawKey = idx >= 0 ? part.slice(0, idx) : part;
    const rawValue = idx >= 0 ? part.slice(idx + eq.length) : '';
    const key = decode(rawKey.replace(/\+/g, ' '));
    const value = decode(rawValue.replace(/\+/g, ' '));
    if (key in obj) {
      if (Array.isArray(obj[key])) obj[key].push(value);
      else obj[key] = [obj[key], value];
    } else {
      obj[key] = value;
    }
  }
  maxKeys = 0;
  return obj;
}

exports.stringify = stringify;
exports.encode = stringify;
exports.parse = parse;
exports.decode = parse;
exports.escape = qsEscape;
exports.unescape = qsUnescape;
exports.unescapeBuffer = (s) => internalRequire('buffer').Buffer.from(qsUnescape(s));
