#!/usr/bin/env bash
# Builds packages/core as it was at a git ref, for the before column of the sync benchmark, and
# prints the path of its dist/index.js. Usage: build-core-baseline.sh <git ref>
# Same recipe as bench/tunnel/build-baseline.sh: `git archive` of the ref's packages into
# $TMPDIR/preevy-bench-core-<sha>/ (reused by later runs), this checkout's node_modules linked in,
# except @preevy/*, which point at the ref's own packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
ref=${1:?usage: build-core-baseline.sh <git ref>}
sha=$(git rev-parse --verify --quiet "${ref}^{commit}") || { echo "BENCH_BASELINE_REF: no commit named '$ref'" >&2; exit 1; }
git cat-file -e "$sha:packages/core/package.json" 2>/dev/null || { echo "BENCH_BASELINE_REF: $ref has no packages/core" >&2; exit 1; }
out=${TMPDIR:-/tmp}/preevy-bench-core-$sha
entry=$out/packages/core/dist/index.js

if [ ! -f "$entry" ]; then
  echo "building packages/core at $ref ($sha) in $out" >&2
  rm -rf "$out"
  mkdir -p "$out/node_modules/@preevy"
  git archive "$sha" tsconfig.base.json packages | tar -x -C "$out"
  for dep in "$root"/node_modules/* "$root"/node_modules/.bin; do
    if [ "$(basename "$dep")" != @preevy ]; then ln -s "$dep" "$out/node_modules/"; fi
  done
  for pkg in "$out"/packages/*/package.json; do
    dir=$(basename "$(dirname "$pkg")")
    name=$(node -p "require(process.argv[1]).name" "$pkg")
    if [ "${name%%/*}" = @preevy ]; then ln -s "../../packages/$dir" "$out/node_modules/$name"; fi
  done
  (cd "$out" && "$root/node_modules/.bin/tsc" -b packages/core) >&2
  [ -f "$entry" ] || { echo "building $ref's core gave no $entry" >&2; exit 1; }
fi
echo "$entry"
