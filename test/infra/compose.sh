#!/usr/bin/env bash
# Ensure Compose v2 (>= 2.20) is a Docker CLI plugin. Debian ships only v1, and no release
# download is reachable, so build the pinned version from its Go module. Idempotent and cached.
source "$(dirname "$0")/lib.sh"

COMPOSE_VERSION="${COMPOSE_VERSION:-v2.32.4}"   # its go.mod has no replace/exclude: go install works

if compose_ok; then
  say "compose: $(docker compose version --short) already installed"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is needed to build Compose v2 from its module, and 'go' is not on PATH"
bin_dir="$PREEVY_TEST_CACHE/compose/$COMPOSE_VERSION"
if [ ! -x "$bin_dir/cmd" ]; then
  say "compose: building github.com/docker/compose/v2 $COMPOSE_VERSION from the Go module proxy (5-8 min cold)"
  mkdir -p "$bin_dir"
  CGO_ENABLED=0 GOBIN="$bin_dir" GOFLAGS=-mod=mod go install -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
    "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION" >&2 || die "building compose $COMPOSE_VERSION failed (see above)"
fi
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
install -D -m 0755 "$bin_dir/cmd" "$plugins/docker-compose"
docker compose version >/dev/null 2>&1 || die "compose plugin installed at $plugins but 'docker compose version' fails"
say "compose: $(docker compose version --short) installed at $plugins/docker-compose"
