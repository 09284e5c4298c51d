// URL and URLSearchParams: a WHATWG URL parser for the common cases (special and opaque
// schemes, relative resolution, userinfo, IPv4/IPv6 hosts, default ports, dot segments,
// percent-encoding sets). Not implemented: IDNA (non-ASCII host names are kept, lower-cased,
// not punycoded). The 'url' builtin (url.js) adds the legacy API.

const encoding = internalRequire('encoding');
const { inspect } = internalRequire('inspect');

const specialPorts = { __proto__: null, 'ftp:': '21', 'file:': '', 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };
const isSpecial = (scheme) => scheme in specialPorts;

// ---- percent-encoding ----
const C0 = (c) => c < 0x20 || c > 0x7e;
const FRAGMENT = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
const QUERY = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
const SPECIAL_QUERY = (c) => QUERY(c) || c === 0x27;
const PATH = (c) => QUERY(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
const USERINFO = (c) => PATH(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d ||
  c === 0x40 || (c >= 0x5b && c <= 0x5e) || c === 0x7c;

const hex = '0123456789ABCDEF';
function percentByte(byte) {
  return '%' + hex[byte >> 4] + hex[byte & 15];
}

function percentEncode(str, inSet) {
  let out = '';
  let last = 0;
  for (let i = 0; i < str.length; i++) {
    const code = str.charCodeAt(i);
    if (code < 0x80 && !inSet(code)) continue;
    out += str.slice(last, i);
    if (code < 0x80) {
      out += percentByte(code);
    } else {
      let end = i + 1;
      if (code >= 0xd800 && code <= 0xdbff && end < str.length) {
        const next = str.charCodeAt(end);
        if (next >= 0xdc00 && next <= 0xdfff) end++;
      }
      const bytes = encoding.encodeUtf8(str.slice(i, end));
      for (const byte of bytes) out += percentByte(byte);
      i = end - 1;
    }
    last = i + 1;
  }
  return last === 0 ? str : out + str.slice(last);
}

function hexValue(code) {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

// Percent-decodes to bytes and reads them as UTF-8 (invalid sequences become U+FFFD).
function percentDecode(str) {
  if (!str.includes('%')) return str;
  const bytes = [];
  for (let i = 0; i < str.length; i++) {
    const code = str.charCodeAt(i);
    if (code === 37 && i + 2 < str.length + 0 && hexValue(str.charCodeAt(i + 1)) >= 0 &&
        hexValue(str.charCodeAt(i + 2)) >= 0) {
      bytes.push((hexValue(str.charCodeAt(i + 1)) << 4) | hexValue(str.charCodeAt(i + 2)));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      let end = i + 1;
      if (code >= 0xd800 && code <= 0xdbff && end < str.length) end++;
      for (const byte of encoding.encodeUtf8(str.slice(i, end))) bytes.push(byte);
      i = end - 1;
    }
  }
  return encoding.decodeUtf8(new Uint8Array(bytes));
}

// ---- hosts ----
function invalidUrl(input) {
  const error = new TypeError('Invalid URL');
  error.code = 'ERR_INVALID_URL';
  error.input = input;
  return error;
}

function parseIPv4Number(part) {
  if (part === '') return NaN;
  let radix = 10;
  if (part.length > 1 && (part.startsWith('0x') || part.startsWith('0X'))) {
    part = part.slice(2);
    radix = 16;
  } else if (part.length > 1 && part[0] === '0') {
    part = part.slice(1);
    radix = 8;
  }
  if (part === '') return 0;
  const valid = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
  if (!valid.test(part)) return NaN;
  return parseInt(part, radix);
}

// An IPv4 host in any of the forms browsers accept ("127.1", "0x7f.0.0.1"), else undefined.
function parseIPv4(host) {
  const parts = host.split('.');
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  const last = parts[parts.length - 1];
  if (!/^(?:[0-9]+|0[xX][0-9a-fA-F]*)$/.test(last)) return undefined;
  if (parts.length > 4) return null;
  const numbers = parts.map(parseIPv4Number);
  if (numbers.some((n) => Number.isNaN(n))) return null;
  for (let i = 0; i < numbers.length - 1; i++) if (numbers[i] > 255) return null;
  if (numbers[numbers.length - 1] >= 256 ** (5 - numbers.length)) return null;
  let ipv4 = numbers[numbers.length - 1];
  for (let i = 0; i < numbers.length - 1; i++) ipv4 += numbers[i] * 256 ** (3 - i);
  const out = [];
  for (let i = 0; i < 4; i++) {
    out.unshift(String(ipv4 % 256));
    ipv4 = Math.floor(ipv4 / 256);
  }
  return out.join('.');
}

function parseHost(input, special, original) {
  if (input.startsWith('[')) {
    if (!input.endsWith(']') || !/^\[[0-9a-fA-F:.]+\]$/.test(input)) throw invalidUrl(original);
    return input.toLowerCase();
  }
  if (!special) {
    if (/[\x00\t\n\r #/<>?@[\\\]^|]/.test(input)) throw invalidUrl(original);
    return percentEncode(input, C0);
  }
  const domain = percentDecode(input).toLowerCase();
  if (domain === '' || /[\x00-\x20#%/:<>?@[\\\]^|\x7f]/.test(domain)) throw invalidUrl(original);
  const ipv4 = parseIPv4(domain);
  if (ipv4 === null) throw invalidUrl(original);
  return ipv4 === undefined ? domain : ipv4;
}

// ---- the record: { scheme, username, password, host, port, path, opaque, query, fragment } ----
function shortenPath(record) {
  if (record.scheme === 'file:' && record.path.length === 1 && /^[A-Za-z]:$/.test(record.path[0])) return;
  record.path.pop();
}

function parsePath(record, input, special) {
  const segments = input.split(special ? /[/\\]/ : '/');
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i];
    const lower = raw.toLowerCase();
    const isLast = i === segments.length - 1;
    if (raw === '..' || lower === '.%2e' || lower === '%2e.' || lower === '%2e%2e') {
      shortenPath(record);
      if (isLast) record.path.push('');
    } else if (raw === '.' || lower === '%2e') {
      if (isLast) record.path.push('');
    } else {
      record.path.push(percentEncode(raw, PATH));
    }
  }
}

function splitQueryFragment(rest) {
  let fragment = null;
  let query = null;
  const hashIndex = rest.indexOf('#');
  if (hashIndex !== -1) {
    fragment = rest.slice(hashIndex + 1);
    rest = rest.slice(0, hashIndex);
  }
  const queryIndex = rest.indexOf('?');
  if (queryIndex !== -1) {
    query = rest.slice(queryIndex + 1);
    rest = rest.slice(0, queryIndex);
  }
  return [rest, query, fragment];
}

function setQueryFragment(record, query, fragment) {
  record.query = query === null ? null : percentEncode(query, isSpecial(record.scheme) ? SPECIAL_QUERY : QUERY);
  record.fragment = fragment === null ? null : percentEncode(fragment, FRAGMENT);
}

function parseAuthority(record, authority, original) {
  const special = isSpecial(record.scheme);
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    record.username = percentEncode(colon === -1 ? userinfo : userinfo.slice(0, colon), USERINFO);
    record.password = colon === -1 ? '' : percentEncode(userinfo.slice(colon + 1), USERINFO);
  }
  let host = authority;
  let port = '';
  const closing = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon !== -1 && colon > closing) {
    host = authority.slice(0, colon);
    port = authority.slice(colon + 1);
    if (!/^[0-9]*$/.test(port)) throw invalidUrl(original);
    if (port !== '') {
      const number = Number(port);
      if (number > 65535) throw invalidUrl(original);
      port = String(number);
      if (special && specialPorts[record.scheme] === port) port = '';
    }
  }
  if (host === '') {
    if (special && record.scheme !== 'file:') throw invalidUrl(original);
    if (at !== -1 || port !== '') throw invalidUrl(original);
    record.host = '';
  } else {
    record.host = parseHost(host, special, original);
    if (record.scheme === 'file:' && record.host === 'localhost') record.host = '';
  }
  record.port = port;
}

function parseUrl(input, base) {
  const original = input;
  input = input.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '').replace(/[\t\n\r]/g, '');
  const record = {
    scheme: '', username: '', password: '', host: null, port: '',
    path: [], opaque: null, query: null, fragment: null,
  };
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(input);
  if (schemeMatch) {
    record.scheme = schemeMatch[1].toLowerCase() + ':';
    let rest = input.slice(schemeMatch[0].length);
    const special = isSpecial(record.scheme);
    if (special) {
      if (base && base.scheme === record.scheme && !/^[/\\]/.test(rest)) {
        return parseRelative(record, rest, base, original);
      }
      if (record.scheme === 'file:') {
        if (!/^[/\\]{2}/.test(rest)) rest = '//' + (/^[/\\]/.test(rest) ? rest : '/' + rest);
      } else {
        rest = '//' + rest.replace(/^[/\\]*/, '');
      }
    }
    let query;
    let fragment;
    [rest, query, fragment] = splitQueryFragment(rest);
    if (rest.startsWith('//') || (special && /^[/\\]{2}/.test(rest))) {
      rest = rest.slice(2);
      const end = rest.search(special ? /[/\\]/ : /\//);
      const authority = end === -1 ? rest : rest.slice(0, end);
      rest = end === -1 ? '' : rest.slice(end);
      parseAuthority(record, authority, original);
      if (special) {
        parsePath(record, rest === '' ? '' : rest.slice(1), special);
        if (rest === '') record.path = [''];
      } else if (rest !== '') {
        parsePath(record, rest.slice(1), special);
      }
    } else if (rest.startsWith('/')) {
      parsePath(record, rest.slice(1), special);
    } else {
      record.opaque = percentEncode(rest, C0);
    }
    setQueryFragment(record, query, fragment);
    return record;
  }
  if (!base) throw invalidUrl(original);
  if (base.opaque !== null) {
    if (!input.startsWith('#')) throw invalidUrl(original);
    Object.assign(record, base, { fragment: null, path: [] });
    record.fragment = percentEncode(input.slice(1), FRAGMENT);
    return record;
  }
  record.scheme = base.scheme;
  return parseRelative(record, input, base, original);
}

function parseRelative(record, input, base, original) {
  const special = isSpecial(record.scheme);
  const slash = special ? /^[/\\]/ : /^\//;
  const doubleSlash = special ? /^[/\\]{2}/ : /^\/\//;
  let [rest, query, fragment] = splitQueryFragment(input);
  if (doubleSlash.test(rest)) {
    rest = rest.slice(2);
    const end = rest.search(special ? /[/\\]/ : /\//);
    const authority = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? '' : rest.slice(end);
    parseAuthority(record, authority, original);
    parsePath(record, rest === '' ? '' : rest.slice(1), special);
    if (rest === '' && !special) record.path = [];
    setQueryFragment(record, query, fragment);
    return record;
  }
  record.username = base.username;
  record.password = base.password;
  record.host = base.host;
  record.port = base.port;
  if (slash.test(rest)) {
    parsePath(record, rest.slice(1), special);
  } else if (rest === '') {
    record.path = base.path.slice();
    if (query === null) query = base.query === null ? null : undefined;
  } else {
    record.path = base.path.slice();
    shortenPath(record);
    parsePath(record, rest, special);
  }
  if (query === undefined) {
    record.query = base.query;
    record.fragment = fragment === null ? null : percentEncode(fragment, FRAGMENT);
    return record;
  }
  setQueryFragment(record, query, fragment);
  return record;
}

// `forHref`: a host-less path starting with an empty segment gets "/." so that it does not read
// as an authority when parsed again (only in href, not in pathname).
function serializePath(record, forHref = false) {
  if (record.opaque !== null) return record.opaque;
  let out = '';
  if (forHref && record.host === null && record.path.length > 1 && record.path[0] === '') out += '/.';
  for (const segment of record.path) out += '/' + segment;
  return out;
}

function serialize(record, excludeFragment) {
  let out = record.scheme;
  if (record.host !== null) {
    out += '//';
    if (record.username !== '' || record.password !== '') {
      out += record.username;
      if (record.password !== '') out += ':' + record.password;
      out += '@';
    }
    out += record.host;
    if (record.port !== '') out += ':' + record.port;
  }
  out += serializePath(record, true);
  if (record.query !== null) out += '?' + record.query;
  if (!excludeFragment && record.fragment !== null) out += '#' + record.fragment;
  return out;
}

// ---- URLSearchParams ----
function formEncode(str) {
  let out = '';
  for (const byte of encoding.encodeUtf8(str)) {
    if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) ||
        byte === 0x2a || byte === 0x2d || byte === 0x2e || byte === 0x5f) {
      out += String.fromCharCode(byte);
    } else if (byte === 0x20) {
      out += '+';
    } else {
      out += percentByte(byte);
    }
  }
  return out;
}

function parseForm(query) {
  const list = [];
  if (query === '' || query === null) return list;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    list.push([percentDecode(name.replaceAll('+', ' ')), percentDecode(value.replaceAll('+', ' '))]);
  }
  return list;
}

function toUSV(value) {
  return `${value}`.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const kUpdate = Symbol('update');
const kReset = Symbol('reset');

class URLSearchParams {
  #list = [];
  #url = null;

  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init === 'object' || typeof init === 'function') {
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const items = typeof pair === 'object' && pair !== null && typeof pair[Symbol.iterator] === 'function'
            ? [...pair] : null;
          if (items === null || items.length !== 2) {
            const error = new TypeError('Each query pair must be an iterable [name, value] tuple');
            error.code = 'ERR_INVALID_TUPLE';
            throw error;
          }
          this.#list.push([toUSV(items[0]), toUSV(items[1])]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key === 'string' && Object.prototype.propertyIsEnumerable.call(init, key)) {
            this.#list.push([toUSV(key), toUSV(init[key])]);
          }
        }
      }
    } else {
      let str = toUSV(init);
      if (str.startsWith('?')) str = str.slice(1);
      this.#list = parseForm(str);
    }
  }

  // Internal: bind to a URL so that changes flow both ways.
  static [kReset](params, url, query) {
    params.#url = url;
    params.#list = parseForm(query);
  }

  #changed() {
    if (this.#url !== null) this.#url[kUpdate](this.toString());
  }

  get size() {
    return this.#list.length;
  }
  append(name, value) {
    this.#list.push([toUSV(name), toUSV(value)]);
    this.#changed();
  }
  delete(name, value = undefined) {
    name = toUSV(name);
    if (value === undefined) this.#list = this.#list.filter(([k]) => k !== name);
    else {
      value = toUSV(value);
      this.#list = this.#list.filter(([k, v]) => k !== name || v !== value);
    }
    this.#changed();
  }
  get(name) {
    name = toUSV(name);
    const entry = this.#list.find(([k]) => k === name);
    return entry === undefined ? null : entry[1];
  }
  getAll(name) {
    name = toUSV(name);
    return this.#list.filter(([k]) => k === name).map(([, v]) => v);
  }
  has(name, value = undefined) {
    name = toUSV(name);
    if (value === undefined) return this.#list.some(([k]) => k === name);
    value = toUSV(value);
    return this.#list.some(([k, v]) => k === name && v === value);
  }
  set(name, value) {
    name = toUSV(name);
    value = toUSV(value);
    const index = this.#list.findIndex(([k]) => k === name);
    if (index === -1) {
      this.#list.push([name, value]);
    } else {
      this.#list[index][1] = value;
      this.#list = this.#list.filter(([k], i) => k !== name || i <= index);
    }
    this.#changed();
  }
  sort() {
    this.#list = this.#list
      .map((entry, index) => [entry, index])
      .sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]))
      .map(([entry]) => entry);
    this.#changed();
  }
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== 'function') {
      const error = new TypeError('The "callback" argument must be of type function');
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    for (let i = 0; i < this.#list.length; i++) {
      const [k, v] = this.#list[i];
      callback.call(thisArg, v, k, this);
    }
  }
  *entries() {
    for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]];
  }
  *keys() {
    for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0];
  }
  *values() {
    for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  toString() {
    return this.#list.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join('&');
  }
  get [Symbol.toStringTag]() {
    return 'URLSearchParams';
  }
  [inspect.custom](depth, options) {
    if (typeof depth === 'number' && depth < 0) return '[URLSearchParams]';
    const inner = this.#list.map(([k, v]) => `${inspect(k)} => ${inspect(v)}`);
    if (inner.length === 0) return 'URLSearchParams {}';
    const single = `URLSearchParams { ${inner.join(', ')} }`;
    return single.length <= 80 ? single : `URLSearchParams {\n  ${inner.join(',\n  ')} }`;
  }
}

