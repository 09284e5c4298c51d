// The `process` global: a Node 18 look-alike without an operating system behind it. env comes
// from the function's configuration; exit() ends the call as Runtime.ExitError through an
// uncatchable termination.

const loop = internalRequire('loop');
const EventEmitter = internalRequire('events');

const process = new EventEmitter();
let taskRoot = '/';
let startNs = native.hrtime();  // reset by configure(): bootstrap state may come from a snapshot

function hrtime(previous) {
  const ns = native.hrtime();
  let seconds = Number(ns / 1000000000n);
  let nanos = Number(ns % 1000000000n);
  if (previous !== undefined) {
    if (!Array.isArray(previous) || previous.length !== 2) {
      const error = new TypeError('The "time" argument must be an instance of Array.');
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    seconds -= previous[0];
    nanos -= previous[1];
    if (nanos < 0) {
      seconds -= 1;
      nanos += 1e9;
    }
  }
  return [seconds, nanos];
}
hrtime.bigint = () => native.hrtime();

function memoryUsage() {
  const [used, total, external] = native.heapStats();
  return { rss: total + external, heapTotal: total, heapUsed: used, external, arrayBuffers: external };
}
memoryUsage.rss = () => memoryUsage().rss;

function stream(fd) {
  return {
    fd,
    isTTY: false,
    writable: true,
    write(chunk, encoding, callback) {
      if (typeof encoding === 'function') callback = encoding;
      native.writeRaw(typeof chunk === 'string' ? chunk : String(chunk));
      if (typeof callback === 'function') loop.nextTick(callback);
      return true;
    },
    end(chunk, encoding, callback) {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') this.write(chunk, encoding);
      if (typeof chunk === 'function') callback = chunk;
      if (typeof callback === 'function') loop.nextTick(callback);
    },
    on() {
      return this;
    },
    once() {
      return this;
    },
    removeListener() {
      return this;
    },
  };
}

Object.assign(process, {
  title: 'node',
  version: 'v18.20.4',
  versions: {
    node: '18.20.4',
    v8: '10.2.154.26-node.36',
    uv: '1.44.2',
    modules: '108',
    napi: '9',
  },
  arch: 'x64',
  platform: 'linux',
  release: { name: 'node', lts: 'Hydrogen' },
  execPath: '/var/lang/bin/node',
  argv: ['/var/lang/bin/node', '/var/runtime/index.mjs'],
  execArgv: [],
  argv0: 'node',
  env: {},
  pid: 1,
  ppid: 0,
  exitCode: undefined,
  config: { variables: {} },
  features: {},
  stdout: stream(1),
  stderr: stream(2),
  cwd: () => taskRoot,
  chdir() {
    const error = new Error('process.chdir() is not supported by this runtime');
    error.code = 'ERR_WORKER_UNSUPPORTED_OPERATION';
    throw error;
  },
  umask: () => 0o22,
  uptime: () => Number(native.hrtime() - startNs) / 1e9,
  hrtime,
  memoryUsage,
  cpuUsage: () => ({ user: 0, system: 0 }),
  nextTick: loop.nextTick,
  emitWarning(warning, type, code) {
    let name = 'Warning';
    if (typeof type === 'object' && type !== null) {
      code = type.code;
      type = type.type;
    }
    if (typeof type === 'string') name = type;
    const message = warning instanceof Error ? `${warning.name}: ${warning.message}` : `${name}: ${warning}`;
    native.writeRaw(`(node:${process.pid}) ${code ? `[${code}] ` : ''}${message}\n`);
  },
  exit(code) {
    if (code !== undefined) process.exitCode = code;
    const status = process.exitCode === undefined ? 0 : Number(process.exitCode) | 0;
    try {
      process.emit('exit', status);
    } catch {
      // an 'exit' listener that throws does not stop the exit
    }
    native.exit(status);
  },
  abort() {
    native.exit(134);
  },
  kill() {
    const error = new Error('process.kill() is not supported by this runtime');
    error.code = 'ERR_WORKER_UNSUPPORTED_OPERATION';
    throw error;
  },
  binding(name) {
    throw new Error(`No such module: ${name}`);
  },
});

function configure(cfg) {
  process.env = cfg.env;
  process.pid = cfg.pid;
  taskRoot = cfg.taskRoot || '/';
  startNs = native.hrtime();
}

exports.process = process;
exports.configure = configure;
