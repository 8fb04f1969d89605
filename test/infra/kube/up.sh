#!/usr/bin/env bash
# Start a real single-node Kubernetes (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, a dedicated containerd) inside the network namespace preevy-k8s.
# Idempotent: if the node is already up and Ready, it only prints the kubeconfig path.
# Needs root. Binaries come from build.sh, images from images.sh (both cached, run if missing).
# On success prints the kubeconfig path on stdout; on failure prints log tails and exits 1.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/env.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
need_root "test/infra/kube/up.sh"
[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || say "note: cgroup v2 host; this setup was written for cgroup v1 (hybrid)"
T0=$SECONDS
KUBE_WAIT_READY="${KUBE_WAIT_READY:-180}"

fail() { # fail MESSAGE [daemon...]: print log tails of the daemons (all by default), exit 1
  local msg="$1"; shift
  local ds="${*:-$KUBE_DAEMONS}"
  for d in $ds; do show_log_tail "$KUBE_LOGS/$d.log"; done
  die "$msg (logs: $KUBE_LOGS; stop with test/infra/kube/down.sh)"
}

kctl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# start NAME CMD...: run a daemon in the netns, in its own session, log to a file, record its pid
start() {
  local name="$1"; shift
  nsenter --net="$KUBE_NETNS_FILE" setsid "$@" >>"$KUBE_LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$KUBE_RUN/$name.pid"
}

# --- already up? ------------------------------------------------------------------------
all_running() { for d in $KUBE_DAEMONS; do pid_of "$d" >/dev/null || return 1; done; }
# kube-proxy (iptables mode) makes ClusterIP services route from pods, above all `kubernetes`
# (10.96.0.1:443 -> the apiserver), which in-cluster clients such as a workspace agent that scales
# its own host to zero dial. Started apart from KUBE_DAEMONS so a node from before it was added gets
# it without a restart; pods get the route to the service range from the CNI config (new pods only).
CNI_CONF="$KUBE_RUN/cni/10-preevy-test.conflist"
ensure_kube_proxy() {
  if [ -f "$CNI_CONF" ] && ! grep -q "$KUBE_SERVICE_CIDR" "$CNI_CONF"; then
    sed -i "s#\"routes\": \[{\"dst\": \"$KUBE_HOST_IP/32\"}\]#\"routes\": [{\"dst\": \"$KUBE_HOST_IP/32\"}, {\"dst\": \"$KUBE_SERVICE_CIDR\"}]#" "$CNI_CONF"
    grep -q "$KUBE_SERVICE_CIDR" "$CNI_CONF" || die "could not add the service route to $CNI_CONF"
  fi
  pid_of kube-proxy >/dev/null && return 0
  [ -x "$BIN/kube-proxy" ] || BIN=$(bash "$HERE/build.sh" | tail -1)
  cat >"$KUBE_RUN/kube-proxy-config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $KUBECONFIG_FILE}
hostnameOverride: $KUBE_NODE_NAME
clusterCIDR: $KUBE_POD_CIDR
bindAddress: $KUBE_NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# 0: leave the conntrack sysctls alone (global, not the netns's own; as kind does).
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  : >"$KUBE_LOGS/kube-proxy.log"
  say "kube-proxy: starting (iptables mode)"
  start kube-proxy "$BIN/kube-proxy" --config="$KUBE_RUN/kube-proxy-config.yaml" --v=1
  # Ready once the `kubernetes` service has its rule in the netns.
  wait_for 30 sh -c "kill -0 \$(cat '$KUBE_RUN/kube-proxy.pid') || exit 2; nsenter --net='$KUBE_NETNS_FILE' iptables-save -t nat | grep -q 'default/kubernetes:https'" \
    || fail "kube-proxy did not program the kubernetes service within 30s" kube-proxy
}

if node_link_up && all_running && BIN=$(kube_bin_dir) \
   && kctl get node "$KUBE_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; then
  say "node $KUBE_NODE_NAME is already Ready"; ensure_kube_proxy; echo "$KUBECONFIG_FILE"; exit 0
fi
if [ -e "$KUBE_NETNS_FILE" ] || [ -d "$KUBE_RUN" ]; then
  say "leftovers of an earlier run found: cleaning them up first"
  bash "$HERE/down.sh"
fi

# --- host prerequisites -----------------------------------------------------------------
apt_install etcd-server containerd runc containernetworking-plugins iproute2 openssl util-linux iptables curl
avail_kb=$(df -Pk "$PREEVY_TEST_CACHE" | awk 'NR==2 {print $4}')
[ "$avail_kb" -gt $((4 * 1024 * 1024)) ] || die "less than 4 GiB free under $PREEVY_TEST_CACHE"
for ss in cpu cpuacct cpuset memory pids; do
  awk -v s="$ss" '$1 == s && $4 == 1 {f=1} END {exit !f}' /proc/cgroups || die "cgroup subsystem $ss is not enabled (/proc/cgroups)"
done
[ -e /dev/kmsg ] || ln -s /dev/console /dev/kmsg
# The kubelet and containerd need mount propagation for pod volumes.
findmnt -no PROPAGATION / | grep -q shared || mount --make-rshared /
# build.sh returns at once when the pinned version's binaries are cached.
BIN=$(bash "$HERE/build.sh" | tail -1)
[ -x "$BIN/kube-apiserver" ] || die "Kubernetes binaries missing in $BIN"
bash "$HERE/images.sh"

mkdir -p "$KUBE_RUN" "$KUBE_VAR" "$KUBE_PKI" "$KUBE_LOGS"
mountpoint -q "$KUBE_RUN" || mount -t tmpfs -o mode=0700 preevy-k8s "$KUBE_RUN"
mkdir -p -m 0700 "$KUBE_RUN/etcd"; mkdir -p "$KUBE_RUN/containerd" "$KUBE_RUN/cni" "$KUBE_RUN/cni-ipam"
for d in $KUBE_DAEMONS; do : >"$KUBE_LOGS/$d.log"; done

# --- network namespace ------------------------------------------------------------------
say "netns $KUBE_NETNS: $KUBE_NODE_IP (inside) <-> $KUBE_HOST_IP (root namespace)"
ip netns add "$KUBE_NETNS"
ip link add "$KUBE_VETH_OUT" type veth peer name "$KUBE_VETH_IN"
ip link set "$KUBE_VETH_IN" netns "$KUBE_NETNS"
ip addr add "$KUBE_HOST_IP/30" dev "$KUBE_VETH_OUT"; ip link set "$KUBE_VETH_OUT" up
ip -n "$KUBE_NETNS" addr add "$KUBE_NODE_IP/30" dev "$KUBE_VETH_IN"
ip -n "$KUBE_NETNS" link set "$KUBE_VETH_IN" up
ip -n "$KUBE_NETNS" link set lo up
# No route leaves the namespace except the /30: pods reach the node, and through it the root
# namespace's end of the veth ($KUBE_HOST_IP), where tests run a tunnel server for agents in pods.
# Both routes hang on the veth, so they vanish with it: a pod address is never routed off the machine.
in_netns sysctl -qw net.ipv4.ip_forward=1
ip route add "$KUBE_POD_CIDR" via "$KUBE_NODE_IP" dev "$KUBE_VETH_OUT"

# --- certificates and kubeconfig (kept between runs) ------------------------------------
pki() { openssl "$@" >>"$KUBE_LOGS/pki.log" 2>&1 || die "openssl $1 failed (log: $KUBE_LOGS/pki.log)"; }
if [ ! -s "$KUBE_PKI/api.crt" ] || [ "$(cat "$KUBE_PKI/.node-ip" 2>/dev/null)" != "$KUBE_NODE_IP" ]; then
  say "certificates: generating into $KUBE_PKI"
  rm -f "$KUBE_PKI"/*
  (cd "$KUBE_PKI"
   pki req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=preevy-test-ca -keyout ca.key -out ca.crt
   pki req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=admin" -keyout admin.key -out admin.csr
   pki x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out admin.crt
   pki req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout api.key -out api.csr \
     -addext "subjectAltName=IP:$KUBE_NODE_IP,IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
   pki x509 -req -in api.csr -copy_extensions copyall -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out api.crt
   pki genrsa -out sa.key 2048
   echo "$KUBE_NODE_IP" >.node-ip)
fi
b64() { base64 -w0 <"$1"; }
cat >"$KUBECONFIG_FILE.tmp" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: preevy-test
  cluster:
    server: https://$KUBE_NODE_IP:6443
    certificate-authority-data: $(b64 "$KUBE_PKI/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$KUBE_PKI/admin.crt")
    client-key-data: $(b64 "$KUBE_PKI/admin.key")
contexts:
- name: preevy-test
  context: {cluster: preevy-test, user: admin}
current-context: preevy-test
YAML
chmod 600 "$KUBECONFIG_FILE.tmp"; mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"

alive() { pid_of "$1" >/dev/null || { echo "$1 exited" >&2; return 2; }; }

# --- containerd (own root, state, socket, CNI dir) --------------------------------------
cat >"$KUBE_RUN/cni/10-preevy-test.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "preevy-test", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$KUBE_RUN/cni-ipam", "ranges": [[{"subnet": "$KUBE_POD_CIDR"}]],
            "routes": [{"dst": "$KUBE_HOST_IP/32"}, {"dst": "$KUBE_SERVICE_CIDR"}]}}
]}
JSON
cat >"$KUBE_RUN/containerd/config.toml" <<TOML
version = 2
root = "$KUBE_VAR/containerd"
state = "$KUBE_RUN/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$KUBE_CTRD_SOCK"
[ttrpc]
  address = "$KUBE_RUN/containerd/containerd.sock.ttrpc"
[debug]
  address = "$KUBE_RUN/containerd/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$KUBE_PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  # This machine refuses negative oom_score_adj even to root (EACCES), and the kubelet asks
  # -998 for every pod sandbox: runc then dies with "can't get final child's PID from pipe".
  # Clamp to containerd's own score instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$KUBE_RUN/cni"
[plugins."io.containerd.internal.v1.opt"]
  path = "$KUBE_VAR/containerd-opt"
TOML
say "containerd: starting (socket $KUBE_CTRD_SOCK)"
start containerd containerd --config "$KUBE_RUN/containerd/config.toml"
ctr_() { ctr --address "$KUBE_CTRD_SOCK" -n k8s.io "$@"; }
wait_for 30 sh -c "ctr --address '$KUBE_CTRD_SOCK' version && kill -0 \$(cat '$KUBE_RUN/containerd.pid')" \
  || fail "containerd did not answer within 30s" containerd
# Containers of an earlier run (etcd starts empty every time) would only confuse the kubelet.
for c in $(ctr_ containers ls -q 2>/dev/null); do
  ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
  ctr_ tasks delete -f "$c" >/dev/null 2>&1 || true
  ctr_ containers delete "$c" >/dev/null 2>&1 || true
done
# Images: import from the local Docker unless containerd already has that exact image id.
for img in "$KUBE_PAUSE_IMAGE" "$KUBE_DIND_IMAGE"; do
  short="${img#docker.io/}"
  id=$(docker image inspect -f '{{.Id}}' "$short") || die "image $short missing in Docker (images.sh)"
  mark="$KUBE_VAR/imported-${short//[\/:]/_}"
  if [ "$(cat "$mark" 2>/dev/null)" = "$id" ] && ctr_ images ls -q | grep -qx "$img"; then continue; fi
  say "containerd: importing $short"
  docker save "$short" | ctr_ images import - >>"$KUBE_LOGS/containerd.log" 2>&1 || fail "importing $short into containerd failed" containerd
  echo "$id" >"$mark"
done

# --- etcd (data on tmpfs: every up starts with an empty cluster) ------------------------
say "etcd: starting"
start etcd etcd --name preevy-test --data-dir "$KUBE_RUN/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster preevy-test=http://127.0.0.1:2380
wait_for 30 sh -c "nsenter --net='$KUBE_NETNS_FILE' curl -sf http://127.0.0.1:2379/health | grep -q true" \
  || fail "etcd not healthy within 30s" etcd

# --- control plane ----------------------------------------------------------------------
say "kube-apiserver: starting (https://$KUBE_NODE_IP:6443)"
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:2379 --bind-address=0.0.0.0 --advertise-address="$KUBE_NODE_IP" --secure-port=6443 \
  --client-ca-file="$KUBE_PKI/ca.crt" --tls-cert-file="$KUBE_PKI/api.crt" --tls-private-key-file="$KUBE_PKI/api.key" \
  --authorization-mode=Node,RBAC --allow-privileged=true --service-cluster-ip-range="$KUBE_SERVICE_CIDR" \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$KUBE_PKI/sa.key" \
  --service-account-signing-key-file="$KUBE_PKI/sa.key" \
  --kubelet-client-certificate="$KUBE_PKI/admin.crt" --kubelet-client-key="$KUBE_PKI/admin.key" \
  --kubelet-preferred-address-types=InternalIP --profiling=false --v=1
wait_for 90 sh -c "kill -0 \$(cat '$KUBE_RUN/kube-apiserver.pid') || exit 2; '$BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' get --raw /readyz" \
  || fail "kube-apiserver not ready within 90s" etcd kube-apiserver
say "kube-controller-manager, kube-scheduler: starting"
start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_FILE" --leader-elect=false \
  --root-ca-file="$KUBE_PKI/ca.crt" --service-account-private-key-file="$KUBE_PKI/sa.key" \
  --use-service-account-credentials=false --bind-address=127.0.0.1 --controllers='*,-cloud-node-lifecycle' --v=1
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$KUBECONFIG_FILE" --leader-elect=false --bind-address=127.0.0.1 --v=1

# --- kubelet ----------------------------------------------------------------------------
mkdir -p "$KUBE_VAR/kubelet"
cat >"$KUBE_RUN/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $KUBE_NODE_IP
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$KUBE_CTRD_SOCK
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $KUBE_PKI/ca.crt}
authorization: {mode: Webhook}
failSwapOn: false
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
evictionHard: {nodefs.available: "1%", imagefs.available: "1%", memory.available: "100Mi"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
resolvConf: /etc/resolv.conf
cgroupsPerQOS: ${KUBE_CGROUPS_PER_QOS:-true}
enforceNodeAllocatable: $([ "${KUBE_CGROUPS_PER_QOS:-true}" = true ] && echo '[pods]' || echo '[]')
YAML
say "kubelet: starting (node $KUBE_NODE_NAME, $KUBE_NODE_IP)"
start kubelet "$BIN/kubelet" --config="$KUBE_RUN/kubelet-config.yaml" --kubeconfig="$KUBECONFIG_FILE" \
  --root-dir="$KUBE_VAR/kubelet" --node-ip="$KUBE_NODE_IP" --hostname-override="$KUBE_NODE_NAME" \
  --pod-infra-container-image="$KUBE_PAUSE_IMAGE" --v=1
node_ready() {
  for d in $KUBE_DAEMONS; do pid_of "$d" >/dev/null || { echo "$d exited" >&2; return 2; }; done
  kctl get node "$KUBE_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
wait_for "$KUBE_WAIT_READY" node_ready || {
  for d in $KUBE_DAEMONS; do pid_of "$d" >/dev/null || say "$d is not running"; done
  kctl get node -o wide >&2 2>/dev/null || true
  fail "node $KUBE_NODE_NAME not Ready within ${KUBE_WAIT_READY}s"
}
# Pods are rejected until the default ServiceAccount exists.
wait_for 60 kctl get serviceaccount default -n default || fail "no default ServiceAccount within 60s" kube-controller-manager
ensure_kube_proxy
say "node $KUBE_NODE_NAME Ready after $((SECONDS - T0))s; kubeconfig: $KUBECONFIG_FILE (kubectl: $BIN/kubectl)"
echo "$KUBECONFIG_FILE"
