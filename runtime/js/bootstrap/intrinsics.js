// Built-ins captured before any user code runs, so that a handler that replaces JSON.stringify
// or Array.prototype.push cannot break how the runtime reports its results.
exports.JSONStringify = JSON.stringify;
exports.JSONParse = JSON.parse;
exports.ObjectAssign = Object.assign;
exports.ObjectDefineProperty = Object.defineProperty;
exports.ObjectKeys = Object.keys;
exports.ObjectHasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
exports.FunctionCall = Function.prototype.call;
exports.ReflectApply = Reflect.apply;
exports.StringSplit = (string, separator) => String.prototype.split.call(string, separator);
exports.StringReplaceAll = (string, pattern, replacement) =>
  String.prototype.replaceAll.call(string, pattern, replacement);
exports.DateNow = Date.now;
exports.DateToISOString = (date) => Date.prototype.toISOString.call(date);
exports.PromiseThen = Promise.prototype.then;

// The names of V8's own constructors (what util.format('%s') treats as built-in toString).
// No regular expression: compiling one costs every new context.
function isConstructorName(name) {
  if (name.length < 2) return false;
  const first = name.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}
exports.builtInObjects = new Set(Object.getOwnPropertyNames(globalThis).filter(isConstructorName));
