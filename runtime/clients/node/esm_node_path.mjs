// Turns on esm_node_path_hooks.mjs for this process. On Node >= 22.15 the hooks run in the same
// thread (module.registerHooks) and cost next to nothing. Older Nodes only have module.register,
// which starts a loader thread: about 25 ms and 11 MB on Node 20. So a cold start turns it on
// only when it is about to import an ES module handler, the code whose static `import`s need it
// (a CommonJS handler require()s through NODE_PATH natively; its dynamic import() of a
// NODE_PATH-only package is the one gap), while a prewarmed process turns it on before its
// claim, off the cold-start path, and hands it the claimed NODE_PATH afterwards.
import fs from 'node:fs';
import module from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { parentsFor, resolveSync } from './esm_node_path_hooks.mjs';

let update = null;  // (dirs) => void once installed

function nodePathDirs() {
  return (process.env.NODE_PATH ?? '').split(':').filter((dir) => dir && fs.existsSync(dir));
}

// Installs the hooks (once) and points them at the current NODE_PATH. `force`: even if
// NODE_PATH has no node_modules directory yet (a prewarmed process before its claim).
export function enableEsmNodePath({ force = false } = {}) {
  const dirs = nodePathDirs();
  if (update) return update(dirs);
  if (!force && parentsFor(dirs).length === 0) return;
  if (typeof module.registerHooks === 'function') {
    let parents = parentsFor(dirs);
    module.registerHooks({ resolve: (s, c, next) => resolveSync(parents, s, c, next) });
    update = (newDirs) => { parents = parentsFor(newDirs); };
  } else if (typeof module.register === 'function') {
    // The loader thread reads updates synchronously at its next resolve (receiveMessageOnPort),
    // so a NODE_PATH posted before an import is the one that import sees.
    const { port1, port2 } = new MessageChannel();
    port1.unref();  // must not keep the event loop alive ('beforeExit')
    module.register('./esm_node_path_hooks.mjs', import.meta.url,
      { data: { dirs, port: port2 }, transferList: [port2] });
    update = (newDirs) => port1.postMessage(newDirs);
  }
}

// After NODE_PATH changed (the claim): hooks already installed follow it.
export function refreshEsmNodePath() {
  if (update) update(nodePathDirs());
}
