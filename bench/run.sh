#!/usr/bin/env bash
# Builds the server and the benchmarks, runs micro_bench, e2e_bench, process_bench and
# peers_bench, and prints their summaries together at the end. Usage:
#   bench/run.sh [--build-dir DIR] [--skip-build] [--only LIST] [--skip LIST] [--no-npm]
#                [--micro-args "ARGS"] [--e2e-args "ARGS"] [--process-args "ARGS"]
#                [--peers-args "ARGS"]
#   LIST: comma separated tools, micro,e2e,process,peers. Each of the last three has parts of
#   its own, chosen with --skip/--only in its args:
#     e2e_bench      cold, warm, scale, memory: the V8-isolate tier (its servers all run with
#                    --node-tier isolate --prewarm-processes 0, comparable with older runs)
#     process_bench  cold, custom, warm: the process tier (jailed node/python/bootstrap
#                    processes, the default for nodejs*.x now): cold starts with and without the
#                    --prewarm-processes pool beside spawn+wait of node/python and the jail
#                    floor, a C custom runtime's cold start, warm invoke process vs isolate
#     peers_bench    stratus-iso, workerd, node (stratus itself always runs; on its default,
#                    the process tier; stratus-iso is the isolate tier)
# e.g. bench/run.sh --e2e-args "--cold 50 --phase-seconds 1 --memory-functions 200"
#      bench/run.sh --only e2e --e2e-args "--only scale"
#      bench/run.sh --only process --process-args "--cold 20 --skip warm"
#      bench/run.sh --micro-args "--benchmark_repetitions=3 --benchmark_filter=Warm"
# process_bench needs root (the jail: namespaces, cgroups, a uid per sandbox) and cc.
# peers_bench needs workerd: unless --no-npm, `npm install workerd` puts it in bench/node_modules
# (git-ignored) when it is not there yet; WORKERD_SPEC overrides the package spec. If that
# fails, peers_bench says so and runs without it.
# Defaults keep a full run under six minutes on a 2-core VM. Every figure is printed beside
# a baseline measured in the same run, as a ratio: compare ratios, not absolute times, across
# runs (this VM's speed drifts up to 2x).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"
MICRO_ARGS="--benchmark_min_time=0.5"
E2E_ARGS=""
PROCESS_ARGS=""
PEERS_ARGS=""
SKIP_BUILD=0
NPM=1
TOOLS="micro,e2e,process,peers"
SKIP_TOOLS=""
WORKERD_SPEC="${WORKERD_SPEC:-workerd@1.20261117.1}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="$(realpath -m "$2")"; shift 2 ;;
    --micro-args) MICRO_ARGS="$2"; shift 2 ;;
    --e2e-args) E2E_ARGS="$2"; shift 2 ;;
    --process-args) PROCESS_ARGS="$2"; shift 2 ;;
    --peers-args) PEERS_ARGS="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --no-npm) NPM=0; shift ;;
    --only) TOOLS="$2"; shift 2 ;;
    --skip) SKIP_TOOLS="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for t in ${TOOLS//,/ } ${SKIP_TOOLS//,/ }; do
  case "$t" in micro|e2e|process|peers) ;; *) echo "run.sh: unknown tool $t (micro, e2e, process, peers)" >&2; exit 2 ;; esac
done
wants() { [[ ",$TOOLS," == *",$1,"* && ",$SKIP_TOOLS," != *",$1,"* ]]; }

if [[ $SKIP_BUILD -eq 0 ]]; then
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target stratus stratus-jail micro_bench e2e_bench process_bench \
    peers_bench -j"$(nproc)"
fi

OUT="$(mktemp -d "${TMPDIR:-/tmp}/stratus-bench-XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
status=0
T0=$SECONDS

if wants micro; then
  echo "== micro_bench $MICRO_ARGS"
  # shellcheck disable=SC2086
  "$BUILD_DIR/bench/micro_bench" $MICRO_ARGS | tee "$OUT/micro.txt" || status=1
fi
if wants e2e; then
  echo "== e2e_bench $E2E_ARGS"
  # shellcheck disable=SC2086
  "$BUILD_DIR/bench/e2e_bench" --stratus "$BUILD_DIR/stratus" $E2E_ARGS | tee "$OUT/e2e.txt" \
    || status=1
fi
if wants process; then
  echo "== process_bench $PROCESS_ARGS"
  # shellcheck disable=SC2086
  "$BUILD_DIR/bench/process_bench" --stratus "$BUILD_DIR/stratus" $PROCESS_ARGS \
    | tee "$OUT/process.txt" || status=1
fi
if wants peers; then
  WORKERD_BIN="$ROOT/bench/node_modules/@cloudflare/workerd-linux-64/bin/workerd"
  # Not when the peers args name workerd (--skip workerd, --workerd PATH).
  if [[ $NPM -eq 1 && ! -x "$WORKERD_BIN" && "$PEERS_ARGS" != *workerd* ]]; then
    if command -v npm >/dev/null; then
      echo "== npm install $WORKERD_SPEC (into bench/node_modules)"
      # No package.json is written: bench/node_modules is a cache, ignored by git.
      timeout 300 npm install --prefix "$ROOT/bench" --no-save --no-package-lock --no-audit \
        --no-fund "$WORKERD_SPEC" 2>&1 | tail -n 5 || echo "run.sh: npm install $WORKERD_SPEC failed"
    else
      echo "run.sh: no npm here: peers_bench runs without workerd"
    fi
  fi
  echo "== peers_bench $PEERS_ARGS"
  # shellcheck disable=SC2086
  "$BUILD_DIR/bench/peers_bench" --stratus "$BUILD_DIR/stratus" --bench-dir "$ROOT/bench" \
    $PEERS_ARGS | tee "$OUT/peers.txt" || status=1
fi

echo
echo "################ summary ($((SECONDS - T0)) s) ################"
[[ -f "$OUT/micro.txt" ]] && sed -n '/^== micro_bench summary/,$p' "$OUT/micro.txt"
[[ -f "$OUT/e2e.txt" ]] && { echo; sed -n '/^== e2e_bench summary/,$p' "$OUT/e2e.txt"; }
[[ -f "$OUT/process.txt" ]] && { echo; sed -n '/^== process_bench summary/,$p' "$OUT/process.txt"; }
[[ -f "$OUT/peers.txt" ]] && { echo; sed -n '/^== peers_bench summary/,$p' "$OUT/peers.txt"; }
exit $status
