// serveSsh driven by a real ssh2 Client over a loopback TCP socket (any Duplex serves; a socket
// is the simplest real one): exec, PTY, env, SFTP, both forward directions and agent forwarding,
// with real processes, a real HTTP server and a real OpenSSH ssh-agent.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateOpenSshEd25519, keyFingerprint, sshBlobFromEd25519Key } from '@preevy/tunnel-protocol';
import ssh2, { type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostPublicKeyLine } from './host-key-file.js';
import { serveSsh, type ServeSshOptions, type SshConnection } from './serve-ssh.js';

const hostKey = generateOpenSshEd25519();
const hostBlob = Buffer.from(hostPublicKeyLine(hostKey.openssh).split(' ')[1] ?? '', 'base64');

interface Served {
  client: ssh2.Client;
  connection: SshConnection;
  activity: string[];
}

let listener: Server | undefined;
const clients: ssh2.Client[] = [];

/** One serveSsh per TCP connection on 127.0.0.1, and an ssh2 Client connected to it. */
const serve = async (options: Partial<ServeSshOptions> = {}, clientConfig: Partial<ConnectConfig> = {}): Promise<Served> => {
  const activity: string[] = [];
  let connection: SshConnection | undefined;
  listener = createServer((socket) => {
    connection = serveSsh(socket, { hostKey: hostKey.openssh, shell: '/bin/sh', activityIntervalMs: 0, onActivity: (k) => activity.push(k), ...options });
  });
  await new Promise<void>((resolve) => listener!.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  const client = new ssh2.Client();
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'dev', hostVerifier: (key: Buffer) => key.equals(hostBlob), ...clientConfig });
  });
  listener.close();
  return { client, connection: connection!, activity };
};

const collect = async (channel: ClientChannel, input?: string): Promise<{ stdout: string; stderr: string; code: number | null; signal?: string }> => {
  let stdout = '';
  let stderr = '';
  let code: number | null = null;
  let signal: string | undefined;
  channel.on('data', (d: Buffer) => (stdout += d.toString()));
  channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  channel.on('exit', (c: number | null, s?: string) => {
    code = c;
    signal = s;
  });
  if (input !== undefined) channel.end(input);
  await once(channel, 'close');
  return { stdout, stderr, code, ...(signal ? { signal } : {}) };
};

const exec = (client: ssh2.Client, command: string, options: ssh2.ExecOptions = {}): Promise<ClientChannel> =>
  new Promise((resolve, reject) => client.exec(command, options, (err, ch) => (err ? reject(err) : resolve(ch))));

const sftpOf = (client: ssh2.Client): Promise<SFTPWrapper> => new Promise((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));

afterEach(() => {
  for (const c of clients.splice(0)) c.end();
  listener?.close();
});

