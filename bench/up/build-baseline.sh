#!/usr/bin/env bash
# Builds the preevy CLI (and the agent bundle its image needs) as it was at a git ref, for the
# "before" column of the up benchmark, and prints the path of its bin/run.js.
# Usage: build-baseline.sh <git ref>
#
# Same scheme as bench/tunnel/build-baseline.sh: the ref's files come out of `git archive` into
# $TMPDIR/preevy-bench-up-baseline-<sha>/ (reused by later runs, outside the checkout), with a
# node_modules that links every entry of this checkout's except @preevy/*, which point at the
# ref's own packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
ref=${1:?usage: build-baseline.sh <git ref>}
sha=$(git rev-parse --verify --quiet "${ref}^{commit}") || { echo "BENCH_BASELINE_REF: no commit named '$ref'" >&2; exit 1; }
git cat-file -e "$sha:packages/cli/package.json" 2>/dev/null || { echo "BENCH_BASELINE_REF: $ref has no packages/cli" >&2; exit 1; }
out=${TMPDIR:-/tmp}/preevy-bench-up-baseline-$sha
bin=$out/packages/cli/bin/run.js

if [ ! -f "$out/.built" ]; then
  echo "building the preevy CLI at $ref ($sha) in $out" >&2
  rm -rf "$out"
  mkdir -p "$out/node_modules/@preevy"
  git archive "$sha" tsconfig.base.json packages templates scripts | tar -x -C "$out"
  for dep in "$root"/node_modules/* "$root"/node_modules/.bin; do
    if [ "$(basename "$dep")" != @preevy ]; then ln -s "$dep" "$out/node_modules/"; fi
  done
  for pkg in "$out"/packages/*/package.json; do
    dir=$(basename "$(dirname "$pkg")")
    name=$(node -p "require(process.argv[1]).name" "$pkg")
    if [ "${name%%/*}" = @preevy ]; then ln -s "../../packages/$dir" "$out/node_modules/$name"; fi
  done
  (cd "$out" && "$root/node_modules/.bin/tsc" -b packages/cli && node scripts/bundle-node.mjs packages/agent/src/main.ts packages/agent/dist/agent.mjs) >&2
  [ -f "$out/packages/cli/dist/main.js" ] || { echo "building $ref's CLI gave no packages/cli/dist/main.js" >&2; exit 1; }
  touch "$out/.built"
fi
echo "$bin"
