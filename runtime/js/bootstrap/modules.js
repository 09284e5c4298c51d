// CommonJS, after Node 18's lib/internal/modules/cjs/loader.js: resolution (relative, absolute,
// node_modules walking up, package.json "main" and "exports", then the Lambda global paths
// under /opt), the module cache, circular requires, JSON modules and the builtins we provide.
// File access goes through natives that refuse anything outside the task and opt roots.

const path = internalRequire('path');

let taskRoot = '';
let optRoot = '';
let globalPaths = [];

// The major of the node Lambda runs for the function's runtime ("AWS_Lambda_nodejs20.x" -> 20).
function nodeMajor(env) {
  const m = /^AWS_Lambda_nodejs(\d+)\.x$/.exec((env && env.AWS_EXECUTION_ENV) || '');
  return m ? m[1] : '18';
}

function configure(cfg) {
  taskRoot = cfg.taskRoot;
  optRoot = cfg.optRoot;
  globalPaths = [];
  // NODE_PATH of the Lambda nodejs runtimes, in its order: /opt/nodejs/node<major>/node_modules
  // (the major of the node Lambda runs for the function's runtime), /opt/nodejs/node_modules,
  // /var/runtime/node_modules, /var/runtime, /var/task. The isolate tier has no /var/runtime to
  // read (its SDK needs builtins isolates do not provide), so the task root follows /opt.
  if (optRoot) {
    globalPaths.push(path.join(optRoot, 'nodejs', 'node' + nodeMajor(cfg.env), 'node_modules'));
    globalPaths.push(path.join(optRoot, 'nodejs', 'node_modules'));
  }
  if (taskRoot) globalPaths.push(taskRoot);
}

// ---- builtins ----
const nodeBuiltins = new Set([
  'assert', 'assert/strict', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console',
  'constants', 'crypto', 'dgram', 'diagnostics_channel', 'dns', 'dns/promises', 'domain',
  'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'inspector', 'module', 'net', 'os',
  'path', 'path/posix', 'path/win32', 'perf_hooks', 'process', 'punycode', 'querystring',
  'readline', 'readline/promises', 'repl', 'stream', 'stream/consumers', 'stream/promises',
  'stream/web', 'string_decoder', 'sys', 'timers', 'timers/promises', 'tls', 'trace_events',
  'tty', 'url', 'util', 'util/types', 'v8', 'vm', 'wasi', 'worker_threads', 'zlib',
]);
const providedBuiltins = {
  __proto__: null,
  assert: () => internalRequire('assert'),
  'assert/strict': () => internalRequire('assert').strict,
  buffer: () => internalRequire('buffer'),
  console: () => globalThis.console,
  events: () => internalRequire('events'),
  module: () => moduleBuiltin(),
  path: () => path,
  'path/posix': () => path,
  process: () => internalRequire('process').process,
  querystring: () => internalRequire('querystring'),
  string_decoder: () => internalRequire('string_decoder'),
  sys: () => internalRequire('util'),
  timers: () => internalRequire('timers'),
  'timers/promises': () => internalRequire('timers').promises,
  url: () => internalRequire('url'),
  util: () => internalRequire('util'),
  'util/types': () => internalRequire('util').types,
};

function builtinName(request) {
  const name = request.startsWith('node:') ? request.slice(5) : request;
  return nodeBuiltins.has(name) ? name : undefined;
}

// ---- file system views, cached: the bundle is read-only for the instance's lifetime ----
const statCache = new Map();
function stat(filename) {
  let result = statCache.get(filename);
  if (result === undefined) {
    result = native.stat(filename);
    statCache.set(filename, result);
  }
  return result;
}

const packageJsonCache = new Map();
// The parsed package.json of a directory, or false.
function readPackage(dir) {
  const jsonPath = path.resolve(dir, 'package.json');
  let cached = packageJsonCache.get(jsonPath);
  if (cached !== undefined) return cached;
  cached = false;
  const text = stat(jsonPath) === 1 ? native.readFile(jsonPath) : undefined;
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text);
      cached = parsed !== null && typeof parsed === 'object' ? parsed : false;
    } catch (e) {
      e.path = jsonPath;
      e.message = 'Error parsing ' + jsonPath + ': ' + e.message;
      throw e;
    }
  }
  packageJsonCache.set(jsonPath, cached);
  return cached;
}

