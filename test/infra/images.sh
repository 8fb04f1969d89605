#!/usr/bin/env bash
# Build the local test images; no registry is reachable, so nothing is pulled.
#   preevy-test/busybox:latest   FROM scratch + Debian's static busybox (shell, httpd, wget)
#   preevy-test/debian:bookworm  debootstrap minbase rootfs (tarball cached outside the repo)
#   preevy-test/node:20          the Debian base + this machine's node binary (glibc-only deps)
# Each image carries a recipe label; it is rebuilt only when its inputs change.
source "$(dirname "$0")/lib.sh"
docker info >/dev/null 2>&1 || die "no Docker engine answers: run test/infra/docker.sh first"

recipe_of() { docker image inspect -f '{{index .Config.Labels "preevy-test.recipe"}}' "$1" 2>/dev/null || true; }

# build_image TAG RECIPE CONTEXT_DIR: docker build unless TAG already has RECIPE.
build_image() {
  local tag="$1" recipe="$2" ctx="$3"
  if [ "$(recipe_of "$tag")" = "$recipe" ]; then say "image $tag: up to date"; return 0; fi
  say "image $tag: building"
  local log="$INFRA_LOGS/build-${tag//[\/:]/_}.log"
  # The legacy builder needs no buildx plugin and no BuildKit images, which cannot be pulled here.
  DOCKER_BUILDKIT=0 docker build --label "preevy-test.recipe=$recipe" -t "$tag" "$ctx" >"$log" 2>&1 \
    || { show_log_tail "$log"; die "building $tag failed"; }
}

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
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_INCLUDE="ca-certificates"
tarball="$PREEVY_TEST_CACHE/rootfs/debian-$DEBIAN_SUITE-minbase-$(echo "$DEBIAN_INCLUDE" | sha256sum | cut -c1-8).tar"
if [ ! -s "$tarball" ]; then
  apt_install debootstrap
  root=$(mktemp -d)
  say "debootstrap $DEBIAN_SUITE minbase into $root (about a minute)"
  debootstrap --variant=minbase --include="$DEBIAN_INCLUDE" "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" \
    >"$INFRA_LOGS/debootstrap.log" 2>&1 || { show_log_tail "$INFRA_LOGS/debootstrap.log"; die "debootstrap failed"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  mkdir -p "$(dirname "$tarball")"
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$root"
fi
recipe=$(sha_of "$tarball")
if [ "$(recipe_of preevy-test/debian:$DEBIAN_SUITE)" != "$recipe" ]; then
  say "image preevy-test/debian:$DEBIAN_SUITE: importing $tarball"
  docker import -c "LABEL preevy-test.recipe=$recipe" -c 'CMD ["/bin/bash"]' "$tarball" "preevy-test/debian:$DEBIAN_SUITE" >/dev/null \
    || die "docker import of $tarball failed"
else
  say "image preevy-test/debian:$DEBIAN_SUITE: up to date"
fi

# --- node ------------------------------------------------------------------------------
node_bin=$(command -v node) || die "no node binary on PATH to copy into preevy-test/node"
rm -rf "${ctx:?}"/*
cp "$node_bin" "$ctx/node"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM preevy-test/debian:$DEBIAN_SUITE
COPY node /usr/local/bin/node
CMD ["node"]
DOCKERFILE
build_image preevy-test/node:20 "$(sha_of "$ctx/node" "$ctx/Dockerfile")-$recipe" "$ctx"
say "images: ready"
