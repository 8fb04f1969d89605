#!/usr/bin/env bash
# Build the two images the test node needs, with the local Docker engine (nothing is pulled):
#   preevy-test/pause:k8s  FROM scratch + a static Go program (sleeps, reaps zombies, exits on TERM)
#   preevy-test/dind:k8s   debootstrap bookworm + docker.io; its entrypoint mounts the cgroup v1
#                          hierarchies (needed under containerd, see machine-facts.md), then runs
#                          dockerd on tcp://0.0.0.0:2375 (no TLS) and /var/run/docker.sock
# up.sh imports them into the node's containerd. Each carries a recipe label; rebuilt on change.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/env.sh"
docker info >/dev/null 2>&1 || die "no Docker engine answers: run test/infra/docker.sh first"

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT

# --- pause -----------------------------------------------------------------------------
mkdir -p "$ctx/src"
cat >"$ctx/src/main.go" <<'GO'
// pause: the sandbox process of a pod. Sleeps, reaps orphaned children, exits on TERM/INT.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s == syscall.SIGCHLD {
			for {
				var ws syscall.WaitStatus
				if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
GO
printf 'module local.test/pause\n\ngo 1.22\n' >"$ctx/src/go.mod"
pause_recipe=$(sha_of "$ctx/src/main.go" "$ctx/src/go.mod")
if [ "$(recipe_of preevy-test/pause:k8s)" != "$pause_recipe" ]; then
  (cd "$ctx/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags '-s -w' -o "$ctx/pause" .) \
    || die "building the pause binary failed"
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
  build_image preevy-test/pause:k8s "$pause_recipe" "$ctx"
else say "image preevy-test/pause:k8s: up to date"; fi

# --- dind ------------------------------------------------------------------------------
tarball=$(debootstrap_tarball dind docker.io,iptables,ca-certificates,util-linux,procps)
import_rootfs preevy-test/dind-base:bookworm "$tarball" 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
base_recipe=$(sha_of "$tarball")
rm -rf "${ctx:?}"/*
cat >"$ctx/dind-entrypoint.sh" <<'SH'
#!/bin/sh
# Under containerd a privileged container sees no usable cgroup v1 tree; dockerd then stops with
# "Devices cgroup isn't mounted". Mount one hierarchy per enabled subsystem, like the official
# dind helper does, then run the command (dockerd by default).
set -e
if [ ! -e /sys/fs/cgroup/devices/devices.list ] && [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
  mountpoint -q /sys/fs/cgroup || mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup /sys/fs/cgroup
  for ss in $(awk '!/^#/ { if ($4 == 1) print $1 }' /proc/cgroups); do
    mkdir -p "/sys/fs/cgroup/$ss"
    mountpoint -q "/sys/fs/cgroup/$ss" || mount -n -t cgroup -o "$ss" cgroup "/sys/fs/cgroup/$ss" || rmdir "/sys/fs/cgroup/$ss"
  done
fi
mkdir -p /var/run
exec "$@"
SH
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM preevy-test/dind-base:bookworm
COPY dind-entrypoint.sh /usr/local/bin/dind-entrypoint.sh
RUN chmod +x /usr/local/bin/dind-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/dind-entrypoint.sh"]
CMD ["dockerd", "--host=tcp://0.0.0.0:2375", "--host=unix:///var/run/docker.sock", "--tls=false"]
DOCKERFILE
build_image preevy-test/dind:k8s "$(sha_of "$ctx/Dockerfile" "$ctx/dind-entrypoint.sh")-$base_recipe" "$ctx"
say "kube images: ready"
