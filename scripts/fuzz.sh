#!/usr/bin/env bash
# libFuzzer harnesses (tests/fuzz, docs/fuzzing.md), built by clang with ASan + UBSan into
# build-fuzz/ (its own build dir: the main build is untouched, and objects are reused across runs).
#   scripts/fuzz.sh --list            the harnesses
#   scripts/fuzz.sh NAME SECONDS      build if needed, run NAME for SECONDS from tests/fuzz/NAME/
#   scripts/fuzz.sh --all SECONDS     each harness for SECONDS, two at a time; fails on any crash
#   scripts/fuzz.sh --build           only build
# New inputs and crash reproducers go to a scratch dir ($STRATUS_FUZZ_OUT, default
# /tmp/stratus-fuzz/NAME), never into the repo. Exit status: non-zero if a harness crashed,
# leaked, hit UB or timed out (its reproducer is in the scratch dir, named in the output).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${STRATUS_FUZZ_BUILD:-$src/build-fuzz}
out_root=${STRATUS_FUZZ_OUT:-/tmp/stratus-fuzz}
harnesses=(http_server json_reader request_decoder request_target archive runtime_state runtime_api sqs_protocol logs_protocol host_call_codec esm_filter)

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

build() {
  if [ ! -f "$build/CMakeCache.txt" ]; then
    # -O1 and line tables only: quick to build (CI builds this from scratch), enough for stack
    # traces; no -DNDEBUG, so assertions stay on.
    cmake -S "$src" -B "$build" -DSTRATUS_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only" "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only" \
      >/dev/null
  fi
  local targets=()
  for h in "${harnesses[@]}"; do targets+=(--target "${h}_fuzzer"); done
  cmake --build "$build" -j"$(nproc)" "${targets[@]}" >/dev/null
}

# run NAME SECONDS: libFuzzer from the committed seeds; new inputs go to the scratch corpus.
run() {
  local name=$1 seconds=$2
  local bin=$build/fuzz/${name}_fuzzer seeds=$src/tests/fuzz/$name out=$out_root/$name
  [ -x "$bin" ] || { echo "fuzz: no harness $name (--list)" >&2; return 2; }
  mkdir -p "$out/corpus" "$out/artifacts"
  local dict=()
  [ -f "$src/tests/fuzz/$name.dict" ] && dict=(-dict="$src/tests/fuzz/$name.dict")
  # Inputs up to 64 KiB (several pipelined requests, a small zip); a state machine's life
  # and a URL need far fewer bytes, and shorter inputs mean more of them per second.
  local max_len=65536
  case $name in runtime_state) max_len=512 ;; request_target|esm_filter) max_len=4096 ;; esac
  local log=$out/fuzz.log
  # -timeout: one input may take at most 10 s (a stalled server is a finding, not a hang);
  # -rss_limit_mb bounds a leak; detect_leaks is LeakSanitizer at exit and on each crash.
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$bin" "$out/corpus" "$seeds" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 -artifact_prefix="$out/artifacts/" \
      >"$log" 2>&1; then
    echo "fuzz: $name: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?') inputs in ${seconds}s"
  else
    local artifact
    artifact=$(ls -t "$out/artifacts" | head -1)
    if [ -n "$artifact" ]; then artifact=$out/artifacts/$artifact; else artifact="none written (killed by a signal?)"; fi
    echo "fuzz: $name: FAILED; reproducer: $artifact" >&2
    grep -E 'ERROR|invariant broken|SUMMARY|runtime error' "$log" | head -5 >&2 || true
    echo "fuzz: full log: $log" >&2
    return 1
  fi
}

[ $# -ge 1 ] || usage
case $1 in
  --list) printf '%s\n' "${harnesses[@]}" ;;
  --build) build ;;
  --all)
    [ $# -eq 2 ] || usage
    build
    # Two at a time (the machine has two cores); every harness runs even if one fails.
    passed=0 failed=0
    for ((i = 0; i < ${#harnesses[@]}; i += 2)); do
      pids=()
      for h in "${harnesses[@]:i:2}"; do run "$h" "$2" & pids+=($!); done
      for p in "${pids[@]}"; do
        if wait "$p"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
      done
    done
    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
  -*) usage ;;
  *)
    [ $# -eq 2 ] || usage
    build
    run "$1" "$2"
    ;;
esac
