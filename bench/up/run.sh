#!/usr/bin/env bash
# `preevy up` benchmark: cold, unchanged and after a bind-mounted edit, on examples/hello with the
# built binary and the local test images (offline). Prints a table; writes bench/results/up-<timestamp>.json.
# Usage: bash bench/up/run.sh [--runs N]   (build first: npx tsc -b && npm run -s bundle -w @preevy/agent)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f packages/cli/dist/main.js ] || { echo "packages/cli is not built: run npx tsc -b" >&2; exit 1; }
for image in preevy-test/busybox:latest preevy-test/node:20; do
  docker image inspect "$image" >/dev/null 2>&1 || { echo "missing local image $image: run npm run infra:setup" >&2; exit 1; }
done
exec node bench/up/main.mjs "$@"
