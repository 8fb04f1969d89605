#!/usr/bin/env bash
# The README's quick start: build preevy and run `preevy up` on examples/hello on the local Docker
# engine, with the embedded local tunnel server. Prints the URLs.
#
# On a fresh machine it first sets up what that needs, with the test infrastructure's own steps
# (test/infra/steps.sh): the Docker engine, Compose v2 and, when no registry answers, local base
# images. It does so only as root on Debian; elsewhere it says what to install and stops.
#
# Inputs, each with a production default (tests set them):
#   DOCKER_HOST                the engine to check (a unix:// socket can be set up; default: Docker's)
#   PREEVY_REGISTRY_PROBE_URL  a registry whose answer means base images can be pulled
#   PREEVY_OS_RELEASE          the os-release file that says whether this is Debian
#   PREEVY_SETUP_STEP_RUNNER   runs each setup step instead of bash (test/infra/steps.sh)
#   PREEVY_QUICKSTART_BUILD=0  skip `npm run build` (when the caller has just built)
source "$(dirname "$0")/lib.sh"
source test/infra/lib.sh
source test/infra/steps.sh

# The example's default base images (examples/hello/compose.yaml) and the agent's.
PUBLIC_IMAGES=(busybox:1.36 node:20-bookworm-slim)
LOCAL_IMAGES=(preevy-test/busybox:latest preevy-test/node:20)
REGISTRY_PROBE_URL="${PREEVY_REGISTRY_PROBE_URL:-https://registry-1.docker.io/v2/}"

engine_answers() { docker info >/dev/null 2>&1; }
images_here() { for i in "$@"; do docker image inspect "$i" >/dev/null 2>&1 || return 1; done; }
# Any HTTP answer (Docker Hub says 401) means pulls can work; no answer within 5 s means offline.
registry_answers() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then(() => process.exit(0), () => process.exit(1))' "$REGISTRY_PROBE_URL"
}
os_id() { (. "${PREEVY_OS_RELEASE:-/etc/os-release}" 2>/dev/null && echo "${ID:-unknown}") || echo unknown; }

# Why this machine cannot be set up by the script, or nothing when it can.
why_no_setup() {
  local os
  os=$(os_id)
  [ "$os" = debian ] || { echo "this is not Debian (os-release ID=$os)"; return; }
  [ "$(id -u)" = 0 ] || echo "it runs as $(id -un), not root"
}

what_to_install() {
  case "$1" in
    docker) echo "- a Docker engine: none answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}. Install Docker Engine (Debian/Ubuntu: apt-get install docker.io; others: https://docs.docker.com/engine/install/) and start it, or point DOCKER_HOST at one that answers." ;;
    compose) echo "- Compose v2 (2.$COMPOSE_MIN_MINOR or later) as a Docker CLI plugin: \`docker compose version\` must print it. Install Docker's docker-compose-plugin package." ;;
    images) echo "- the base images ${PUBLIC_IMAGES[*]}: no engine here has them and no registry answers at $REGISTRY_PROBE_URL. \`docker load\` them, or set BASE_IMAGE, NODE_IMAGE and PREEVY_AGENT_BASE_IMAGE to images the engine has." ;;
  esac
}

ensure_node_modules

# --- what is missing ---------------------------------------------------------------------
plan=() engine_up=false use_local_images=false
if engine_answers; then engine_up=true; else
  local_engine_socket >/dev/null \
    || die "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST, and the quick start sets up only a local engine: start that host, or unset DOCKER_HOST."
  plan+=(docker)
fi
compose_ok || plan+=(compose)
# Images the user names are theirs to provide; otherwise the example's defaults, or local stand-ins.
if [ -z "${BASE_IMAGE:-}${NODE_IMAGE:-}" ]; then
  if $engine_up && images_here "${PUBLIC_IMAGES[@]}"; then :
  elif registry_answers; then :
  elif $engine_up && images_here "${LOCAL_IMAGES[@]}"; then use_local_images=true
  else plan+=(images) use_local_images=true
  fi
fi

# --- set it up (root on Debian) or say what to install ------------------------------------
if [ "${#plan[@]}" -gt 0 ]; then
  why=$(why_no_setup)
  if [ -n "$why" ]; then
    {
      printf '\nThe quick start needs, and this machine lacks:\n'
      for s in "${plan[@]}"; do what_to_install "$s"; done
      printf 'It sets these up by itself only as root on Debian, and %s. Install them, then run `npm run quickstart` again.\n' "$why"
    } >&2
    exit 1
  fi
  step "setting up what is missing here: ${plan[*]} (the test infrastructure's steps; cached under $PREEVY_TEST_CACHE)"
  for s in "${plan[@]}"; do
    # The images step needs the engine and every step after it needs Compose: check right before.
    if [ "$s" = images ]; then
      engine_answers || die "the Docker engine still does not answer at ${DOCKER_HOST:-unix:///var/run/docker.sock} after the setup steps (dockerd log: $INFRA_LOGS/dockerd.log)"
    fi
    infra_step "$s"
  done
  engine_answers || die "the Docker engine still does not answer at ${DOCKER_HOST:-unix:///var/run/docker.sock} after the setup steps (dockerd log: $INFRA_LOGS/dockerd.log)"
  compose_ok || die "\`docker compose version\` still does not show Compose v2.$COMPOSE_MIN_MINOR+ after the setup steps"
fi

if [ "${PREEVY_QUICKSTART_BUILD:-1}" != 0 ]; then
  step "build"
  npm run --silent build
fi

if $use_local_images; then
  export BASE_IMAGE="${LOCAL_IMAGES[0]}" NODE_IMAGE="${LOCAL_IMAGES[1]}" PREEVY_AGENT_BASE_IMAGE="${PREEVY_AGENT_BASE_IMAGE:-${LOCAL_IMAGES[1]}}"
  step "no registry answers: using the locally built base images ($BASE_IMAGE, $NODE_IMAGE)"
fi
step "preevy up (examples/hello)"
cd examples/hello
npx --no-install preevy up "$@"
