#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
tests/corpus/setup.sh  # npm packages of the real-handler corpus (tests/e2e/test_corpus.py)
scripts/build.sh
# The libFuzzer harnesses, 10 s each from their seed corpora, in a clang build of their own
# (build-fuzz/, objects reused across runs); run first so that ctest's summary closes the output.
fuzz_status=0
scripts/fuzz.sh --all 10 || fuzz_status=$?
cd build
ctest --output-on-failure -j2 --timeout 600
exit "$fuzz_status"
