#!/usr/bin/env bash
# moto's server (AWS emulator, from PyPI) in a venv, for the S3 profile tests: they start
# `moto_server` on 127.0.0.1 themselves. Idempotent: skipped when the pinned version is installed.
source "$(dirname "$0")/lib.sh"
MOTO_VERSION=5.2.5
VENV="$PREEVY_TEST_CACHE/moto"
if [ -x "$VENV/bin/moto_server" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" = "$MOTO_VERSION" ]; then
  say "moto $MOTO_VERSION already in $VENV"
  exit 0
fi
command -v python3 >/dev/null || apt_install python3
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
python3 -m venv "$VENV" >"$INFRA_LOGS/moto.log" 2>&1 || { show_log_tail "$INFRA_LOGS/moto.log"; die "python3 -m venv $VENV failed"; }
"$VENV/bin/pip" install --disable-pip-version-check "moto[server]==$MOTO_VERSION" >>"$INFRA_LOGS/moto.log" 2>&1 \
  || { show_log_tail "$INFRA_LOGS/moto.log"; die "pip install moto[server]==$MOTO_VERSION failed: is PyPI reachable?"; }
say "moto $MOTO_VERSION installed in $VENV"
