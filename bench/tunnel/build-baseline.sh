#!/usr/bin/env bash
# Builds packages/tunnel-server as it was at a git ref (bench/build-at-ref.sh) and prints the path
# of its dist/index.js. Usage: build-baseline.sh <git ref>
set -euo pipefail
out=$(bash "$(dirname "$0")/../build-at-ref.sh" "${1:?usage: build-baseline.sh <git ref>}" tunnel-server)
echo "$out/packages/tunnel-server/dist/index.js"
