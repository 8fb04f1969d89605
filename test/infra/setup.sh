#!/usr/bin/env bash
# One entry point for everything the integration and e2e tiers need. Idempotent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/steps.sh"
for name in tools actionlint moto chromium docker compose images ssh-host kube; do infra_step "$name"; done
