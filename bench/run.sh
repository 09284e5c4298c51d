#!/usr/bin/env bash
# Builds the server and the benchmarks, runs micro_bench then e2e_bench, and prints both
# summaries together at the end. Usage:
#   bench/run.sh [--build-dir DIR] [--micro-args "ARGS"] [--e2e-args "ARGS"] [--skip-build]
#                [--only micro|e2e]
# e.g. bench/run.sh --e2e-args "--cold 50 --phase-seconds 1"
#      bench/run.sh --micro-args "--benchmark_repetitions=3 --benchmark_filter=Warm"
# Defaults keep a full run at about two minutes on a 2-core VM. Every figure is printed beside
# a baseline measured in the same run, as a ratio: compare ratios, not absolute times, across
# runs (this VM's speed drifts up to 2x).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"
MICRO_ARGS="--benchmark_min_time=0.5"
E2E_ARGS=""
SKIP_BUILD=0
ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="$(realpath -m "$2")"; shift 2 ;;
    --micro-args) MICRO_ARGS="$2"; shift 2 ;;
    --e2e-args) E2E_ARGS="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ $SKIP_BUILD -eq 0 ]]; then
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target stratus micro_bench e2e_bench -j"$(nproc)"
fi

OUT="$(mktemp -d "${TMPDIR:-/tmp}/stratus-bench-XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
status=0

if [[ -z "$ONLY" || "$ONLY" == micro ]]; then
  echo "== micro_bench $MICRO_ARGS"
  # shellcheck disable=SC2086
  "$BUILD_DIR/bench/micro_bench" $MICRO_ARGS | tee "$OUT/micro.txt" || status=1
fi
if [[ -z "$ONLY" || "$ONLY" == e2e ]]; then
  echo "== e2e_bench $E2E_ARGS"
  # shellcheck disable=SC2086
  "$BUILD_DIR/bench/e2e_bench" --stratus "$BUILD_DIR/stratus" $E2E_ARGS | tee "$OUT/e2e.txt" \
    || status=1
fi

echo
echo "################ summary ################"
[[ -f "$OUT/micro.txt" ]] && sed -n '/^== micro_bench summary/,$p' "$OUT/micro.txt"
[[ -f "$OUT/e2e.txt" ]] && { echo; sed -n '/^== e2e_bench summary/,$p' "$OUT/e2e.txt"; }
exit $status
