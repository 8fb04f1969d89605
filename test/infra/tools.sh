#!/usr/bin/env bash
# Client tools the tests drive as real peers: a stock OpenSSH client (tunnels must work with it),
# openssl (test certificates) and curl. Idempotent.
source "$(dirname "$0")/lib.sh"
apt_install openssh-client openssl curl
say "tools: $(ssh -V 2>&1 | cut -d, -f1), $(openssl version | cut -d' ' -f1-2), curl $(curl --version | head -1 | cut -d' ' -f2)"
