#!/usr/bin/env bash
# Port-forward benchmark (see main.mjs): needs root (nsenter into the node's netns for the direct
# path) and the test cluster up (npm run kube:up). Builds driver-kube-pod first.
source "$(dirname "$0")/../../test/infra/lib.sh"
source "$(dirname "$0")/../../test/infra/kube/env.sh"
cd "$(dirname "$0")/../.."
need_root "bench/kube-forward (nsenter into the node's network namespace)"
node_link_up || die "the test cluster is not up: npm run kube:up"
BIN=$(kube_bin_dir) || die "no kubectl: npm run kube:up"
for image in preevy-test/busybox:latest preevy-test/node:20; do
  docker image inspect "$image" >/dev/null 2>&1 || die "missing local image $image: run npm run infra:setup"
done
npx tsc -b packages/driver-kube-pod
BENCH_KUBECONFIG="$KUBECONFIG_FILE" BENCH_KUBECTL="$BIN/kubectl" BENCH_NETNS="$KUBE_NETNS_FILE" \
  exec node bench/kube-forward/main.mjs "$@"
