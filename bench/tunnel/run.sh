#!/usr/bin/env bash
# Tunnel benchmark: builds what it needs, bundles bench/tunnel with esbuild and runs it.
# Prints a table to stdout and writes bench/results/tunnel-<timestamp>.json. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in wrk curl ssh; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk curl openssh-client" >&2; exit 1; }
done

# The server and protocol from their built dist; the agent too when it builds (else a stand-in runs).
npx tsc -b packages/tunnel-server
npx tsc -b packages/agent >/dev/null 2>&1 || echo "note: packages/agent does not build; the benchmark uses its stand-in agent" >&2

# BENCH_BASELINE_REF=<git ref>: that ref's tunnel server runs beside this one ("tunnel (before)").
if [ -n "${BENCH_BASELINE_REF:-}" ]; then
  BENCH_BASELINE_SERVER=$(bash bench/tunnel/build-baseline.sh "$BENCH_BASELINE_REF")
  export BENCH_BASELINE_SERVER
  # BENCH_BASELINE_AGENT=1: the before column also runs that ref's agent (the whole change, not only the server's).
  if [ "${BENCH_BASELINE_AGENT:-0}" = 1 ]; then
    BENCH_BASELINE_AGENT_MODULE="$(bash bench/build-at-ref.sh "$BENCH_BASELINE_REF" agent)/packages/agent/dist/tunnel-client.js"
    export BENCH_BASELINE_AGENT_MODULE
  fi
fi

# Bundled into a dist/ folder: git and ESLint both ignore it.
npx esbuild bench/tunnel/main.ts --bundle --platform=node --format=esm --packages=external \
  --log-level=warning --outfile=bench/tunnel/dist/tunnel-bench.mjs
# 1,000+ WebSockets need file descriptors in every process.
ulimit -n 65536 2>/dev/null || true
exec node bench/tunnel/dist/tunnel-bench.mjs "$@"
