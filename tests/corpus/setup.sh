#!/usr/bin/env bash
# Installs the Node.js handler corpus's third-party npm packages (express, serverless-http,
# middy, Powertools, aws-xray-sdk-core, jsonwebtoken, lodash, esbuild) from the committed
# tests/corpus/package-lock.json into third_party/corpus-deps (ignored by git), with `npm ci`.
# Idempotent: does nothing when the installed tree matches the lock (sha256 marker).
#
# The AWS SDK v3 is not installed here: Lambda provides it to Node.js functions, and so does
# Stratus (scripts/deps-node-sdk.sh -> third_party/node-sdk/node_modules).
#
#   tests/corpus/setup.sh            # install / verify
#   CORPUS_DEPS_DIR=/x tests/corpus/setup.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="${CORPUS_DEPS_DIR:-$repo/third_party/corpus-deps}"
marker="$dest/.corpus-lock-sha256"

command -v node >/dev/null || { echo "setup.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup.sh: npm not found" >&2; exit 1; }

want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f "$marker" && "$(cat "$marker")" == "$want" && -d "$dest/node_modules" ]]; then
  echo "corpus deps: up to date in $dest"
  exit 0
fi

start=$(date +%s.%N)
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cp "$here/package.json" "$here/package-lock.json" "$dest.tmp/"
# --ignore-scripts: nothing here needs an install script (esbuild's binary comes from its
# @esbuild/<platform> package); bounded in time so a stalled registry cannot hang CI.
(cd "$dest.tmp" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
"$dest.tmp/node_modules/.bin/esbuild" --version >/dev/null
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$want" > "$marker"
end=$(date +%s.%N)
printf 'corpus deps: installed in %s (%.1f s, %s, %s files)\n' "$dest" \
  "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')" "$(du -sh "$dest/node_modules" | cut -f1)" \
  "$(find "$dest/node_modules" -type f | wc -l)"