describe('serveSsh with an ssh2 client', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preevy-ws-ssh-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should run a command with its exit code and separate stderr, and count the activity', async () => {
    const { client, activity } = await serve();
    const result = await collect(await exec(client, 'echo out; echo err >&2; exit 7'));
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 7 });
    expect(activity).toContain('session');
    expect(activity).toContain('data');
  });

  it('should pass stdin to the command and send all of a large output before the exit status', async () => {
    const { client } = await serve();
    const input = randomBytes(300_000).toString('hex');
    const result = await collect(await exec(client, 'cat; exit 4'), input);
    expect(result.code).toBe(4);
    expect(result.stdout.length).toBe(input.length);
    expect(result.stdout === input).toBe(true);
  });

  it('should report a signal that killed the command', async () => {
    const { client } = await serve();
    expect(await collect(await exec(client, 'kill -TERM $$'))).toMatchObject({ code: null, signal: 'SIGTERM' }); // "TERM" on the wire; ssh2's client prefixes SIG
  });

  it('should give a command a terminal of the requested size and follow a window change', async () => {
    const { client } = await serve();
    const tty = await collect(await exec(client, 'tty; stty size; echo "$TERM"', { pty: { rows: 30, cols: 100, term: 'xterm-256color' } }));
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+\r\n30 100\r\nxterm-256color\r\n/);

    const shell = await new Promise<ClientChannel>((resolve, reject) => client.shell({ rows: 24, cols: 80, term: 'vt100' }, (err, ch) => (err ? reject(err) : resolve(ch))));
    shell.setWindow(50, 132, 0, 0);
    shell.write('stty size; exit 5\n');
    const result = await collect(shell);
    expect(result.stdout).toContain('50 132');
    expect(result.code).toBe(5);
  });

  it('should accept env requests on the allowlist and the launcher-named ones only, and add the launcher env', async () => {
    const { client } = await serve({ acceptEnv: ['GIT_TOKEN'], env: { FROM_LAUNCHER: 'yes' } });
    const result = await collect(
      await exec(client, 'echo "$LC_ALL|$GIT_TOKEN|$LD_PRELOAD|$NOT_ALLOWED|$FROM_LAUNCHER|$HOME"', { env: { LC_ALL: 'C.UTF-8', GIT_TOKEN: 't0', LD_PRELOAD: '/evil.so', NOT_ALLOWED: 'x' } }),
    );
    expect(result.stdout.trim()).toMatch(/^C\.UTF-8\|t0\|\|\|yes\|\/.*$/);
  });

  it('should serve SFTP: put, get, readdir, rename, remove, mkdir, rmdir, symlink, and errors as statuses', async () => {
    const { client } = await serve({ cwd: dir });
    const sftp = await sftpOf(client);
    const p = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) => new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
    const local = join(dir, 'local.bin');
    const content = randomBytes(1_500_000);
    await writeFile(local, content);

    // fastPut/fastGet keep many requests in flight: ordering and offsets must hold.
    await p((cb) => sftp.fastPut(local, join(dir, 'up.bin'), cb));
    expect((await readFile(join(dir, 'up.bin'))).equals(content)).toBe(true);
    await p((cb) => sftp.fastGet('up.bin', join(dir, 'down.bin'), cb)); // relative to cwd
    expect((await readFile(join(dir, 'down.bin'))).equals(content)).toBe(true);

    await p((cb) => sftp.mkdir('sub', cb));
    await p((cb) => sftp.rename('up.bin', 'sub/moved.bin', cb));
    await p((cb) => sftp.symlink('moved.bin', join(dir, 'sub/link'), cb));
    const names = (await p<ssh2.FileEntryWithStats[]>((cb) => sftp.readdir('sub', cb))).map((e) => e.filename).sort();
    expect(names).toEqual(['link', 'moved.bin']);
    expect(await p<string>((cb) => sftp.readlink('sub/link', cb))).toBe('moved.bin');
    expect((await p<ssh2.Stats>((cb) => sftp.stat('sub/link', cb))).size).toBe(content.length);
    expect(await p<string>((cb) => sftp.realpath('sub/../sub', cb))).toBe(join(dir, 'sub'));

    await expect(p((cb) => sftp.rename('down.bin', 'sub/moved.bin', cb))).rejects.toMatchObject({ code: ssh2.utils.sftp.STATUS_CODE.FAILURE });
    await expect(p((cb) => sftp.stat('absent', cb))).rejects.toMatchObject({ code: ssh2.utils.sftp.STATUS_CODE.NO_SUCH_FILE });
    await expect(p((cb) => sftp.rmdir('sub', cb))).rejects.toMatchObject({ code: ssh2.utils.sftp.STATUS_CODE.FAILURE });

    await p((cb) => sftp.unlink('sub/link', cb));
    await p((cb) => sftp.unlink('sub/moved.bin', cb));
    await p((cb) => sftp.rmdir('sub', cb));
    await expect(stat(join(dir, 'sub'))).rejects.toMatchObject({ code: 'ENOENT' });

    await p((cb) => sftp.writeFile('small.txt', 'hello', cb));
    await p((cb) => sftp.setstat('small.txt', { mode: 0o600 }, cb));
    expect((await stat(join(dir, 'small.txt'))).mode & 0o777).toBe(0o600);
    expect((await p<Buffer>((cb) => sftp.readFile('small.txt', cb))).toString()).toBe('hello');
  });

  describe('port forwarding', () => {
    let http: HttpServer;
    let httpPort = 0;
    beforeAll(async () => {
      http = createHttpServer((req, res) => res.end(`hello from ${req.url}`));
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      httpPort = (http.address() as AddressInfo).port;
    });
    afterAll(() => {
      http.close();
    });

    it('should dial a direct-tcpip destination from the server side (ssh -L) and refuse one that does not answer', async () => {
      const { client } = await serve();
      const channel = await new Promise<ClientChannel>((resolve, reject) => client.forwardOut('127.0.0.1', 0, '127.0.0.1', httpPort, (err, ch) => (err ? reject(err) : resolve(ch))));
      let body = '';
      channel.on('data', (d: Buffer) => (body += d.toString()));
      channel.write('GET /through-L HTTP/1.0\r\nHost: x\r\n\r\n');
      await once(channel, 'close');
      expect(body).toMatch(/^HTTP\/1\.[01] 200/);
      expect(body).toContain('hello from /through-L');

      // A port nobody listens on: find one, then close it.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const deadPort = (probe.address() as AddressInfo).port;
      probe.close();
      await expect(new Promise((resolve, reject) => client.forwardOut('127.0.0.1', 0, '127.0.0.1', deadPort, (err, ch) => (err ? reject(err) : resolve(ch))))).rejects.toThrow();
    });

    it('should listen for a tcpip-forward on the server side (ssh -R), forward each connection, and stop on cancel', async () => {
      const { client } = await serve();
      const port = await new Promise<number>((resolve, reject) => client.forwardIn('127.0.0.1', 0, (err, p) => (err ? reject(err) : resolve(p))));
      expect(port).toBeGreaterThan(0);
      client.on('tcp connection', (info, accept) => {
        const ch = accept();
        ch.end(`pong ${info.destPort}`);
      });
      const socket = connect(port, '127.0.0.1');
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      await once(socket, 'close');
      expect(got).toBe(`pong ${port}`);

      await new Promise<void>((resolve, reject) => client.unforwardIn('127.0.0.1', port, (err) => (err ? reject(err) : resolve())));
      const refused = connect(port, '127.0.0.1');
      const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
      expect(err.code).toBe('ECONNREFUSED');
    });
  });

  describe('agent forwarding', () => {
    let agent: ChildProcess | undefined;
    let agentDir = '';
    let agentSock = '';
    const key = generateOpenSshEd25519('ws-test-key');
    beforeAll(async () => {
      agentDir = await mkdtemp(join(tmpdir(), 'preevy-ws-agent-'));
      agentSock = join(agentDir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
      agent.on('error', () => undefined);
      for (let i = 0; i < 50 && !(await stat(agentSock).catch(() => undefined)); i++) await sleep(100);
      const keyFile = join(agentDir, 'id');
      await writeFile(keyFile, key.openssh, { mode: 0o600 });
      const add = spawn('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: 'ignore' });
      const [code] = (await once(add, 'exit')) as [number];
      expect(code, 'ssh-add into a fresh ssh-agent (openssh-client; `npm run infra:setup` installs it)').toBe(0);
    });
    afterAll(async () => {
      agent?.kill();
      await rm(agentDir, { recursive: true, force: true });
    });

    it("should give the session an SSH_AUTH_SOCK in a private directory that reaches the client's agent", async () => {
      const { client, connection } = await serve({}, { agent: agentSock, agentForward: true });
      const result = await collect(await exec(client, 'stat -c %a "$(dirname "$SSH_AUTH_SOCK")"; ssh-add -l'));
      expect(result.code, result.stderr).toBe(0);
      const [mode, listing] = result.stdout.split('\n');
      expect(mode).toBe('700');
      expect(listing).toContain(keyFingerprint(sshBlobFromEd25519Key(key.publicKey)));
      client.end();
      await connection.done;
    });
  });

  it('should end when the client disconnects, hanging up what still runs', async () => {
    const { client, connection } = await serve();
    const marker = join(dir, `hup-${randomBytes(3).toString('hex')}`);
    const channel = await exec(client, `trap 'echo hup > ${marker}; exit 1' HUP; echo started; while :; do sleep 0.1; done`);
    await once(channel, 'data');
    client.end();
    await connection.done;
    await expect(readFile(marker, 'utf8')).resolves.toBe('hup\n');
  });

  it('should end when the stream goes away without a disconnect', async () => {
    const { client, connection } = await serve();
    (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
    await connection.done;
  });
});
