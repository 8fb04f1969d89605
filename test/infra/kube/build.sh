#!/usr/bin/env bash
# Build kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl from the
# published k8s.io/kubernetes Go module (through the Go module proxy), with a generated wrapper
# module whose staging `replace`s are read from the go.mod the proxy serves (never hard-coded).
#   output: $PREEVY_TEST_CACHE/kube/<version>/bin/{kube-apiserver,...,kubectl}
#   log:    $PREEVY_TEST_CACHE/logs/kube-build-<version>.log
# Idempotent: skips when all binaries exist, and builds only the missing ones otherwise (so a cache
# made before kube-proxy was added only compiles kube-proxy). Prints the bin dir on stdout.
#   KUBE_VERSION=v1.28.15  build another version (default: the pinned $KUBE_PINNED; falls back to
#                          $KUBE_FALLBACK if that build fails)
source "$(dirname "$0")/../lib.sh"
command -v go >/dev/null || die "no go toolchain on PATH (needed to build Kubernetes from the module proxy)"

KUBE_CMDS="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl"
# One pinned version, so every machine tests against the same Kubernetes (v1.30 is the last patch
# of its line: nothing newer can appear under it).
KUBE_PINNED=v1.30.14
KUBE_FALLBACK=v1.28.15

missing_cmds() { local d="$1"; for c in $KUBE_CMDS; do [ -x "$d/$c" ] || echo "$c"; done; }
have_all() { [ -z "$(missing_cmds "$1")" ]; }

build_version() {
  local V="$1" dir="$PREEVY_TEST_CACHE/kube/$1" log="$INFRA_LOGS/kube-build-$1.log"
  have_all "$dir/bin" && { say "kubernetes $V: binaries present in $dir/bin"; return 0; }
  local w="$dir/wrapper"; rm -rf "$w"; mkdir -p "$w" "$dir/bin"
  say "kubernetes $V: resolving module (log: $log)"
  local mod
  mod=$(cd "$w" && go mod download -json "k8s.io/kubernetes@$V" 2>>"$log" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -s "$mod" ] || { show_log_tail "$log"; say "cannot download k8s.io/kubernetes@$V"; return 1; }
  local staging; staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$mod")
  [ -n "$staging" ] || { say "no ./staging replaces found in $mod"; return 1; }
  local sv="v0.${V#v1.}" gol
  gol=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$mod" | head -1)
  ( cd "$w"
    go mod init local.test/kbuild >>"$log" 2>&1
    go mod edit -go="$gol" -require="k8s.io/kubernetes@$V"
    for m in $staging; do go mod edit -replace="$m=$m@$sv"; done
    # godebug lines of upstream (if any) keep GODEBUG defaults identical to the upstream build
    grep -E '^godebug ' "$mod" >>go.mod || true
  ) || return 1
  say "kubernetes $V: $(echo "$staging" | wc -w) staging modules pinned at $sv; compiling (about 5 min cold on 2 cores)"
  local minor; minor=$(echo "$V" | cut -d. -f2)
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$V -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$V -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  local pkgs=(); for c in $(missing_cmds "$dir/bin"); do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  local t0=$SECONDS
  ( cd "$w" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -tags providerless,selinux,notest \
      -ldflags "$ld" -o "$dir/bin/" "${pkgs[@]}" ) >>"$log" 2>&1 \
    || { show_log_tail "$log"; say "kubernetes $V: build failed"; return 1; }
  have_all "$dir/bin" || { say "kubernetes $V: build produced no binaries"; return 1; }
  say "kubernetes $V: built in $((SECONDS - t0))s"
}

want="${KUBE_VERSION:-$KUBE_PINNED}"
if build_version "$want"; then V="$want"
elif [ -z "${KUBE_VERSION:-}" ] && [ "$want" != "$KUBE_FALLBACK" ]; then
  say "falling back to $KUBE_FALLBACK"
  build_version "$KUBE_FALLBACK" || die "building Kubernetes $want and $KUBE_FALLBACK failed (logs in $INFRA_LOGS)"
  V="$KUBE_FALLBACK"
else die "building Kubernetes $want failed (log: $INFRA_LOGS/kube-build-$want.log)"; fi
ln -sfn "$V" "$PREEVY_TEST_CACHE/kube/current"
echo "$PREEVY_TEST_CACHE/kube/$V/bin"
