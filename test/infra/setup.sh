#!/usr/bin/env bash
# One entry point for everything the integration and e2e tiers need. Idempotent.
dir="$(dirname "$0")"
set -euo pipefail
bash "$dir/tools.sh"
bash "$dir/docker.sh"
bash "$dir/compose.sh"
bash "$dir/images.sh"
# The single-node Kubernetes of the kube e2e tests (built once, about 6 min cold; 0 s when up).
bash "$dir/kube/up.sh" >/dev/null
