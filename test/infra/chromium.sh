#!/usr/bin/env bash
# Debian's chromium, run headless by the browser test of the tunnel server's index page.
# Idempotent: apt_install skips it once installed.
source "$(dirname "$0")/lib.sh"
apt_install chromium
/usr/bin/chromium --version >&2 || die "chromium is installed but does not start (see the message above)"
