import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ssh2 from 'ssh2';
import { generateOpenSshEd25519 } from '@preevy/tunnel-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/paths.js';

interface Listening {
  sshPort: number;
  httpPort: number;
  adminPort: number;
  baseUrl: string;
}

// `preevy tunnel-server` as a user runs it: the built binary, a real SSH client, a real HTTP request.
describe('preevy tunnel-server (built binary)', () => {
  let proc: ChildProcess;
  let listening: Listening;
  let origin: Server;
  const dir = mkdtempSync(join(tmpdir(), 'preevy-e2e-ts-'));

  beforeAll(async () => {
    origin = createServer((_req, res) => res.end('hello from the origin'));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    proc = spawn(process.execPath, [CLI_BIN, 'tunnel-server', '--ssh-port', '0', '--http-port', '0', '--admin-port', '0', '--base-url', 'http://e2e.test', '--host-key-file', join(dir, 'host_key')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: proc.stdout! });
    for await (const line of lines) {
      const entry = JSON.parse(line) as Partial<Listening> & { msg: string };
      if (entry.msg === 'tunnel server listening') {
        listening = entry as Listening;
        break;
      }
    }
  });

  afterAll(async () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should publish a forwarded port at its URL and drain on SIGTERM', async () => {
    expect(listening.baseUrl).toBe('http://e2e.test');
    expect(statSync(join(dir, 'host_key')).mode & 0o777).toBe(0o600);

    // Our generator: ssh2's own makes an Ed25519 key it cannot parse back about once in 300.
    const { openssh: key } = generateOpenSshEd25519('e2e');
    const conn = new ssh2.Client();
    conn.on('tcp connection', (_info, accept) => {
      // Each visitor connection arrives as a channel of raw bytes: pipe it to the origin's port.
      const channel = accept();
      const upstream = connect((origin.address() as AddressInfo).port, '127.0.0.1');
      channel.pipe(upstream).pipe(channel);
    });
    conn.connect({ host: '127.0.0.1', port: listening.sshPort, username: 'e2e', privateKey: key });
    await once(conn, 'ready');
    await new Promise<void>((resolve, reject) => conn.forwardIn('web-80', 80, (err) => (err ? reject(err) : resolve())));
    const hello = await new Promise<{ tunnels: Array<{ url: string }> }>((resolve, reject) =>
      conn.exec('hello', (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString())).on('close', () => resolve(JSON.parse(out) as { tunnels: Array<{ url: string }> }));
      }),
    );
    const url = new URL(hello.tunnels[0]!.url);
    expect(url.hostname).toMatch(/^web-80-e2e-[a-z2-7]{12}\.e2e\.test$/);

    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: listening.httpPort, headers: { Host: url.hostname, Connection: 'close' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe('hello from the origin');

    conn.end();
    proc.kill('SIGTERM');
    const [code] = (await once(proc, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
