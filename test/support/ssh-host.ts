import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenSshEd25519, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import { execFile, type ExecResult } from './exec-file.js';
import { nestedDockerdRunArgs } from './nested-docker-engine.js';

/** Built by test/infra/ssh-host.sh: sshd + dockerd (unix socket only), user `tester` in the docker group. */
export const SSH_HOST_IMAGE = 'preevy-test/ssh-host:bookworm';
const REMEDY = 'Build it with `bash test/infra/ssh-host.sh` (or `npm run infra:setup`).';

/** A stand-in for a user's machine with Docker: a container with a real sshd and a real dockerd. */
export interface SshTestHost {
  container: string;
  /** sshd, published on 127.0.0.1 only. */
  port: number;
  /** `tester@127.0.0.1:<port>`. */
  target: string;
  /** The test's private key (0600), authorized for `tester`. */
  identityFile: string;
  /** The host's ed25519 key line, read from the container. */
  hostKey(): Promise<string>;
  /** Runs a command in the host (as root). */
  exec(args: string[]): Promise<ExecResult>;
  /** New host keys, sshd reloaded: the same address now shows another key. */
  replaceHostKeys(): Promise<void>;
  remove(): Promise<void>;
}

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number, logs: () => Promise<string>): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the ssh test host: ${what} within ${timeoutMs} ms. ${await logs()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/** sshd answers with its banner (a TCP accept alone is docker-proxy, not sshd). */
const sshBanner = async (port: number): Promise<boolean> => {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2000, () => done(false));
    s.once('data', (d: Buffer) => done(d.toString().startsWith('SSH-2.0-')));
    s.once('error', () => done(false));
    // docker-proxy accepts before sshd listens, then closes without a byte.
    s.once('close', () => done(false));
  });
};

/**
 * Starts the stand-in host: run by the local engine with the explicit capability recipe (not
 * `--privileged`, which fails here), sshd published on 127.0.0.1 only, a fresh key authorized.
 * Resolves once sshd answers and its dockerd does.
 */
export const startSshHost = async (name: string, dir: string, { timeoutMs = 90_000 } = {}): Promise<SshTestHost> => {
  const image = await execFile('docker', ['image', 'inspect', '--format', '{{.Id}}', SSH_HOST_IMAGE]);
  if (image.exitCode !== 0) throw new Error(`Test image ${SSH_HOST_IMAGE} is missing. ${REMEDY}`);
  const volume = `${name}-lib`;
  const remove = async (): Promise<void> => {
    await execFile('docker', ['rm', '--force', '--volumes', name]);
    await execFile('docker', ['volume', 'rm', '--force', volume]);
  };
  await remove();
  // Our own encoder: ssh2's generator now and then makes an ed25519 key it cannot parse back.
  const generated = generateOpenSshEd25519('preevy-test');
  const keys = { private: generated.openssh, public: `ssh-ed25519 ${sshBlobFromEd25519Key(generated.publicKey).toString('base64')} preevy-test` };
  const identityFile = join(dir, `${name}-id_ed25519`);
  writeFileSync(identityFile, keys.private, { mode: 0o600 });
  chmodSync(identityFile, 0o600);
  const run = await execFile('docker', [
    ...(await nestedDockerdRunArgs(name, volume)),
    '--publish', '127.0.0.1::22',
    '--env', `AUTHORIZED_KEY=${keys.public}`,
    '--label', 'preevy-test.ssh-host=1',
    SSH_HOST_IMAGE,
  ]);
  if (run.exitCode !== 0) throw new Error(`starting the ssh test host failed: ${run.stderr.trim()}`);
  const exec = (args: string[]) => execFile('docker', ['exec', name, ...args]);
  const logs = async () => {
    const l = await execFile('docker', ['logs', '--tail', '20', name]);
    const d = await exec(['tail', '-n', '20', '/var/log/dockerd.log']);
    return `sshd: ${l.stdout}${l.stderr}\ndockerd: ${d.stdout}`;
  };
  try {
    const published = await execFile('docker', ['port', name, '22/tcp']);
    const address = published.stdout.split('\n').find((l) => l.startsWith('127.0.0.1:'));
    if (!address) throw new Error(`the ssh test host published no loopback port: ${published.stdout}${published.stderr}`);
    const port = Number(address.trim().split(':')[1]);
    await waitFor('sshd did not answer', () => sshBanner(port), timeoutMs, logs);
    await waitFor('its dockerd did not answer', async () => (await exec(['docker', 'info', '--format', '{{.ServerVersion}}'])).exitCode === 0, timeoutMs, logs);
    return {
      container: name,
      port,
      target: `tester@127.0.0.1:${port}`,
      identityFile,
      hostKey: async () => (await exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(' ').slice(0, 2).join(' '),
      exec,
      replaceHostKeys: async () => {
        const res = await exec(['sh', '-c', 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && kill -HUP 1']);
        if (res.exitCode !== 0) throw new Error(`replacing the host keys failed: ${res.stderr}`);
        // sshd re-executes itself on HUP: wait until it answers again.
        await new Promise((r) => setTimeout(r, 300));
        await waitFor('sshd did not come back after HUP', () => sshBanner(port), 20_000, logs);
      },
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
};

/** Whether an IPv4 address is inside `a.b.c.d/n`. */
const inSubnet = (address: string, cidr: string): boolean => {
  const [net, bits] = cidr.split('/');
  const n = (ip: string) => ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(address) & mask) === (n(net!) & mask);
};

/**
 * The address of this machine on the local engine's default bridge, where a tunnel server
 * listens for agents on the stand-in host. Read from the bridge interface itself, and only when
 * it is inside the bridge network's subnet: without the interface the address would route off
 * this machine, so nothing may dial it then.
 */
export const bridgeGatewayAddress = async (): Promise<string> => {
  const inspect = await execFile('docker', ['network', 'inspect', 'bridge', '--format', '{{index .Options "com.docker.network.bridge.name"}} {{range .IPAM.Config}}{{.Subnet}}{{end}}']);
  const [bridge = 'docker0', subnet = ''] = inspect.stdout.trim().split(' ');
  const link = await execFile('ip', ['-j', '-4', 'addr', 'show', 'dev', bridge]);
  const local = link.exitCode === 0 ? (JSON.parse(link.stdout) as Array<{ addr_info: Array<{ local: string }> }>).flatMap((l) => l.addr_info.map((a) => a.local)) : [];
  const address = local.find((a) => subnet !== '' && inSubnet(a, subnet));
  if (!address) {
    throw new Error(`No address of the local engine's bridge ${bridge} (${local.join(', ') || 'no such interface'}) is in its network ${subnet || '(no subnet)'}: refusing to use one. Restart the Docker engine (test/infra/docker.sh).`);
  }
  return address;
};
