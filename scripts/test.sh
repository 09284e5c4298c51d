#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
tests/corpus/setup.sh  # npm packages of the real-handler corpus (tests/e2e/test_corpus.py)
scripts/build.sh
cd build
ctest --output-on-failure -j2 --timeout 600
