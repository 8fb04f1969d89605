#!/usr/bin/env bash
# The one test command (`npm test`): installs what is missing, sets up the offline infrastructure,
# builds, lints, checks the dependency rules, then runs every test tier. Fails at the first problem.
source "$(dirname "$0")/lib.sh"

ensure_node_modules
step "test infrastructure (Docker engine, Compose v2, local images, the test Kubernetes node)"
bash test/infra/setup.sh
step "build (tsc -b, and type-check of tests)"
npm run --silent build
step "lint"
npm run --silent lint
step "dependency rules"
npm run --silent deps:check
step "tests: unit, int, e2e"
npx vitest run "$@"
