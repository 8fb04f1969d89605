#!/usr/bin/env bash
# `preevy up` on kube-pod and ssh beside docker, in the same run (see main.mjs). Needs root, the
# test cluster (npm run kube:up), the stand-in SSH host image (npm run infra:setup) and the built CLI.
source "$(dirname "$0")/../../test/infra/lib.sh"
source "$(dirname "$0")/../../test/infra/kube/env.sh"
cd "$(dirname "$0")/../.."
need_root "bench/up-kube (the tunnel server listens on the node's veth)"
node_link_up || die "the test cluster is not up: npm run kube:up"
BIN=$(kube_bin_dir) || die "no kubectl: npm run kube:up"
[ -f packages/cli/dist/bundle.mjs ] || die "packages/cli is not built: run npm run build"
for image in preevy-test/busybox:latest preevy-test/node:20 preevy-test/ssh-host:bookworm; do
  docker image inspect "$image" >/dev/null 2>&1 || die "missing local image $image: run npm run infra:setup"
done
BENCH_KUBECONFIG="$KUBECONFIG_FILE" BENCH_KUBECTL="$BIN/kubectl" BENCH_HOST_IP="$KUBE_HOST_IP" BENCH_DIND_IMAGE="$KUBE_DIND_IMAGE" \
  exec node bench/up-kube/main.mjs "$@"
