#!/usr/bin/env bash
# Installs the AWS SDK for JavaScript v3 clients that Lambda's Node.js runtimes provide into
# third_party/node-sdk/node_modules, pinned by runtime/clients/node/sdk/package-lock.json. The
# sandbox mounts that directory at /var/runtime/node_modules (on NODE_PATH), so handlers can
# require() or import "@aws-sdk/client-s3" without bundling it. Quick when already installed:
# npm records what it installed in node_modules/.package-lock.json, and that is compared with the
# committed lock.
set -euo pipefail
cd "$(dirname "$0")/.."

src=runtime/clients/node/sdk
dest=third_party/node-sdk

# npm's copy of the lock drops the root entry; compare the installed packages only.
installed_matches() {
  [ -f "$dest/node_modules/.package-lock.json" ] || return 1
  node -e '
    const fs = require("fs");
    const pkgs = (f) => { const p = JSON.parse(fs.readFileSync(f, "utf8")).packages; delete p[""]; return p; };
    const norm = (p) => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k].version, p[k].integrity]));
    process.exit(norm(pkgs(process.argv[1])) === norm(pkgs(process.argv[2])) ? 0 : 1);
  ' "$src/package-lock.json" "$dest/node_modules/.package-lock.json"
}

if installed_matches && cmp -s "$src/package.json" "$dest/package.json"; then
  echo "deps-node-sdk: up to date ($dest/node_modules)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "deps-node-sdk: npm not found (it comes with Node.js)" >&2
  exit 1
fi

echo "deps-node-sdk: installing the runtime's AWS SDK into $dest"
start=$(date +%s)
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
# No install scripts (none of these packages needs one), no audit or funding chatter.
( cd "$dest" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error )
# Node loads the CommonJS builds (dist-cjs: "main", or the "node" export condition); the ES
# builds and type declarations are for bundlers and editors. Lambda's image ships without them.
find "$dest/node_modules" -type d \( -name dist-es -o -name dist-types \) -prune -exec rm -rf {} +
echo "deps-node-sdk: ready in $(( $(date +%s) - start )) s, $(du -sh "$dest/node_modules" | cut -f1)"