// ---- URL ----
class URL {
  #record;
  #searchParams = null;

  constructor(input, base = undefined) {
    input = toUSV(input);
    let baseRecord = null;
    if (base !== undefined) {
      baseRecord = base instanceof URL ? base.#record : parseUrl(toUSV(base), null);
    }
    this.#record = parseUrl(input, baseRecord);
  }

  static canParse(input, base = undefined) {
    try {
      new URL(input, base);
      return true;
    } catch {
      return false;
    }
  }

  [kUpdate](query) {
    this.#record.query = query === '' ? null : query;
  }

  #reparse(href) {
    this.#record = parseUrl(href, null);
    if (this.#searchParams !== null) URLSearchParams[kReset](this.#searchParams, this, this.#record.query);
  }

  get href() {
    return serialize(this.#record, false);
  }
  set href(value) {
    this.#reparse(toUSV(value));
  }
  get origin() {
    const r = this.#record;
    if (r.scheme === 'blob:') {
      try {
        return new URL(serializePath(r)).origin;
      } catch {
        return 'null';
      }
    }
    if (!isSpecial(r.scheme) || r.scheme === 'file:') return 'null';
    return `${r.scheme}//${r.host}${r.port !== '' ? ':' + r.port : ''}`;
  }
  get protocol() {
    return this.#record.scheme;
  }
  set protocol(value) {
    const match = /^([a-zA-Z][a-zA-Z0-9+\-.]*)/.exec(toUSV(value));
    if (!match) return;
    const scheme = match[1].toLowerCase() + ':';
    const r = this.#record;
    if (isSpecial(scheme) !== isSpecial(r.scheme)) return;
    if (scheme === 'file:' && (r.username || r.password || r.port)) return;
    r.scheme = scheme;
    if (specialPorts[scheme] === r.port) r.port = '';
  }
  get username() {
    return this.#record.username;
  }
  set username(value) {
    const r = this.#record;
    if (r.host === null || r.host === '' || r.scheme === 'file:') return;
    r.username = percentEncode(toUSV(value), USERINFO);
  }
  get password() {
    return this.#record.password;
  }
  set password(value) {
    const r = this.#record;
    if (r.host === null || r.host === '' || r.scheme === 'file:') return;
    r.password = percentEncode(toUSV(value), USERINFO);
  }
  get host() {
    const r = this.#record;
    if (r.host === null) return '';
    return r.port === '' ? r.host : `${r.host}:${r.port}`;
  }
  set host(value) {
    const r = this.#record;
    if (r.opaque !== null) return;
    const copy = { ...r, path: r.path.slice() };
    try {
      parseAuthority(copy, toUSV(value).split(/[/?#\\]/)[0], value);
      r.host = copy.host;
      r.port = copy.port;
    } catch {
      // invalid hosts are ignored, as in browsers
    }
  }
  get hostname() {
    return this.#record.host === null ? '' : this.#record.host;
  }
  set hostname(value) {
    const r = this.#record;
    if (r.opaque !== null) return;
    try {
      const host = toUSV(value).split(/[/?#:\\]/)[0];
      r.host = parseHost(host, isSpecial(r.scheme), value);
    } catch {
      // ignored
    }
  }
  get port() {
    return this.#record.port;
  }
  set port(value) {
    const r = this.#record;
    if (r.host === null || r.host === '' || r.scheme === 'file:') return;
    const digits = /^[0-9]*/.exec(toUSV(value))[0];
    if (digits === '') {
      if (toUSV(value) === '') r.port = '';
      return;
    }
    const number = Number(digits);
    if (number > 65535) return;
    r.port = specialPorts[r.scheme] === String(number) ? '' : String(number);
  }
  get pathname() {
    return serializePath(this.#record);
  }
  set pathname(value) {
    const r = this.#record;
    if (r.opaque !== null) return;
    r.path = [];
    const special = isSpecial(r.scheme);
    let str = toUSV(value);
    if (special ? /^[/\\]/.test(str) : str.startsWith('/')) str = str.slice(1);
    parsePath(r, str, special);
  }
  get search() {
    const query = this.#record.query;
    return query === null || query === '' ? '' : '?' + query;
  }
  set search(value) {
    let str = toUSV(value);
    const r = this.#record;
    if (str === '') {
      r.query = null;
    } else {
      if (str.startsWith('?')) str = str.slice(1);
      r.query = percentEncode(str, isSpecial(r.scheme) ? SPECIAL_QUERY : QUERY);
    }
    if (this.#searchParams !== null) URLSearchParams[kReset](this.#searchParams, this, r.query);
  }
  get searchParams() {
    if (this.#searchParams === null) {
      this.#searchParams = new URLSearchParams();
      URLSearchParams[kReset](this.#searchParams, this, this.#record.query);
    }
    return this.#searchParams;
  }
  get hash() {
    const fragment = this.#record.fragment;
    return fragment === null || fragment === '' ? '' : '#' + fragment;
  }
  set hash(value) {
    let str = toUSV(value);
    if (str === '') {
      this.#record.fragment = null;
      return;
    }
    if (str.startsWith('#')) str = str.slice(1);
    this.#record.fragment = percentEncode(str, FRAGMENT);
  }
  toString() {
    return this.href;
  }
  toJSON() {
    return this.href;
  }
  get [Symbol.toStringTag]() {
    return 'URL';
  }
  [inspect.custom](depth, options) {
    if (typeof depth === 'number' && depth < 0) return this;
    const obj = {
      href: this.href,
      origin: this.origin,
      protocol: this.protocol,
      username: this.username,
      password: this.password,
      host: this.host,
      hostname: this.hostname,
      port: this.port,
      pathname: this.pathname,
      search: this.search,
      searchParams: this.searchParams,
      hash: this.hash,
    };
    return `URL ${inspect(obj, { ...options, customInspect: true })}`;
  }
}

exports.URL = URL;
exports.URLSearchParams = URLSearchParams;
exports.percentDecode = percentDecode;
