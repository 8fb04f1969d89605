import { readFile } from 'node:fs/promises';
import { execFile } from './exec-file.js';

/** The dind image of the kube tests (debootstrap + docker.io, dockerd on 2375 and its socket). */
export const DIND_IMAGE = 'preevy-test/dind:k8s';

// Capabilities Docker 20.10 knows, by their bit number (newer ones, like BPF, it rejects as unknown).
const DOCKER_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
] as const;

/**
 * `--privileged` fails on these machines: the kernel's bounding set lacks a capability and Docker
 * asks for all of them (machine-facts.md). So: every capability Docker knows that the bounding set
 * has, read from this process (the engine runs on the same kernel), never a fixed list.
 */
export const grantableCaps = (capBnd: bigint): string[] => DOCKER_CAPS.filter((_, bit) => (capBnd >> BigInt(bit)) & 1n);

export const boundingSet = async (): Promise<bigint> => {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!hex) throw new Error('no CapBnd in /proc/self/status');
  return BigInt(`0x${hex}`);
};

export interface NestedDockerEngine {
  /** `tcp://127.0.0.1:<port>`: a second, empty engine, as a remote Docker host would be. */
  dockerHost: string;
  container: string;
  /** Stops the engine (its container), as a host that went away. */
  stop(): Promise<void>;
  /** Removes the container and its /var/lib/docker volume. */
  remove(): Promise<void>;
}

/**
 * `docker run` for a container that runs its own dockerd, with the explicit recipe instead of
 * `--privileged` (which fails here, see machine-facts): every capability the engine may grant,
 * no AppArmor or seccomp profile, all devices, the cgroup hierarchy writable, /var/lib/docker a volume.
 */
export const nestedDockerdRunArgs = async (name: string, volume: string): Promise<string[]> => [
  'run', '--detach', '--name', name, ...grantableCaps(await boundingSet()).flatMap((c) => ['--cap-add', c]),
  '--security-opt', 'apparmor=unconfined', '--security-opt', 'seccomp=unconfined',
  '--device-cgroup-rule', 'a *:* rwm',
  // Without it nested containers fail: "mkdir /sys/fs/cgroup/cpuset/docker: read-only file system".
  '--volume', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  '--volume', `${volume}:/var/lib/docker`,
];

/**
 * A real second Docker engine for int tests: dockerd in the dind image, run by the local engine
 * with the explicit recipe instead of `--privileged`, its API published on 127.0.0.1 only.
 */
export const startNestedDockerEngine = async (name: string, { timeoutMs = 60_000 } = {}): Promise<NestedDockerEngine> => {
  const image = await execFile('docker', ['image', 'inspect', '--format', '{{.Id}}', DIND_IMAGE]);
  if (image.exitCode !== 0) throw new Error(`Test image ${DIND_IMAGE} is missing: build it with \`bash test/infra/kube/images.sh\` (or \`npm run kube:up\`).`);
  const volume = `${name}-lib`;
  const remove = async (): Promise<void> => {
    await execFile('docker', ['rm', '--force', '--volumes', name]);
    await execFile('docker', ['volume', 'rm', '--force', volume]);
  };
  await remove();
  const run = await execFile('docker', [...(await nestedDockerdRunArgs(name, volume)), '--publish', '127.0.0.1::2375', DIND_IMAGE]);
  if (run.exitCode !== 0) throw new Error(`starting the nested engine failed: ${run.stderr.trim()}`);
  const port = await execFile('docker', ['port', name, '2375/tcp']);
  const address = port.stdout.split('\n').find((l) => l.startsWith('127.0.0.1:'));
  if (!address) {
    await remove();
    throw new Error(`the nested engine published no loopback port: ${port.stdout}${port.stderr}`);
  }
  const dockerHost = `tcp://${address.trim()}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await execFile('docker', ['-H', dockerHost, 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
    if (info.exitCode === 0) break;
    if (Date.now() > deadline) {
      const logs = await execFile('docker', ['logs', '--tail', '20', name]);
      await remove();
      throw new Error(`the nested engine did not answer within ${timeoutMs} ms: ${logs.stdout}${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    dockerHost,
    container: name,
    stop: async () => void (await execFile('docker', ['stop', '--time', '5', name])),
    remove,
  };
};
