# Shared helpers for the offline test infrastructure. Source it; do not run it.
# Everything cached lives outside the repo, under PREEVY_TEST_CACHE.
set -euo pipefail

PREEVY_TEST_CACHE="${PREEVY_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preevy-test}"
INFRA_LOGS="$PREEVY_TEST_CACHE/logs"
mkdir -p "$PREEVY_TEST_CACHE" "$INFRA_LOGS"

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# Print the tail of a daemon log, so a failed start explains itself.
show_log_tail() { [ -f "$1" ] && { say "last lines of $1:"; tail -n 30 "$1" >&2; } || true; }

need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root (it installs Debian packages / starts daemons). Run as root, or prepare it by hand."; }

APT_UPDATED_MARK="$PREEVY_TEST_CACHE/.apt-updated"
# Install Debian packages that are missing; apt-get update at most once per hour.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ "${#missing[@]}" = 0 ] && return 0
  need_root "installing ${missing[*]}"
  if [ -z "$(find "$APT_UPDATED_MARK" -mmin -60 2>/dev/null)" ]; then
    say "apt-get update"
    apt-get update >"$INFRA_LOGS/apt.log" 2>&1 \
      || { show_log_tail "$INFRA_LOGS/apt.log"; die "apt-get update failed: are Debian's package mirrors reachable?"; }
    touch "$APT_UPDATED_MARK"
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$INFRA_LOGS/apt.log" 2>&1 \
    || { show_log_tail "$INFRA_LOGS/apt.log"; die "apt-get install ${missing[*]} failed"; }
}

# Wait until a command succeeds, at most $1 seconds; give up at once if it exits with 2 (hopeless).
wait_for() {
  local timeout="$1"; shift
  local deadline=$((SECONDS + timeout)) rc
  while true; do
    rc=0; "$@" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 2 ] && return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# Compose v2 new enough for `--wait` and `config --format json` is a Docker CLI plugin here.
COMPOSE_MIN_MINOR=20
compose_ok() {
  local current
  current=$(docker compose version --short 2>/dev/null) || return 1
  [[ "$current" =~ ^v?2\.([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge "$COMPOSE_MIN_MINOR" ]
}

# The local engine's socket: a unix:// DOCKER_HOST if one is given, else Docker's default.
local_engine_socket() {
  case "${DOCKER_HOST:-}" in
    "") echo unix:///var/run/docker.sock ;;
    unix://*) echo "$DOCKER_HOST" ;;
    *) return 1 ;;
  esac
}

# Content hash of files (not of their paths, which may be temporary).
sha_of() { cat "$@" | sha256sum | cut -c1-16; }

# --- local images (no registry: everything is built here) ------------------------------
recipe_of() { docker image inspect -f '{{index .Config.Labels "preevy-test.recipe"}}' "$1" 2>/dev/null || true; }

# build_image TAG RECIPE CONTEXT_DIR: docker build unless TAG already carries RECIPE.
build_image() {
  local tag="$1" recipe="$2" ctx="$3"
  if [ "$(recipe_of "$tag")" = "$recipe" ]; then say "image $tag: up to date"; return 0; fi
  say "image $tag: building"
  local log="$INFRA_LOGS/build-${tag//[\/:]/_}.log"
  # The legacy builder needs no buildx plugin and no BuildKit images, which cannot be pulled here.
  DOCKER_BUILDKIT=0 docker build --label "preevy-test.recipe=$recipe" -t "$tag" "$ctx" >"$log" 2>&1 \
    || { show_log_tail "$log"; die "building $tag failed"; }
}

# debootstrap_tarball NAME INCLUDES: prints the path of a cached Debian bookworm minbase rootfs
# tarball with INCLUDES (comma-separated packages), made with debootstrap on first use.
debootstrap_tarball() {
  local name="$1" include="$2"
  local tarball="$PREEVY_TEST_CACHE/rootfs/debian-bookworm-$name-$(echo "$include" | sha256sum | cut -c1-8).tar"
  if [ ! -s "$tarball" ]; then
    apt_install debootstrap
    local root log="$INFRA_LOGS/debootstrap-$name.log"
    root=$(mktemp -d)
    say "debootstrap bookworm minbase ($include) into $root (about a minute)"
    debootstrap --variant=minbase --include="$include" bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$log" 2>&1 \
      || { show_log_tail "$log"; rm -rf "$root"; die "debootstrap ($name) failed"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    mkdir -p "$(dirname "$tarball")"
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  echo "$tarball"
}

# import_rootfs TAG TARBALL [CHANGE...]: docker import unless TAG already carries the tarball's hash.
import_rootfs() {
  local tag="$1" tarball="$2"; shift 2
  local recipe changes=()
  recipe=$(sha_of "$tarball")
  if [ "$(recipe_of "$tag")" = "$recipe" ]; then say "image $tag: up to date"; return 0; fi
  for c in "$@"; do changes+=(-c "$c"); done
  say "image $tag: importing $tarball"
  docker import -c "LABEL preevy-test.recipe=$recipe" "${changes[@]}" "$tarball" "$tag" >/dev/null || die "docker import of $tarball failed"
}
