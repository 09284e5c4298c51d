// Module resolution hooks that let ES modules `import` bare specifiers from the NODE_PATH
// directories, as Lambda's Node.js runtimes (18 and later) do, e.g. the runtime-provided
// `import { S3Client } from "@aws-sdk/client-s3"` from /var/task/index.mjs. Node's own ESM
// resolver ignores NODE_PATH. Only when the normal lookup (node_modules beside and above the
// importing file) fails, each NODE_PATH directory named node_modules is tried in order, with
// the full ESM rules ("exports", "import" conditions) as if imported from right beside it.
//
// Loaded by esm_node_path.mjs: through module.register (a loader thread; `initialize` gets the
// directories and a port for later changes) or module.registerHooks (same thread; resolveSync).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { receiveMessageOnPort } from 'node:worker_threads';

let parents = [];
let updates = null;  // MessagePort: new NODE_PATH directory lists from the main thread

// A parent URL inside dir's parent, so that the lookup starts at dir itself.
export function parentsFor(dirs) {
  return dirs.filter((dir) => path.basename(dir) === 'node_modules')
    .map((dir) => pathToFileURL(path.join(path.dirname(dir), '.stratus-node-path.mjs')).href);
}

export function initialize(data) {
  parents = parentsFor(data?.dirs ?? []);
  updates = data?.port ?? null;
  updates?.unref();
}

function latestParents() {
  for (let m = updates && receiveMessageOnPort(updates); m; m = receiveMessageOnPort(updates)) {
    parents = parentsFor(m.message);
  }
  return parents;
}

// "pkg", "@scope/pkg/sub": not relative, absolute, a URL ("node:", "file:", "data:") or "#x".
function isBare(specifier) {
  return !/^(\.|\/|#)/.test(specifier) && !/^[a-zA-Z][a-zA-Z\d+\-.]*:/.test(specifier);
}

function shouldRetry(err, specifier) {
  return err?.code === 'ERR_MODULE_NOT_FOUND' && isBare(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!shouldRetry(err, specifier)) throw err;
    for (const parentURL of latestParents()) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this directory
      }
    }
    throw err;
  }
}

export function resolveSync(parentURLs, specifier, context, nextResolve) {
  try {
    return nextResolve(specifier, context);
  } catch (err) {
    if (!shouldRetry(err, specifier)) throw err;
    for (const parentURL of parentURLs) {
      try {
        return nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this directory
      }
    }
    throw err;
  }
}
