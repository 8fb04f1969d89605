#!/usr/bin/env bash
# actionlint, built from its Go module (pinned) through the Go module proxy, for the GitHub Action
# tests. Idempotent: skipped when the pinned version is already in the cache.
source "$(dirname "$0")/lib.sh"
ACTIONLINT_VERSION=v1.7.7
BIN_DIR="$PREEVY_TEST_CACHE/bin"
if [ -x "$BIN_DIR/actionlint" ] && "$BIN_DIR/actionlint" -version | grep -q "${ACTIONLINT_VERSION#v}"; then
  say "actionlint $ACTIONLINT_VERSION already in $BIN_DIR"
  exit 0
fi
command -v go >/dev/null || die "actionlint is built with Go: install Go (https://go.dev/doc/install) and rerun"
mkdir -p "$BIN_DIR"
GOBIN="$BIN_DIR" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >"$INFRA_LOGS/actionlint.log" 2>&1 \
  || { show_log_tail "$INFRA_LOGS/actionlint.log"; die "go install actionlint failed: is the Go module proxy reachable?"; }
say "actionlint $ACTIONLINT_VERSION built into $BIN_DIR"
