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

# Content hash of files (not of their paths, which may be temporary).
sha_of() { cat "$@" | sha256sum | cut -c1-16; }
