// Loading the handler named by _HANDLER (aws-lambda-ric src/UserFunction.js; LAMBDA.md §7).
// "path/to/module.nested.fn": the module root is everything before the last "/" segment, the
// module the text before that segment's first ".", the rest a property path into its exports.
// Tried in <task root>/<module root>: the extensionless file (require), ".js" (require, or
// import when the nearest package.json says "type": "module"), ".mjs" (import), ".cjs"
// (require), and last require.resolve(module) from the task root (node_modules).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HandlerNotFound, ImportModuleError, MalformedHandlerName, UserCodeSyntaxError,
} from './errors.mjs';

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

// "./a/b/index.x.y" -> ["./a/b/", "index.x.y"]
function moduleRootAndHandler(fullHandlerString) {
  const handlerString = path.basename(fullHandlerString);
  return [fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString)), handlerString];
}

function splitHandlerString(handler) {
  const match = handler.match(FUNCTION_EXPR);
  if (!match) throw new MalformedHandlerName('Bad handler');
  return [match[1], match[2]];
}

function resolveHandler(object, nestedProperty) {
  return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
}

// The nearest package.json decides: "type": "module" -> ES module. A node_modules folder stops
// the search; an unreadable package.json counts as "not module", with a warning.
function folderHasTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return folderHasTypeModule(path.resolve(folder, '..'));
}

export class UserFunctionLoader {
  // runtimeDir: where the runtime lives (/var/runtime). User modules are required from a module
  // there, as in Lambda, so "Require stack" lines read "- /var/runtime/index.mjs".
  // beforeImport(): called once before the first ES module is imported (the NODE_PATH hook).
  constructor({ runtimeDir, beforeImport = () => {}, defaultExportFallback = false }) {
    this.require = createRequire(path.join(runtimeDir, 'index.mjs'));
    this.beforeImport = beforeImport;
    this.defaultExportFallback = defaultExportFallback;
  }

  tryRequireFile(file) {
    return fs.existsSync(file) ? this.require(file) : undefined;
  }

  async tryImport(file) {
    if (!fs.existsSync(file)) return undefined;
    this.beforeImport();
    return await import(pathToFileURL(file).href);
  }

  async tryLoad(appRoot, moduleRoot, module) {
    const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
    const extensionless = this.tryRequireFile(lambdaStylePath);
    if (extensionless) return extensionless;

    const jsIsModule = fs.existsSync(lambdaStylePath + '.js') &&
      folderHasTypeModule(path.resolve(path.dirname(lambdaStylePath + '.js')));
    if (!jsIsModule) {
      const loaded = this.tryRequireFile(lambdaStylePath + '.js');
      if (loaded) return loaded;
    }
    const loaded = (jsIsModule && (await this.tryImport(lambdaStylePath + '.js'))) ||
      (await this.tryImport(lambdaStylePath + '.mjs')) ||
      this.tryRequireFile(lambdaStylePath + '.cjs');
    if (loaded) return loaded;

    // require.resolve, not require: require() resolves from the runtime's directory, not the
    // task's. ES modules in node_modules are not found this way (nor in Lambda).
    return this.require(this.require.resolve(module, { paths: [appRoot, moduleRoot] }));
  }

  async loadModule(appRoot, moduleRoot, module) {
    try {
      return await this.tryLoad(appRoot, moduleRoot, module);
    } catch (e) {
      if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
      if (e?.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
      throw e;
    }
  }

  // The handler function; throws the Runtime.* error Lambda reports for each failure.
  async load(appRoot, fullHandlerString) {
    if (fullHandlerString.includes('..')) {
      throw new MalformedHandlerName(`'${fullHandlerString}' is not a valid handler name. ` +
        'Use absolute paths when specifying root directories in handler names.');
    }
    const [moduleRoot, moduleAndHandler] = moduleRootAndHandler(fullHandlerString);
    const [module, handlerPath] = splitHandlerString(moduleAndHandler);
    const userApp = await this.loadModule(appRoot, moduleRoot, module);
    let handler = resolveHandler(userApp, handlerPath);
    // RIC v4 (nodejs24.x) also looks under an ES module's default export.
    if (!handler && this.defaultExportFallback && userApp && typeof userApp === 'object' &&
      'default' in userApp) {
      handler = resolveHandler(userApp.default, handlerPath);
    }
    if (!handler) throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
    if (typeof handler !== 'function') {
      throw new HandlerNotFound(`${fullHandlerString} is not a function`);
    }
    return handler;
  }
}

export function isAsyncFunction(fn) {
  try {
    return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
  } catch {
    return false;
  }
}
