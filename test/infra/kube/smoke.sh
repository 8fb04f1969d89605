#!/usr/bin/env bash
# Smoke test of the node started by up.sh, with kubectl (the same steps the @kubernetes/client-node
# test will do): apply a privileged dind Deployment with an emptyDir at /var/lib/docker, wait
# until Available, `docker info` through exec (expect overlay2), a nested `docker run` of an image
# loaded through the port-forward, port-forward 2375 to 127.0.0.1 and GET /_ping (expect OK),
# delete by label. Exit 0 only if every step passed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/env.sh"
BIN=$(kube_bin_dir) || die "no kubectl: run test/infra/kube/build.sh"
[ -s "$KUBECONFIG_FILE" ] || die "no kubeconfig: run test/infra/kube/up.sh"
node_link_up || die "the node's network namespace or veth is missing: run test/infra/kube/up.sh"
NS=preevy-kube-smoke
LABEL=preevy-test/smoke=dind
k() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
step() { say "smoke [$((SECONDS - T0))s] $*"; }
T0=$SECONDS
PF_PID=
cleanup() {
  [ -z "$PF_PID" ] || kill "$PF_PID" 2>/dev/null || true
  k delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
smoke_fail() {
  k -n "$NS" get deploy,rs,pods -o wide >&2 2>/dev/null || true
  k -n "$NS" describe pods -l "$LABEL" 2>/dev/null | tail -30 >&2 || true
  k -n "$NS" logs -l "$LABEL" --tail=20 >&2 2>/dev/null || true
  die "smoke: $*"
}

k get node "$KUBE_NODE_NAME" >/dev/null || die "the apiserver does not answer: is the node up (test/infra/kube/up.sh)?"
step "apply Deployment (privileged, $KUBE_DIND_IMAGE, emptyDir at /var/lib/docker)"
k create namespace "$NS" --dry-run=client -o yaml | k apply -f - >/dev/null
k -n "$NS" apply --server-side --field-manager=preevy-smoke -f - >/dev/null <<YAML || smoke_fail "apply failed"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dind
  labels: {preevy-test/smoke: dind}
spec:
  replicas: 1
  selector: {matchLabels: {preevy-test/smoke: dind}}
  template:
    metadata:
      labels: {preevy-test/smoke: dind}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: dind
        image: $KUBE_DIND_IMAGE
        imagePullPolicy: IfNotPresent
        securityContext: {privileged: true}
        ports: [{containerPort: 2375}]
        readinessProbe:
          exec: {command: [docker, version]}
          periodSeconds: 1
          failureThreshold: 300
        volumeMounts: [{name: docker, mountPath: /var/lib/docker}]
      volumes:
      - name: docker
        emptyDir: {}
YAML
step "wait for the Deployment to be Available"
k -n "$NS" wait deploy/dind --for=condition=Available --timeout=180s >/dev/null || smoke_fail "Deployment not Available within 180s"
step "exec docker info"
driver=$(k -n "$NS" exec deploy/dind -- docker info --format '{{.Driver}}') || smoke_fail "exec docker info failed"
[ "$driver" = overlay2 ] || smoke_fail "dind storage driver is '$driver', expected overlay2"
step "storage driver: $driver"

step "exec with stdin (64 KiB piped in; stdin EOF must reach the pod)"
sum_out=$(head -c 65536 /dev/zero | timeout 30 "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" -n "$NS" exec -i deploy/dind -- sha256sum | cut -c1-64) \
  || smoke_fail "exec with stdin did not finish within 30s"
[ "$sum_out" = "$(head -c 65536 /dev/zero | sha256sum | cut -c1-64)" ] || smoke_fail "exec with stdin: checksum mismatch ($sum_out)"
step "exec with stdin: 64 KiB in, checksum matches"

step "port-forward 2375 to 127.0.0.1"
pf_log=$(mktemp); k -n "$NS" port-forward --address 127.0.0.1 deploy/dind :2375 >"$pf_log" 2>&1 &
PF_PID=$!
wait_for 30 grep -q 'Forwarding from 127.0.0.1:' "$pf_log" || { cat "$pf_log" >&2; smoke_fail "port-forward did not start"; }
port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$pf_log" | head -1)
ping=$(curl -sf --max-time 10 "http://127.0.0.1:$port/_ping") || smoke_fail "GET /_ping through the port-forward failed"
[ "$ping" = OK ] || smoke_fail "/_ping answered '$ping'"
step "GET http://127.0.0.1:$port/_ping -> $ping"
if docker image inspect preevy-test/busybox:latest >/dev/null 2>&1; then
  step "docker load preevy-test/busybox through the port-forward, nested docker run"
  docker save preevy-test/busybox:latest | curl -sf --max-time 60 -X POST -H 'Content-Type: application/x-tar' \
    --data-binary @- "http://127.0.0.1:$port/images/load?quiet=1" >/dev/null || smoke_fail "image load through the port-forward failed"
  out=$(k -n "$NS" exec deploy/dind -- docker run --rm --network none preevy-test/busybox:latest echo nested-ok) \
    || smoke_fail "nested docker run failed"
  [ "$out" = nested-ok ] || smoke_fail "nested docker run printed '$out'"
  step "nested docker run: $out"
else say "smoke: preevy-test/busybox not built (test/infra/images.sh): nested run skipped"; fi
kill "$PF_PID" 2>/dev/null || true; PF_PID=

step "delete by label"
k -n "$NS" delete deploy -l "$LABEL" --wait=true --timeout=60s >/dev/null || smoke_fail "delete by label failed"
wait_for 60 sh -c "[ -z \"\$('$BIN/kubectl' --kubeconfig '$KUBECONFIG_FILE' -n $NS get pods -l $LABEL -o name)\" ]" || smoke_fail "pods still there 60s after delete"
k delete namespace "$NS" --wait=true --timeout=60s >/dev/null || smoke_fail "namespace delete failed"
step "passed"
