#!/usr/bin/env bash
# The README's quick start. Until `preevy up` lands it builds the CLI and shows what it offers.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
step "build"
npm run --silent build
step "preevy --help"
npx --no-install preevy --help
