# The setup steps of the offline infrastructure, one place for both callers: test/infra/setup.sh
# (every step, for the test tiers) and scripts/quickstart.sh (only what `preevy up` on the local
# engine lacks). Source it after lib.sh; do not run it.
#
# PREEVY_SETUP_STEP_RUNNER, when set, runs each step instead of bash, as `RUNNER NAME SCRIPT`:
# tests record the steps the quick start chose without touching the machine's shared engine.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# What each step does and roughly how long it takes here (2 cores): cold, then when already done.
infra_step_about() {
  case "$1" in
    tools) echo "client tools: OpenSSH client, openssl, curl (about 20 s cold, 0 s when installed)" ;;
    actionlint) echo "actionlint for the GitHub Action tests: go install from the Go module proxy (about 1 min cold, 0 s when built)" ;;
    moto) echo "moto's S3 server for the S3 profile tests: pip install into a venv from PyPI (about 20 s cold, 0 s when installed)" ;;
    chromium) echo "Debian's chromium for the browser test of the index page: apt-get install chromium (about 1 min cold, 0 s when installed)" ;;
    docker) echo "Docker engine: apt-get install docker.io, start dockerd (about 30 s cold, 1 s when running)" ;;
    compose) echo "Compose v2: build the pinned github.com/docker/compose/v2 from the Go module proxy (2-8 min cold, 1 s when cached)" ;;
    images) echo "local base images, built without a registry: busybox, debootstrap Debian, Node.js (about 1 min cold, 2 s when built)" ;;
    ssh-host) echo "the ssh driver's stand-in host image: debootstrap Debian + dockerd + sshd (about 2 min cold, 1 s when built)" ;;
    kube) echo "the single-node Kubernetes of the kube e2e tests (about 6 min cold, seconds when up)" ;;
    *) die "unknown setup step: $1" ;;
  esac
}

infra_step_script() {
  case "$1" in
    kube) echo "$INFRA_DIR/kube/up.sh" ;;
    *) echo "$INFRA_DIR/$1.sh" ;;
  esac
}

# infra_step NAME: say what it does and how long it may take, run it, say how long it took.
infra_step() {
  local name="$1" started=$SECONDS script
  script=$(infra_step_script "$name")
  say "step $name: $(infra_step_about "$name")"
  if [ -n "${PREEVY_SETUP_STEP_RUNNER:-}" ]; then
    "$PREEVY_SETUP_STEP_RUNNER" "$name" "$script" >&2 || die "setup step $name failed (runner $PREEVY_SETUP_STEP_RUNNER)"
  else
    # stdout too goes to the log stream: a step's only result is the machine it leaves behind.
    bash "$script" >&2 || die "setup step $name failed (see above; logs in $INFRA_LOGS)"
  fi
  say "step $name: done in $((SECONDS - started)) s"
}
