#!/usr/bin/env bash
# Ensure a Docker engine answers on the local socket (a unix:// DOCKER_HOST, else the default):
# install Debian's docker.io and start dockerd when none does. Idempotent.
source "$(dirname "$0")/lib.sh"

if docker info >/dev/null 2>&1; then
  say "docker engine: already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

socket=$(local_engine_socket) || die "DOCKER_HOST=$DOCKER_HOST is not a local socket: start that Docker host yourself, or unset DOCKER_HOST for a local engine"
command -v dockerd >/dev/null 2>&1 || apt_install docker.io containerd runc iptables
command -v docker >/dev/null 2>&1 || die "no docker CLI after installing docker.io"

need_root "starting dockerd"
# A daemon killed uncleanly (a session ends with SIGKILL) leaves pid files that block a restart.
for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "removing stale $pidfile"
    rm -f "$pidfile"
  fi
done
log="$INFRA_LOGS/dockerd.log"
say "starting dockerd on $socket (log: $log)"
# setsid: the daemon must outlive this script and the test run that started it.
setsid nohup dockerd --host "$socket" >"$log" 2>&1 </dev/null &
dockerd_pid=$!
dockerd_answers() { kill -0 "$dockerd_pid" 2>/dev/null || return 2; docker info; }
if ! wait_for 60 dockerd_answers; then
  show_log_tail "$log"
  die "dockerd did not answer 'docker info' within 60 s"
fi
say "docker engine: started ($(docker version --format '{{.Server.Version}}'))"