// The nearest package.json above `dir`, as Node's readPackageScope, but not above the roots:
// nothing there is readable anyway.
function readPackageScope(dir) {
  let current = dir;
  for (;;) {
    if (current.endsWith('/node_modules')) return false;
    const pkg = readPackage(current);
    if (pkg) return { path: current, data: pkg };
    const parent = path.dirname(current);
    if (parent === current || current === taskRoot || current === optRoot) return false;
    current = parent;
  }
}

function packageTypeIsModule(dir) {
  const scope = readPackageScope(dir);
  return !!scope && scope.data.type === 'module';
}

function toRealPath(filename) {
  return native.realpath(filename);
}

const extensions = ['.js', '.json', '.node'];

function tryFile(filename) {
  return stat(filename) === 1 ? toRealPath(filename) : undefined;
}

function tryExtensions(basePath) {
  for (const ext of extensions) {
    const found = tryFile(basePath + ext);
    if (found) return found;
  }
  return undefined;
}

function tryPackage(requestPath) {
  const pkg = readPackage(requestPath);
  const main = pkg && typeof pkg.main === 'string' ? pkg.main : undefined;
  if (!main) return tryExtensions(path.resolve(requestPath, 'index'));
  const filename = path.resolve(requestPath, main);
  return tryFile(filename) || tryExtensions(filename) ||
    tryExtensions(path.resolve(filename, 'index')) ||
    tryExtensions(path.resolve(requestPath, 'index'));
}

// ---- package.json "exports" (conditions: require, node, default) ----
const conditions = new Set(['require', 'node', 'node-addons', 'default']);

function exportsError(pkgDir, subpath) {
  const error = new Error(`Package subpath '${subpath}' is not defined by "exports" in ` +
    path.join(pkgDir, 'package.json'));
  error.code = 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  return error;
}

