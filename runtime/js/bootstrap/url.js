// The 'url' builtin: URL/URLSearchParams (whatwg_url.js), file URL helpers and the legacy
// url.parse/format/resolve.

const { URL, URLSearchParams, percentDecode } = internalRequire('whatwg_url');

// ---- file URLs ----
function fileURLToPath(value) {
  const url = typeof value === 'string' ? new URL(value) : value;
  if (!(url instanceof URL)) {
    const error = new TypeError('The "path" argument must be of type string or an instance of URL.');
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  if (url.protocol !== 'file:') {
    const error = new TypeError('The URL must be of scheme file');
    error.code = 'ERR_INVALID_URL_SCHEME';
    throw error;
  }
  if (url.hostname !== '') {
    const error = new TypeError('File URL host must be "localhost" or empty on linux');
    error.code = 'ERR_INVALID_FILE_URL_HOST';
    throw error;
  }
  const pathname = url.pathname;
  if (/%2f/i.test(pathname)) {
    const error = new TypeError('File URL path must not include encoded / characters');
    error.code = 'ERR_INVALID_FILE_URL_PATH';
    throw error;
  }
  return percentDecode(pathname);
}

function pathToFileURL(filepath) {
  const path = internalRequire('path');
  let resolved = path.resolve(filepath);
  if (filepath.endsWith('/') && !resolved.endsWith('/')) resolved += '/';
  const url = new URL('file://');
  url.pathname = resolved.replaceAll('%', '%25').replaceAll('\\', '%5C').replaceAll('\n', '%0A')
    .replaceAll('\r', '%0D').replaceAll('\t', '%09');
  return url;
}

// ---- legacy API (url.parse / url.format / url.resolve) ----
function Url() {
  this.protocol = null;
  this.slashes = null;
  this.auth = null;
  this.host = null;
  this.port = null;
  this.hostname = null;
  this.hash = null;
  this.search = null;
  this.query = null;
  this.pathname = null;
  this.path = null;
  this.href = null;
}

const slashedProtocols = new Set(['http:', 'https:', 'ftp:', 'gopher:', 'file:', 'ws:', 'wss:']);

function legacyParse(urlString, parseQueryString, slashesDenoteHost) {
  if (urlString instanceof Url) return urlString;
  if (typeof urlString !== 'string') {
    const error = new TypeError(`The "url" argument must be of type string. Received ${typeof urlString}`);
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  const result = new Url();
  let rest = urlString.trim();
  const hashIndex = rest.indexOf('#');
  if (hashIndex !== -1) {
    result.hash = rest.slice(hashIndex);
    rest = rest.slice(0, hashIndex);
  }
  const queryIndex = rest.indexOf('?');
  if (queryIndex !== -1) {
    result.search = rest.slice(queryIndex);
    result.query = rest.slice(queryIndex + 1);
    rest = rest.slice(0, queryIndex);
  } else if (parseQueryString) {
    result.search = '';
    result.query = {};
  }
  const protoMatch = /^([a-zA-Z0-9.+-]+:)/.exec(rest);
  if (protoMatch) {
    result.protocol = protoMatch[1].toLowerCase();
    rest = rest.slice(protoMatch[1].length);
  }
  const slashes = rest.startsWith('//');
  if (slashes && result.protocol !== 'javascript:') {
    if (result.protocol !== null || slashesDenoteHost) {
      rest = rest.slice(2);
      result.slashes = true;
      const end = rest.search(/[/\\]/);
      let authority = end === -1 ? rest : rest.slice(0, end);
      rest = end === -1 ? '' : rest.slice(end);
      const at = authority.lastIndexOf('@');
      if (at !== -1) {
        result.auth = decodeURIComponent(authority.slice(0, at));
        authority = authority.slice(at + 1);
      }
      const portMatch = /:([0-9]*)$/.exec(authority);
      if (portMatch) {
        if (portMatch[1] !== '') result.port = portMatch[1];
        authority = authority.slice(0, portMatch.index);
      }
      result.hostname = authority.toLowerCase();
      result.host = result.hostname + (result.port !== null ? ':' + result.port : '');
    }
  }
  if (rest !== '') result.pathname = rest;
  else if (result.slashes && slashedProtocols.has(result.protocol)) result.pathname = '/';
  if (parseQueryString && typeof result.query === 'string') {
    result.query = internalRequire('querystring').parse(result.query);
  }
  const search = result.search || '';
  result.path = (result.pathname || '') + search || null;
  result.href = legacyFormat(result);
  return result;
}

function legacyFormat(obj) {
  if (typeof obj === 'string') obj = legacyParse(obj);
  else if (obj instanceof URL) return obj.href;
  let auth = obj.auth || '';
  if (auth) auth = encodeURIComponent(auth).replace(/%3A/i, ':') + '@';
  let protocol = obj.protocol || '';
  if (protocol && !protocol.endsWith(':')) protocol += ':';
  let pathname = obj.pathname || '';
  let hash = obj.hash || '';
  let search = obj.search || '';
  let host = '';
  if (obj.host) {
    host = auth + obj.host;
  } else if (obj.hostname) {
    host = auth + (obj.hostname.includes(':') ? `[${obj.hostname}]` : obj.hostname);
    if (obj.port) host += ':' + obj.port;
  }
  if (!search && obj.query && typeof obj.query === 'object' && Object.keys(obj.query).length) {
    search = '?' + internalRequire('querystring').stringify(obj.query);
  }
  if (search && search[0] !== '?') search = '?' + search;
  if (hash && hash[0] !== '#') hash = '#' + hash;
  if (obj.slashes || slashedProtocols.has(protocol)) {
    if (obj.slashes || host) {
      if (pathname && pathname[0] !== '/') pathname = '/' + pathname;
      host = '//' + host;
    }
  }
  search = search.replace(/#/g, '%23');
  pathname = pathname.replace(/[?#]/g, encodeURIComponent);
  return protocol + host + pathname + search + hash;
}

function legacyResolve(from, to) {
  try {
    return new URL(to, new URL(from, 'resolve://')).href.replace(/^resolve:\/\/\/?/, from.startsWith('/') ? '/' : '');
  } catch {
    return to;
  }
}

exports.URL = URL;
exports.URLSearchParams = URLSearchParams;
exports.fileURLToPath = fileURLToPath;
exports.pathToFileURL = pathToFileURL;
exports.domainToASCII = (domain) => `${domain}`.toLowerCase();
exports.domainToUnicode = (domain) => `${domain}`;
exports.parse = legacyParse;
exports.format = (obj, options) => (obj instanceof URL && options && options.fragment === false
  ? obj.href.replace(/#.*$/, '') : legacyFormat(obj));
exports.resolve = legacyResolve;
exports.Url = Url;
