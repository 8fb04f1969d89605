#!/usr/bin/env bash
# Tunnel soak: one server, 20 agents × 50 tunnels churning for 60 s under every kind of visitor and
# a few misbehaving clients; prints the server's fds and RSS before, at peak and after. Loopback only.
exec bash "$(dirname "$0")/run.sh" soak "$@"
