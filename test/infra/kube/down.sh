#!/usr/bin/env bash
# Stop the test Kubernetes node started by up.sh and remove what it left behind:
# workloads (best effort, while the kubelet still runs), kubelet, control plane, etcd,
# containerd and its containers, leftover mounts, the netns and veth pair, the tmpfs at
# /run/preevy-k8s. Keeps the binaries, certificates, kubeconfig and imported images.
# Idempotent: safe to run when nothing is up.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/env.sh"
need_root "test/infra/kube/down.sh"

# stop NAME...: TERM them all, wait up to 15s, then KILL the stragglers
stop() {
  local name pid pids=()
  for name in "$@"; do
    pid=$(pid_of "$name") || { rm -f "$KUBE_RUN/$name.pid"; continue; }
    say "stopping $name (pid $pid)"; kill -TERM "$pid" 2>/dev/null || true; pids+=("$name:$pid")
  done
  for _ in $(seq 60); do
    local any=; for np in "${pids[@]}"; do kill -0 "${np#*:}" 2>/dev/null && any=1; done
    [ -n "$any" ] || break; sleep 0.25
  done
  for np in "${pids[@]}"; do
    kill -0 "${np#*:}" 2>/dev/null && { say "${np%%:*} ignored TERM: killing"; kill -KILL "${np#*:}" 2>/dev/null || true; }
    rm -f "$KUBE_RUN/${np%%:*}.pid"
  done
  return 0
}

# 1. Let the kubelet tear pods down cleanly (sandboxes, CNI, volumes) while it still runs.
if node_link_up && BIN=$(kube_bin_dir) && pid_of kubelet >/dev/null && pid_of kube-apiserver >/dev/null; then
  kc() { timeout 70 "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=10s "$@" >/dev/null 2>&1 || true; }
  say "deleting workloads (deployments, statefulsets, daemonsets, jobs, pods) in all namespaces"
  kc delete deployments,statefulsets,daemonsets,replicasets,jobs --all -A --wait=false
  kc delete pods --all -A --grace-period=5 --timeout=60s
fi

# 2. Kubelet first (so it does not restart what is being stopped), then the control plane.
stop kubelet kube-proxy
stop kube-scheduler kube-controller-manager kube-apiserver
stop etcd

# 3. Containers that are still there (kubelet killed mid-way): kill and remove, then containerd.
if pid_of containerd >/dev/null; then
  ctr_() { timeout 30 ctr --address "$KUBE_CTRD_SOCK" -n k8s.io "$@"; }
  for c in $(ctr_ containers ls -q 2>/dev/null); do
    # a pod sandbox's network namespace is a bind mount under /run/netns/cni-*: remember it
    ctr_ containers info "$c" 2>/dev/null | grep -o '"/var/run/netns/cni-[0-9a-f-]*"' | tr -d '"' >>"$KUBE_RUN/leftover-netns" || true
    ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    ctr_ tasks delete -f "$c" >/dev/null 2>&1 || true
    ctr_ containers delete "$c" >/dev/null 2>&1 || true
  done
fi
stop containerd
# containerd-shim processes outlive containerd by design: end the ones serving our socket.
for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $KUBE_CTRD_SOCK" || true); do
  say "stopping leftover shim $p"; kill -KILL "$p" 2>/dev/null || true
done

# 4. Mounts left under our directories (pod volumes, rootfs, sandbox netns), deepest first.
unmount_under() {
  local prefix="$1" m
  awk -v p="$prefix" '$5 == p || index($5, p "/") == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
  done
}
unmount_under "$KUBE_VAR/kubelet"
unmount_under "$KUBE_VAR/containerd"
# Sandbox network namespaces of the containers removed in step 3 (the kubelet removes the others).
if [ -s "$KUBE_RUN/leftover-netns" ]; then
  sort -u "$KUBE_RUN/leftover-netns" | while read -r ns; do
    [ -e "$ns" ] || continue
    umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true; rm -f "$ns"
  done
fi
unmount_under "$KUBE_RUN"
mountpoint -q "$KUBE_RUN" && { umount "$KUBE_RUN" 2>/dev/null || umount -l "$KUBE_RUN"; }
rm -rf "$KUBE_RUN"

# 5. Network.
ip link del "$KUBE_VETH_OUT" 2>/dev/null || true
if [ -e "$KUBE_NETNS_FILE" ]; then
  left=$(ip netns pids "$KUBE_NETNS" 2>/dev/null || true)
  [ -z "$left" ] || { say "processes still in netns $KUBE_NETNS: $left (killing)"; kill -KILL $left 2>/dev/null || true; }
  ip netns del "$KUBE_NETNS" && say "netns $KUBE_NETNS removed"
fi
# `ip netns add` turns /run/netns into a bind mount of itself; undo that when nothing else uses it.
if mountpoint -q /run/netns && [ -z "$(ls -A /run/netns)" ]; then umount /run/netns 2>/dev/null || true; fi
say "test Kubernetes node: down"
