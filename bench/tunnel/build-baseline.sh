#!/usr/bin/env bash
# Builds packages/tunnel-server as it was at a git ref, for a before/after column in the tunnel
# benchmark, and prints the path of its dist/index.js. Usage: build-baseline.sh <git ref>
#
# The ref's packages/ and tsconfig.base.json come out of `git archive` (no worktree is added to
# the repository) into $TMPDIR/preevy-bench-baseline-<sha>/, which later runs reuse. It stays
# out of the checkout: tsconfig.test.json type-checks every .ts under bench/. No
# `npm ci`: its node_modules links every entry of this checkout's node_modules, except that
# @preevy/* point at the ref's own packages, so the old server runs with its own tunnel-protocol.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
ref=${1:?usage: build-baseline.sh <git ref>}
sha=$(git rev-parse --verify --quiet "${ref}^{commit}") || { echo "BENCH_BASELINE_REF: no commit named '$ref'" >&2; exit 1; }
git cat-file -e "$sha:packages/tunnel-server/package.json" 2>/dev/null || { echo "BENCH_BASELINE_REF: $ref has no packages/tunnel-server" >&2; exit 1; }
out=${TMPDIR:-/tmp}/preevy-bench-baseline-$sha
entry=$out/packages/tunnel-server/dist/index.js

if [ ! -f "$entry" ]; then
  echo "building packages/tunnel-server at $ref ($sha) in $out" >&2
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
  (cd "$out" && "$root/node_modules/.bin/tsc" -b packages/tunnel-server) >&2
  [ -f "$entry" ] || { echo "building $ref's tunnel-server gave no $entry" >&2; exit 1; }
fi
echo "$entry"
