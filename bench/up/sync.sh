#!/usr/bin/env bash
# Bind-mount sync benchmark: a 20,000-file, 1 GB tree synced to a "remote" Docker host (the local
# engine behind a TCP proxy), cold then unchanged, by this checkout's core and by core at
# BENCH_BASELINE_REF side by side. Prints a table; writes bench/results/sync-<timestamp>.json.
# Usage: bash bench/up/sync.sh [--runs N] [--files N] [--mb N]
#   BENCH_BASELINE_REF=<git ref>  the "before" core (default: the last commit with the hand-written
#                                 tar writer, packages/core/src/sync/tar.ts); "none" to skip it.
set -euo pipefail
cd "$(dirname "$0")/../.."
docker image inspect preevy-test/busybox:latest >/dev/null 2>&1 || { echo "missing local image preevy-test/busybox:latest: run npm run infra:setup" >&2; exit 1; }
npx tsc -b packages/core

ref=${BENCH_BASELINE_REF:-}
if [ -z "$ref" ] && ! git cat-file -e HEAD:packages/core/src/sync/tar.ts 2>/dev/null; then
  removed=$(git rev-list -1 HEAD -- packages/core/src/sync/tar.ts)
  [ -n "$removed" ] && ref="$removed^"
fi
if [ -n "$ref" ] && [ "$ref" != none ]; then
  BENCH_BASELINE_CORE=$(bash bench/up/build-core-baseline.sh "$ref")
  BENCH_BASELINE_LABEL="before ($(git rev-parse --short "$ref"))"
  export BENCH_BASELINE_CORE BENCH_BASELINE_LABEL
fi

# Bundled into a dist/ folder (git and ESLint ignore it): the TCP proxy comes from test/support.
npx esbuild bench/up/sync.ts --bundle --platform=node --format=esm --packages=external \
  --log-level=warning --outfile=bench/up/dist/sync-bench.mjs
exec node bench/up/dist/sync-bench.mjs "$@"
