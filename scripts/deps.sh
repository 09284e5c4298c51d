#!/usr/bin/env bash
# Installs what Stratus needs to build and test, and nothing twice: quick when all is present.
# Debian packages via apt-get; V8 from Debian's libnode108 + libnode-dev, fetched with
# `apt-get download` and unpacked with `dpkg -x` into third_party/libnode, because installing
# libnode-dev conflicts with the preinstalled Node.js 20.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config git ca-certificates
  libuv1-dev libzip-dev libsqlite3-dev libssl-dev nlohmann-json3-dev libcurl4-openssl-dev
  libhttp-parser-dev libcgroup-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev prometheus-cpp-dev
  python3 python3-boto3 python3-prometheus-client zip unzip curl openssl
  clang libclang-rt-14-dev
  libbrotli1 libc-ares2 libicu72 libnghttp2-14)
# The AWS CLI v2 (`--cli-binary-format` and friends): Debian 12's awscli package is v2.9; a
# machine whose PATH has only v1 gets Debian's too, at /usr/bin/aws (scripts/aws-cli finds it).
if ! scripts/aws-cli --version >/dev/null 2>&1; then packages+=(awscli); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-boto3 is always Debian's: it is the runtime-provided SDK that python functions import
# from /usr/bin/python3 inside their jail (a pip boto3 elsewhere on PATH is invisible there).
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

libnode_dir=third_party/libnode
if [ ! -f "$libnode_dir/usr/include/node/v8.h" ] || [ ! -f "$libnode_dir/usr/lib/x86_64-linux-gnu/libnode.so.108" ]; then
  echo "deps: fetching libnode108 + libnode-dev (V8)"
  tmp=$(mktemp -d)
  ( cd "$tmp" && apt-get download libnode108 libnode-dev >/dev/null 2>&1 ) || {
    apt-get update -q >/dev/null; ( cd "$tmp" && apt-get download libnode108 libnode-dev >/dev/null ); }
  rm -rf "$libnode_dir" && mkdir -p "$libnode_dir"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$libnode_dir"; done
  rm -rf "$tmp"
fi
# The AWS SDK for JavaScript v3 that Lambda's Node.js runtimes provide (/var/runtime/node_modules).
scripts/deps-node-sdk.sh
echo "deps: ready"
