// The workspace agent as the product runs it: the staged bundle folder (agent.mjs plus
// node_modules/@lydell/node-pty, copied outside the repo so nothing resolves from the repo's
// node_modules) started as an OpenSSH ProxyCommand, `node agent.mjs workspace-ssh --host-key F`,
// driven by Debian's stock ssh, scp and sftp with the host key pinned. In the product the
// ProxyCommand is `preevy workspace stdio NAME`, which reaches the same process via docker exec.
import { execFile as execFileCb, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateOpenSshEd25519 } from '@preevy/tunnel-protocol';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPublicKeyLine } from './host-key-file.js';

const BUNDLE_SCRIPT = fileURLToPath(new URL('../../scripts/bundle-agent.mjs', import.meta.url));

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}
const run = (file: string, args: string[], { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    execFileCb(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string }) | null;
      if (e && typeof e.code !== 'number') return reject(e);
      resolve({ stdout, stderr, code: e ? (e.code as number) : 0 });
    });
  });

const freePort = async (): Promise<number> => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
};

describe('workspace-ssh with stock OpenSSH (ssh, scp, sftp) and the bundle as ProxyCommand', () => {
  let dir = '';
  let agentDir = '';
  let keyFile = '';
  let knownHosts = '';
  let http: HttpServer;
  let httpPort = 0;
  const hostKey = generateOpenSshEd25519();

  const sshOptions = (hostsFile = knownHosts) => [
    '-F',
    '/dev/null',
    '-o',
    `ProxyCommand=${process.execPath} ${join(agentDir, 'agent.mjs')} workspace-ssh --host-key ${keyFile}`,
    '-o',
    `UserKnownHostsFile=${hostsFile}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
  ];

  beforeAll(async () => {
    for (const tool of ['ssh', 'scp', 'sftp']) {
      const found = await run('sh', ['-c', `command -v ${tool}`]);
      expect(found.code, `${tool} is missing: \`npm run infra:setup\` installs openssh-client (test/infra/tools.sh)`).toBe(0);
    }
    dir = await mkdtemp(join(tmpdir(), 'preevy-ws-openssh-'));
    agentDir = join(dir, 'agent');
    const bundle = await run(process.execPath, [BUNDLE_SCRIPT, agentDir], { timeoutMs: 120_000 });
    expect(bundle.code, bundle.stderr).toBe(0);
    keyFile = join(dir, 'host_key');
    await writeFile(keyFile, hostKey.openssh, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `ws ${hostPublicKeyLine(hostKey.openssh)}\n`);
    http = createHttpServer((req, res) => res.end(`hello from ${req.url}`));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    http?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("should run a command and return its exit code and stderr (ssh HOST -- 'echo hi; exit 3')", async () => {
    const result = await run('ssh', [...sshOptions(), 'ws', '--', 'echo hi; echo oops >&2; exit 3']);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toBe('hi\n');
    expect(result.stderr).toContain('oops');
  });

  it('should give `ssh -tt` a terminal (node-pty loaded from the staged folder)', async () => {
    const result = await run('ssh', ['-tt', ...sshOptions(), 'ws', '--', 'tty; test -t 0 && echo is-a-tty']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\/dev\/pts\/\d+\r\nis-a-tty\r\n/);
  });

  it('should copy a file up and down with scp (SFTP protocol)', async () => {
    const content = randomBytes(2_500_000);
    const local = join(dir, 'local.bin');
    await writeFile(local, content);
    const up = await run('scp', [...sshOptions(), local, `ws:${join(dir, 'remote.bin')}`]);
    expect(up.code, up.stderr).toBe(0);
    expect((await readFile(join(dir, 'remote.bin'))).equals(content)).toBe(true);
    const down = await run('scp', [...sshOptions(), `ws:${join(dir, 'remote.bin')}`, join(dir, 'back.bin')]);
    expect(down.code, down.stderr).toBe(0);
    expect((await readFile(join(dir, 'back.bin'))).equals(content)).toBe(true);
  });

  it('should serve an sftp batch and fail it on a missing file', async () => {
    const batch = join(dir, 'batch');
    await writeFile(batch, `mkdir ${dir}/sd\nput ${dir}/local.bin ${dir}/sd/x\nrename ${dir}/sd/x ${dir}/sd/y\nls ${dir}/sd\nrm ${dir}/sd/y\nrmdir ${dir}/sd\n`);
    const ok = await run('sftp', [...sshOptions(), '-b', batch, 'ws']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${dir}/sd/y`);
    await writeFile(batch, `get ${dir}/does-not-exist ${dir}/nothing\n`);
    const missing = await run('sftp', [...sshOptions(), '-b', batch, 'ws']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/i);
  });

  it('should forward a local port to a server on the workspace side (ssh -L)', async () => {
    const localPort = await freePort();
    const ssh = spawn('ssh', [...sshOptions(), '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${localPort}:127.0.0.1:${httpPort}`, 'ws', '--', 'echo ready; sleep 60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await once(ssh.stdout, 'data');
      const res = await fetch(`http://127.0.0.1:${localPort}/via-L`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello from /via-L');
    } finally {
      ssh.kill();
    }
  });

  it('should bump the activity file on SSH activity, for idle stop', async () => {
    const activityFile = join(dir, 'activity');
    const before = Date.now();
    const options = sshOptions().map((o) => (o.startsWith('ProxyCommand=') ? `${o} --activity-file ${activityFile}` : o));
    const result = await run('ssh', [...options, 'ws', '--', 'true']);
    expect(result.code, result.stderr).toBe(0);
    const { mtimeMs } = await stat(activityFile);
    expect(mtimeMs).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('should refuse the connection when the pinned host key differs', async () => {
    const otherHosts = join(dir, 'other_known_hosts');
    await writeFile(otherHosts, `ws ${hostPublicKeyLine(generateOpenSshEd25519().openssh)}\n`);
    const result = await run('ssh', [...sshOptions(otherHosts), 'ws', '--', 'echo should-not-run']);
    expect(result.code).toBe(255);
    expect(result.stdout).not.toContain('should-not-run');
    expect(result.stderr).toContain('Host key verification failed');
  });

  it('should refuse a host key file others can read, before serving', async () => {
    const loose = join(dir, 'loose_key');
    await writeFile(loose, hostKey.openssh);
    await chmod(loose, 0o644);
    const result = await run(process.execPath, [join(agentDir, 'agent.mjs'), 'workspace-ssh', '--host-key', loose]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('chmod 600');
  });

  it('should exit by itself when the client disconnects, with its stdin still open (no half-close needed)', async () => {
    const child = spawn(process.execPath, [join(agentDir, 'agent.mjs'), 'workspace-ssh', '--host-key', keyFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    // The child's stdin is never ended: only the SSH disconnect can end it.
    const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ sock: stream, username: 'dev', hostVerifier: (key: Buffer) => hostPublicKeyLine(hostKey.openssh).endsWith(key.toString('base64')) });
    });
    const out = await new Promise<string>((resolve, reject) =>
      client.exec('echo over-stdio', (err, ch) => {
        if (err) return reject(err);
        let text = '';
        ch.on('data', (d: Buffer) => (text += d.toString())).on('close', () => resolve(text));
      }),
    );
    expect(out).toBe('over-stdio\n');
    client.end();
    const [code] = (await Promise.race([exited, new Promise((r) => setTimeout(() => r(['timeout']), 10_000))])) as [number | string];
    expect(code).toBe(0);
  });
});