function resolveTarget(pkgDir, target, patternMatch) {
  if (typeof target === 'string') {
    if (!target.startsWith('./')) return undefined;
    const resolved = path.resolve(pkgDir,
      patternMatch === undefined ? target : target.replaceAll('*', patternMatch));
    return resolved === pkgDir || resolved.startsWith(pkgDir + '/') ? resolved : undefined;
  }
  if (Array.isArray(target)) {
    for (const item of target) {
      const resolved = resolveTarget(pkgDir, item, patternMatch);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (target !== null && typeof target === 'object') {
    for (const key of Object.keys(target)) {
      if (conditions.has(key)) {
        const resolved = resolveTarget(pkgDir, target[key], patternMatch);
        if (resolved !== undefined) return resolved;
      }
    }
  }
  return undefined;
}

function resolveExports(pkgDir, exportsField, subpath) {
  let exportsMap = exportsField;
  if (typeof exportsMap === 'string' || Array.isArray(exportsMap) ||
      (exportsMap !== null && typeof exportsMap === 'object' &&
       !Object.keys(exportsMap).some((key) => key.startsWith('.')))) {
    exportsMap = { '.': exportsMap };
  }
  if (exportsMap === null || typeof exportsMap !== 'object') throw exportsError(pkgDir, subpath);
  if (Object.prototype.hasOwnProperty.call(exportsMap, subpath) && !subpath.includes('*')) {
    const resolved = resolveTarget(pkgDir, exportsMap[subpath], undefined);
    if (resolved === undefined) throw exportsError(pkgDir, subpath);
    return resolved;
  }
  // Patterns ("./features/*": "./src/*.js") and legacy folder keys ("./lib/"): the longest
  // matching prefix wins.
  let bestKey = '';
  let bestPrefixLength = -1;
  let bestMatch;
  for (const key of Object.keys(exportsMap)) {
    const star = key.indexOf('*');
    const prefix = star === -1 ? key : key.slice(0, star);
    if (star === -1 && !key.endsWith('/')) continue;
    if (!subpath.startsWith(prefix) || prefix.length <= bestPrefixLength) continue;
    if (star !== -1) {
      const suffix = key.slice(star + 1);
      if (subpath.length < key.length - 1 || !subpath.endsWith(suffix)) continue;
      bestMatch = subpath.slice(prefix.length, subpath.length - suffix.length);
    } else {
      bestMatch = subpath.slice(prefix.length);
    }
    bestKey = key;
    bestPrefixLength = prefix.length;
  }
  if (bestKey) {
    const target = exportsMap[bestKey];
    const resolved = bestKey.includes('*') ? resolveTarget(pkgDir, target, bestMatch)
      : (typeof target === 'string' ? resolveTarget(pkgDir, target + bestMatch, undefined) : undefined);
    if (resolved !== undefined) return resolved;
  }
  throw exportsError(pkgDir, subpath);
}

// A bare request inside one node_modules directory, honoring "exports".
// "name/sub" or "@scope/name/sub" -> ["name", "/sub"], or undefined when not a package name.
function splitPackageName(request) {
  let end = request.indexOf('/');
  if (request[0] === '@') {
    if (end === -1) return undefined;
    end = request.indexOf('/', end + 1);
  }
  const name = end === -1 ? request : request.slice(0, end);
  if (name === '' || name[0] === '.' || name.includes('\\') || name.includes('%')) return undefined;
  return [name, end === -1 ? '' : request.slice(end)];
}

function resolveInNodeModules(nmDir, request) {
  const parts = splitPackageName(request);
  if (parts === undefined) return undefined;
  const pkgDir = path.resolve(nmDir, parts[0]);
  const pkg = stat(pkgDir) === 2 ? readPackage(pkgDir) : false;
  if (!pkg || pkg.exports === undefined || pkg.exports === null) return undefined;
  const resolved = resolveExports(pkgDir, pkg.exports, '.' + parts[1]);
  const real = tryFile(resolved);
  if (real) return real;
  throw notFound(resolved, null);
}

function isRelative(request) {
  return request === '.' || request === '..' || request.startsWith('./') ||
    request.startsWith('../');
}

// Node's Module._nodeModulePaths, stopped at the roots: nothing above them is visible.
function nodeModulePaths(from) {
  const result = [];
  let current = path.resolve(from);
  for (;;) {
    if (!current.endsWith('/node_modules')) result.push(current + '/node_modules');
    if (current === taskRoot || current === optRoot) break;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return result;
}

function lookupPaths(request, parent) {
  if (request[0] === '/') return [''];
  if (isRelative(request)) return [parent && parent.filename ? path.dirname(parent.filename) : taskRoot];
  const own = parent && parent.paths ? parent.paths : [];
  return own.concat(globalPaths);
}

function findPath(request, paths) {
  const absolute = request[0] === '/';
  const relative = isRelative(request);
  const trailingSlash = request.endsWith('/') || request === '.' || request === '..' ||
    request.endsWith('/.') || request.endsWith('/..');
  for (const dir of absolute ? [''] : paths) {
    if (dir && stat(dir) !== 2) continue;
    if (!absolute && !relative) {
      const viaExports = resolveInNodeModules(dir, request);
      if (viaExports) return viaExports;
    }
    const basePath = path.resolve(dir, request);
    const kind = stat(basePath);
    let filename;
    if (!trailingSlash) {
      if (kind === 1) filename = toRealPath(basePath);
      if (!filename) filename = tryExtensions(basePath);
    }
    if (!filename && kind === 2) filename = tryPackage(basePath);
    if (filename) return filename;
  }
  return undefined;
}

// ---- modules ----
const moduleCache = { __proto__: null };
const parents = new WeakMap();

class Module {
  constructor(id, parent) {
    this.id = id;
    this.path = path.dirname(id);
    this.exports = {};
    parents.set(this, parent);
    if (parent && parent.children) parent.children.push(this);
    this.filename = null;
    this.loaded = false;
    this.children = [];
    this.paths = [];
  }
  get parent() {
    return parents.get(this);
  }
  require(id) {
    if (typeof id !== 'string') {
      const error = new TypeError(`The "id" argument must be of type string. Received ${typeof id}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    if (id === '') {
      const error = new TypeError("The argument 'id' must be a non-empty string. Received ''");
      error.code = 'ERR_INVALID_ARG_VALUE';
      throw error;
    }
    return loadModule(id, this);
  }
}
Module.builtinModules = [...nodeBuiltins];
Module._cache = moduleCache;

// The runtime's own entry point is the parent of the handler's module, as in Lambda.
const runtimeModule = new Module('/var/runtime/index.mjs', null);
runtimeModule.filename = '/var/runtime/index.mjs';

function notFound(request, parent) {
  let message = `Cannot find module '${request}'`;
  const requireStack = [];
  for (let cursor = parent; cursor; cursor = parents.get(cursor)) {
    requireStack.push(cursor.filename || cursor.id);
  }
  if (requireStack.length > 0) message += '\nRequire stack:\n- ' + requireStack.join('\n- ');
  const error = new Error(message);
  error.code = 'MODULE_NOT_FOUND';
  error.requireStack = requireStack;
  return error;
}

function resolveFilename(request, parent, options) {
  if (builtinName(request) !== undefined) return request;
  let paths;
  if (options && Array.isArray(options.paths)) {
    paths = [];
    for (const base of options.paths) {
      const dir = path.resolve(taskRoot, base);
      const candidates = isRelative(request) ? [dir] : nodeModulePaths(dir).concat(globalPaths);
      for (const candidate of candidates) if (!paths.includes(candidate)) paths.push(candidate);
    }
  } else {
    paths = lookupPaths(request, parent);
  }
  const filename = findPath(request, paths);
  if (filename) return filename;
  throw notFound(request, parent);
}

function loadBuiltin(request) {
  const name = builtinName(request);
  const provide = providedBuiltins[name];
  if (provide === undefined) throw notFound(request, null);
  return provide();
}

function loadModule(request, parent) {
  const filename = resolveFilename(request, parent);
  if (builtinName(filename) !== undefined) return loadBuiltin(filename);
  const cached = moduleCache[filename];
  if (cached !== undefined) {
    if (parent && !parent.children.includes(cached)) parent.children.push(cached);
    return cached.exports;
  }
  const module = new Module(filename, parent);
  moduleCache[filename] = module;
  let threw = true;
  try {
    loadFile(module, filename);
    threw = false;
  } finally {
    if (threw) {
      delete moduleCache[filename];
      if (parent) {
        const index = parent.children.indexOf(module);
        if (index !== -1) parent.children.splice(index, 1);
      }
    }
  }
  return module.exports;
}

function requireEsmError(filename, parent) {
  const error = new Error(`require() of ES Module ${filename}` +
    (parent && parent.filename ? ` from ${parent.filename}` : '') + ' not supported.');
  error.code = 'ERR_REQUIRE_ESM';
  return error;
}

function loadFile(module, filename) {
  module.filename = filename;
  module.paths = nodeModulePaths(path.dirname(filename));
  const ext = path.extname(filename);
  if (ext === '.json') {
    const text = native.readFile(filename);
    if (text === undefined) throw notFound(filename, module.parent);
    try {
      module.exports = JSON.parse(text);
    } catch (err) {
      err.message = filename + ': ' + err.message;
      throw err;
    }
  } else if (ext === '.mjs' || (ext === '.js' && packageTypeIsModule(path.dirname(filename)))) {
    throw requireEsmError(filename, module.parent);
  } else if (ext === '.node') {
    const error = new Error(`Native addons are not supported by this runtime: ${filename}`);
    error.code = 'ERR_DLOPEN_FAILED';
    throw error;
  } else {
    const wrapper = native.compileModule(filename);
    if (wrapper === undefined) throw notFound(filename, module.parent);
    const require = makeRequire(module);
    Reflect.apply(wrapper, module.exports,
      [module.exports, require, module, filename, path.dirname(filename)]);
  }
  module.loaded = true;
}

function makeRequire(module) {
  const require = function require(id) {
    return module.require(id);
  };
  function resolve(request, options) {
    if (typeof request !== 'string') {
      const error = new TypeError(`The "request" argument must be of type string. Received ${typeof request}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    return resolveFilename(request, module, options);
  }
  resolve.paths = (request) => (builtinName(request) !== undefined ? null : lookupPaths(request, module));
  require.resolve = resolve;
  require.main = undefined;  // the Lambda runtime's entry point is an ES module
  require.extensions = { __proto__: null, '.js': null, '.json': null, '.node': null };
  require.cache = moduleCache;
  return require;
}

function moduleBuiltin() {
  const exported = Module;
  exported.Module = Module;
  // The internals some libraries patch or call (module-alias, proxyquire, ...).
  exported._load = (request, parent) => loadModule(request, parent || runtimeModule);
  exported._resolveFilename = (request, parent, isMain, options) =>
    resolveFilename(request, parent || runtimeModule, options);
  exported._nodeModulePaths = nodeModulePaths;
  exported.globalPaths = globalPaths.slice();
  exported.createRequire = (filename) => {
    const name = typeof filename === 'string' ? filename.replace(/^file:\/\//, '') : String(filename);
    const fake = new Module(name, null);
    fake.filename = name;
    fake.paths = nodeModulePaths(path.dirname(name));
    return makeRequire(fake);
  };
  exported.isBuiltin = (name) => builtinName(name) !== undefined;
  return exported;
}

exports.configure = configure;
exports.exists = (filename) => stat(filename) !== 0;
exports.packageTypeIsModule = packageTypeIsModule;
exports.requireFromRuntime = (filename) => loadModule(filename, runtimeModule);
exports.resolveFromRuntime = (request, paths) => resolveFilename(request, runtimeModule, { paths });
