#!/bin/sh
# preevy's idle stop (installed by the EC2 driver's cloud-init, run every minute by a systemd
# timer): stops this machine once its previews have been idle for PREEVY_IDLE_SECONDS. Activity is
# a visitor through any agent's tunnels (the agents' lastActivityAt) or a preevy command (the
# mtime of /var/lib/preevy/activity, touched on each connection), counted from boot at the
# earliest. The stop is `shutdown -h now`: EC2 stops (not terminates) the machine, the next
# `preevy up` starts it again. Each stop is logged to /var/lib/preevy/idle-stops.log, and each run
# writes the time of the last activity to /var/lib/preevy/last-activity.
set -u
idle=${PREEVY_IDLE_SECONDS:?set PREEVY_IDLE_SECONDS}
state=${PREEVY_AGENT_STATE_FILE:?set PREEVY_AGENT_STATE_FILE}
dir=${PREEVY_DIR:-/var/lib/preevy}
now=$(date +%s)
last=$((now - $(cut -d. -f1 /proc/uptime)))
newer() {
  if [ -n "$1" ] && [ "$1" -gt "$last" ]; then last=$1; fi
}
if [ -e "$dir/activity" ]; then newer "$(stat -c %Y "$dir/activity")"; fi
for c in $(docker ps -q --filter label=dev.preevy.agent); do
  at=$(docker exec "$c" cat "$state" 2>/dev/null | sed -n 's/.*"lastActivityAt":"\([^"]*\)".*/\1/p')
  if [ -n "$at" ]; then newer "$(date -d "$at" +%s 2>/dev/null || true)"; fi
done
# What `preevy ls` shows as the machine's last activity.
date -u -d "@$last" +%Y-%m-%dT%H:%M:%SZ >"$dir/last-activity.tmp" && mv "$dir/last-activity.tmp" "$dir/last-activity"
if [ $((now - last)) -ge "$idle" ]; then
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) stopping: idle since $(date -u -d "@$last" +%Y-%m-%dT%H:%M:%SZ)" >>"$dir/idle-stops.log"
  ${PREEVY_SHUTDOWN:-shutdown -h now}
fi
