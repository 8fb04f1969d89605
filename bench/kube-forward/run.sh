#!/usr/bin/env bash
# Port-forward benchmark (see main.mjs): needs root (nsenter into the node's netns for the direct
# path) and the test cluster up (npm run kube:up). Builds driver-kube-pod first.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "bench/kube-forward needs root (nsenter)" >&2; exit 1; }
[ -e /run/netns/preevy-k8s ] && [ -e /sys/class/net/pk8s-h ] || { echo "the test cluster is not up: npm run kube:up" >&2; exit 1; }
for image in preevy-test/busybox:latest preevy-test/node:20; do
  docker image inspect "$image" >/dev/null 2>&1 || { echo "missing local image $image: run npm run infra:setup" >&2; exit 1; }
done
npx tsc -b packages/driver-kube-pod
exec node bench/kube-forward/main.mjs "$@"
