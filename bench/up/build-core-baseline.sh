#!/usr/bin/env bash
# Builds packages/core as it was at a git ref (bench/build-at-ref.sh) and prints the path of its
# dist/index.js. Usage: build-core-baseline.sh <git ref>
set -euo pipefail
out=$(bash "$(dirname "$0")/../build-at-ref.sh" "${1:?usage: build-core-baseline.sh <git ref>}" core)
echo "$out/packages/core/dist/index.js"
