#!/usr/bin/env bash
# Build the stand-in for a user's machine with Docker, reached over SSH (the ssh driver's tests):
#   preevy-test/ssh-host:bookworm  debootstrap bookworm + docker.io + openssh-server. Its entrypoint
#   mounts the cgroup v1 hierarchies when needed (as the dind image's does), makes fresh host keys,
#   authorizes $AUTHORIZED_KEY for the user `tester` (in the docker group), starts dockerd on its
#   unix socket only (no TCP: the tests must go through SSH) and runs sshd in the foreground.
# The tests run it with the explicit capability recipe (`--privileged` fails here, machine-facts.md)
# and publish sshd on 127.0.0.1 only. Rebuilt only when its recipe changes.
source "$(dirname "$0")/lib.sh"
docker info >/dev/null 2>&1 || die "no Docker engine answers: run test/infra/docker.sh first"

tarball=$(debootstrap_tarball ssh-host docker.io,iptables,ca-certificates,util-linux,procps,openssh-server)
import_rootfs preevy-test/ssh-host-base:bookworm "$tarball" 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
base_recipe=$(sha_of "$tarball")

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
cat >"$ctx/ssh-host-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
if [ ! -e /sys/fs/cgroup/devices/devices.list ] && [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
  mountpoint -q /sys/fs/cgroup || mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup /sys/fs/cgroup
  for ss in $(awk '!/^#/ { if ($4 == 1) print $1 }' /proc/cgroups); do
    mkdir -p "/sys/fs/cgroup/$ss"
    mountpoint -q "/sys/fs/cgroup/$ss" || mount -n -t cgroup -o "$ss" cgroup "/sys/fs/cgroup/$ss" || rmdir "/sys/fs/cgroup/$ss"
  done
fi
# Each container is its own machine: its own host keys.
ssh-keygen -A >/dev/null
mkdir -p /run/sshd /home/tester/.ssh
printf '%s\n' "${AUTHORIZED_KEY:?set AUTHORIZED_KEY to the test key's public line}" >/home/tester/.ssh/authorized_keys
chown -R tester:tester /home/tester/.ssh && chmod 700 /home/tester/.ssh && chmod 600 /home/tester/.ssh/authorized_keys
dockerd --host=unix:///var/run/docker.sock >/var/log/dockerd.log 2>&1 &
exec /usr/sbin/sshd -D -e
SH
cat >"$ctx/sshd_config" <<'CONF'
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
AllowStreamLocalForwarding yes
AllowTcpForwarding yes
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM preevy-test/ssh-host-base:bookworm
# '*' (no password) rather than useradd's '!' (locked): sshd refuses locked accounts without PAM.
RUN useradd --create-home --shell /bin/bash --groups docker --password '*' tester
COPY sshd_config /etc/ssh/sshd_config
COPY ssh-host-entrypoint.sh /usr/local/bin/ssh-host-entrypoint.sh
RUN chmod +x /usr/local/bin/ssh-host-entrypoint.sh && rm -f /etc/ssh/ssh_host_*
EXPOSE 22
ENTRYPOINT ["/usr/local/bin/ssh-host-entrypoint.sh"]
DOCKERFILE
build_image preevy-test/ssh-host:bookworm "$(sha_of "$ctx/Dockerfile" "$ctx/ssh-host-entrypoint.sh" "$ctx/sshd_config")-$base_recipe" "$ctx"
say "ssh-host: ready"
