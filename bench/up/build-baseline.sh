#!/usr/bin/env bash
# Builds the preevy CLI (and the agent bundle its image needs) as it was at a git ref
# (bench/build-at-ref.sh) and prints the path of its bin/run.js. Usage: build-baseline.sh <git ref>
# A ref whose core or cli has a `bundle` script (their runtime entries are bundles) gets those too.
set -euo pipefail
after='node scripts/bundle-node.mjs packages/agent/src/main.ts packages/agent/dist/agent.mjs
for p in core cli; do
  script=$(node -p "require(\"./packages/$p/package.json\").scripts?.bundle ?? \"\"")
  if [ -n "$script" ]; then (cd "packages/$p" && bash -c "$script"); fi
done'
out=$(bash "$(dirname "$0")/../build-at-ref.sh" "${1:?usage: build-baseline.sh <git ref>}" cli "$after")
echo "$out/packages/cli/bin/run.js"
