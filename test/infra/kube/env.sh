# Shared settings of the test Kubernetes node. Source it (after ../lib.sh); do not run it.
# Layout (see README.md):
#   netns  preevy-k8s, veth pk8s-n (10.213.0.1/30, inside) <-> pk8s-h (10.213.0.2/30, root ns)
#   $KUBE_RUN (tmpfs, gone after down.sh): pid files, sockets, etcd data, containerd state
#   $KUBE_VAR (disk, survives): containerd root (imported images), kubelet root dir
#   $KUBE_HOME/pki, kubeconfig: certificates and the admin kubeconfig (kept between runs)
KUBE_HOME="$PREEVY_TEST_CACHE/kube"
KUBE_NETNS=preevy-k8s
KUBE_NETNS_FILE=/run/netns/$KUBE_NETNS
KUBE_VETH_IN=pk8s-n
KUBE_VETH_OUT=pk8s-h
KUBE_NODE_IP=10.213.0.1
KUBE_HOST_IP=10.213.0.2
KUBE_NODE_NAME=node1
KUBE_POD_CIDR=10.88.0.0/16
KUBE_SERVICE_CIDR=10.96.0.0/16
KUBE_RUN=/run/preevy-k8s
KUBE_VAR="$KUBE_HOME/var"
KUBE_PKI="$KUBE_HOME/pki"
KUBECONFIG_FILE="$KUBE_HOME/kubeconfig"
KUBE_CTRD_SOCK="$KUBE_RUN/containerd/containerd.sock"
KUBE_LOGS="$INFRA_LOGS/kube"
KUBE_PAUSE_IMAGE=docker.io/preevy-test/pause:k8s
KUBE_DIND_IMAGE=docker.io/preevy-test/dind:k8s
# Start order; down.sh stops in reverse.
KUBE_DAEMONS="containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet"

kube_bin_dir() { local d="$KUBE_HOME/current/bin"; [ -x "$d/kubectl" ] && echo "$d"; }
in_netns() { nsenter --net="$KUBE_NETNS_FILE" "$@"; }
# The apiserver's address is only on this machine while the veth exists; without it the route to
# $KUBE_NODE_IP leaves the machine. Check this before any kubectl call.
node_link_up() { [ -e "$KUBE_NETNS_FILE" ] && [ -e "/sys/class/net/$KUBE_VETH_OUT" ]; }
pid_of() { local f="$KUBE_RUN/$1.pid"; [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }
