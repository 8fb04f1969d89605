#!/usr/bin/env bash
# `preevy up` benchmark: cold, unchanged and after a bind-mounted edit, on examples/hello with the
# built binary and the local test images (offline), beside plain `docker compose up` on the same
# project. Prints tables; writes bench/results/up-<timestamp>.json.
# Usage: bash bench/up/run.sh [--runs N]   (build first: npm run build)
#        BENCH_BASELINE_REF=<git ref> bash bench/up/run.sh   adds that ref's CLI as a "before" column
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f packages/cli/dist/bundle.mjs ] || { echo "packages/cli is not built: run npm run build" >&2; exit 1; }
for image in preevy-test/busybox:latest preevy-test/node:20; do
  docker image inspect "$image" >/dev/null 2>&1 || { echo "missing local image $image: run npm run infra:setup" >&2; exit 1; }
done
if [ -n "${BENCH_BASELINE_REF:-}" ]; then
  BENCH_BASELINE_BIN=$(bash bench/up/build-baseline.sh "$BENCH_BASELINE_REF")
  export BENCH_BASELINE_BIN
fi
exec node bench/up/main.mjs "$@"
