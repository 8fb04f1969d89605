#!/usr/bin/env bash
# Builds one package of this repository as it was at a git ref, for the "before" column of a
# benchmark, and prints the directory it was built in. Usage: build-at-ref.sh <git ref> <package>
# [command run in that directory after tsc, e.g. a bundle step]
#
# The ref's files come out of `git archive` (no worktree is added to the repository) into
# $TMPDIR/preevy-bench-<package>-<sha>/, which later runs reuse. It stays out of the checkout:
# tsconfig.test.json type-checks every .ts under bench/. No `npm ci`: its node_modules links every
# entry of this checkout's node_modules, except @preevy/*, which point at the ref's own packages,
# so the old code runs with its own tunnel-protocol and core.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ref=${1:?usage: build-at-ref.sh <git ref> <package> [after-build command]}
pkg=${2:?usage: build-at-ref.sh <git ref> <package> [after-build command]}
after=${3:-}
sha=$(git rev-parse --verify --quiet "${ref}^{commit}") || { echo "BENCH_BASELINE_REF: no commit named '$ref'" >&2; exit 1; }
git cat-file -e "$sha:packages/$pkg/package.json" 2>/dev/null || { echo "BENCH_BASELINE_REF: $ref has no packages/$pkg" >&2; exit 1; }
out=${TMPDIR:-/tmp}/preevy-bench-$pkg-$sha

if [ ! -f "$out/.built" ]; then
  echo "building packages/$pkg at $ref ($sha) in $out" >&2
  rm -rf "$out"
  mkdir -p "$out/node_modules/@preevy"
  git archive "$sha" tsconfig.base.json packages templates scripts | tar -x -C "$out"
  for dep in "$root"/node_modules/* "$root"/node_modules/.bin; do
    if [ "$(basename "$dep")" != @preevy ]; then ln -s "$dep" "$out/node_modules/"; fi
  done
  for manifest in "$out"/packages/*/package.json; do
    dir=$(basename "$(dirname "$manifest")")
    name=$(node -p "require(process.argv[1]).name" "$manifest")
    if [ "${name%%/*}" = @preevy ]; then ln -s "../../packages/$dir" "$out/node_modules/$name"; fi
  done
  (cd "$out" && "$root/node_modules/.bin/tsc" -b "packages/$pkg" && if [ -n "$after" ]; then bash -c "$after"; fi) >&2
  [ -d "$out/packages/$pkg/dist" ] || { echo "building $ref's $pkg gave no packages/$pkg/dist" >&2; exit 1; }
  touch "$out/.built"
fi
echo "$out"
