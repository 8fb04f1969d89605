#!/usr/bin/env bash
# `preevy workspace up` / `workspace ssh` on docker and kube-pod beside `devcontainer up` and
# `docker exec` alone (see main.mjs). Needs the built CLI and the local test images; for kube-pod
# (the default includes it) root and the test cluster (npm run kube:up).
# Usage: bash bench/workspace/run.sh [--runs N] [--drivers docker|kube-pod|docker,kube-pod] [--ssh-samples N]
source "$(dirname "$0")/../../test/infra/lib.sh"
source "$(dirname "$0")/../../test/infra/kube/env.sh"
cd "$(dirname "$0")/../.."
[ -f packages/cli/dist/main.js ] || die "packages/cli is not built: run npm run build"
[ -f node_modules/@devcontainers/cli/devcontainer.js ] || die "no @devcontainers/cli: run npm ci"
command -v ssh >/dev/null || die "no OpenSSH client (ssh): apt-get install openssh-client"
for image in preevy-test/busybox:latest preevy-test/node:20; do
  docker image inspect "$image" >/dev/null 2>&1 || die "missing local image $image: run npm run infra:setup"
done
drivers=docker,kube-pod
prev=
for a in "$@"; do
  [ "$prev" = --drivers ] && drivers=$a
  case $a in --drivers=*) drivers=${a#--drivers=} ;; esac
  prev=$a
done
if [[ ,$drivers, == *,kube-pod,* ]]; then
  need_root "bench/workspace on kube-pod (the tunnel server listens on the node's veth)"
  # Without the veth the cluster's address is not on this machine: check before any packet goes there.
  node_link_up || die "the test cluster is not up: npm run kube:up (or --drivers docker)"
  BIN=$(kube_bin_dir) || die "no kubectl: npm run kube:up"
  export BENCH_KUBECONFIG="$KUBECONFIG_FILE" BENCH_KUBECTL="$BIN/kubectl" BENCH_HOST_IP="$KUBE_HOST_IP" BENCH_DIND_IMAGE="$KUBE_DIND_IMAGE"
fi
exec node bench/workspace/main.mjs "$@"
