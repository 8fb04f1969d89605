#!/usr/bin/env bash
# Builds the preevy CLI (and the agent bundle its image needs) as it was at a git ref
# (bench/build-at-ref.sh) and prints the path of its bin/run.js. Usage: build-baseline.sh <git ref>
set -euo pipefail
out=$(bash "$(dirname "$0")/../build-at-ref.sh" "${1:?usage: build-baseline.sh <git ref>}" cli 'node scripts/bundle-node.mjs packages/agent/src/main.ts packages/agent/dist/agent.mjs')
echo "$out/packages/cli/bin/run.js"
