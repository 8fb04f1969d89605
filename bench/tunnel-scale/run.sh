#!/usr/bin/env bash
# Tunnel server scale benchmark: per-request cost with 10 vs 10,000 tunnels, side by side in one run.
# BENCH_TUNNEL_SERVER=/abs/path/to/dist/index.js measures another build (e.g. before a change).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/tunnel-server
npx esbuild bench/tunnel-scale/main.ts --bundle --platform=node --format=esm --packages=external \
  --log-level=warning --outfile=bench/tunnel-scale/dist/tunnel-scale.mjs
ulimit -n 65536 2>/dev/null || true
exec node bench/tunnel-scale/dist/tunnel-scale.mjs "$@"
