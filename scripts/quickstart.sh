#!/usr/bin/env bash
# The README's quick start: build preevy and run `preevy up` on examples/hello on the local Docker
# engine, with the embedded local tunnel server. Prints the URLs.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
step "build"
npm run --silent build

# Offline machines (no registry) cannot pull the example's public base images; use the locally
# built test images when they are there (`npm run infra:setup` builds them).
if ! docker image inspect busybox:1.36 >/dev/null 2>&1 && docker image inspect preevy-test/busybox:latest >/dev/null 2>&1; then
  export BASE_IMAGE="${BASE_IMAGE:-preevy-test/busybox:latest}" NODE_IMAGE="${NODE_IMAGE:-preevy-test/node:20}" PREEVY_AGENT_BASE_IMAGE="${PREEVY_AGENT_BASE_IMAGE:-preevy-test/node:20}"
  step "no public base images here: using the local test images ($BASE_IMAGE, $NODE_IMAGE)"
fi
step "preevy up (examples/hello)"
cd examples/hello
npx --no-install preevy up "$@"
