#!/usr/bin/env bash
# Build the local test images; no registry is reachable, so nothing is pulled.
#   preevy-test/busybox:latest   FROM scratch + Debian's static busybox (shell, httpd, wget)
#   preevy-test/debian:bookworm  debootstrap minbase rootfs (tarball cached outside the repo)
#   preevy-test/node:20          the Debian base + this machine's node binary (glibc-only deps)
# Each image carries a recipe label; it is rebuilt only when its inputs change.
source "$(dirname "$0")/lib.sh"
docker info >/dev/null 2>&1 || die "no Docker engine answers: run test/infra/docker.sh first"

# --- busybox ---------------------------------------------------------------------------
apt_install busybox-static
ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
cp /bin/busybox "$ctx/busybox"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["/bin/sh"]
DOCKERFILE
build_image preevy-test/busybox:latest "$(sha_of "$ctx/busybox" "$ctx/Dockerfile")" "$ctx"

# --- debian base -----------------------------------------------------------------------
tarball=$(debootstrap_tarball minbase ca-certificates)
import_rootfs preevy-test/debian:bookworm "$tarball" 'CMD ["/bin/bash"]'
recipe=$(sha_of "$tarball")

# --- node ------------------------------------------------------------------------------
node_bin=$(command -v node) || die "no node binary on PATH to copy into preevy-test/node"
rm -rf "${ctx:?}"/*
cp "$node_bin" "$ctx/node"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM preevy-test/debian:bookworm
COPY node /usr/local/bin/node
CMD ["node"]
DOCKERFILE
build_image preevy-test/node:20 "$(sha_of "$ctx/node" "$ctx/Dockerfile")-$recipe" "$ctx"
say "images: ready"
