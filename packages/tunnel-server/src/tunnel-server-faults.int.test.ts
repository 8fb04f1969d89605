import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tunnelLabel } from '@preevy/tunnel-protocol';
import { loadOrCreateHostKey } from './host-key.js';
import { connectForwardingClient, generateTestKey } from './test-support/forwarding-client.js';
import { requestVia } from './test-support/http-client.js';
import { rawExchange } from './test-support/raw-exchange.js';
import { startOrigin, type Origin } from './test-support/origin.js';
import type { RunningTunnelServer } from './tunnel-server.js';
import { startTestServer, TEST_BASE_HOST } from './test-support/test-server.js';

const BASE = TEST_BASE_HOST;

describe('tunnel server under bad input and faults', () => {
  let server: RunningTunnelServer;
  let origin: Origin;
  const key = generateTestKey();
  let host = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'preevy-ts-'));
    origin = await startOrigin('still serving');
    server = await startTestServer({ adminPort: 0, limits: { headerTimeoutMs: 300, maxHeaderBytes: 4096, sshHandshakeTimeoutMs: 500 } });
    const agent = await connectForwardingClient({ sshPort: server.sshPort, key, envId: 'env' });
    expect(await agent.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
    host = `${(await agent.hello()).tunnels[0]!.label}.${BASE}`;
  });

  afterAll(async () => {
    await server?.close({ drainMs: 0 });
    await origin?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  const stillServes = async (): Promise<void> => {
    const res = await requestVia(server.httpPort, { host });
    expect(res.body.toString()).toBe('still serving');
  };

  it.each([
    ['a Host with two dots in a row', `GET / HTTP/1.1\r\nHost: a..${BASE}\r\nConnection: close\r\n\r\n`, /^HTTP\/1\.1 404/],
    ['a Host with markup', `GET / HTTP/1.1\r\nHost: <script>.${BASE}\r\nConnection: close\r\n\r\n`, /^HTTP\/1\.1 404/],
    ['two Host headers', `GET / HTTP/1.1\r\nHost: x.${BASE}\r\nHost: y.${BASE}\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['no Host header', 'GET / HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400/],
    ['a folded header line', `GET / HTTP/1.1\r\nHost: x.${BASE}\r\n  folded\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['a garbage request line', 'HELLO THERE\r\n\r\n', /^HTTP\/1\.1 400/],
  ])('should refuse %s clearly and keep serving', async (_what, bytes, expected) => {
    const res = await rawExchange(server.httpPort, (s) => s.write(bytes));
    expect(res.text).toMatch(expected);
    await stillServes();
  });

  it('should refuse oversized headers with 431', async () => {
    const res = await rawExchange(server.httpPort, (s) => s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(8192)}\r\n\r\n`));
    expect(res.text).toMatch(/^HTTP\/1\.1 431/);
    await stillServes();
  });

  it('should cut off a slowloris client with 408 while serving others', async () => {
    const slow = rawExchange(server.httpPort, (s) => {
      s.write('GET / HTTP/1.1\r\n');
      const drip = setInterval(() => (s.writable ? s.write('X-Drip: 1\r\n') : clearInterval(drip)), 50);
      s.once('close', () => clearInterval(drip));
    });
    await stillServes();
    const res = await slow;
    expect(res.closed).toBe(true);
    expect(res.text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('should drop garbage on the SSH port and an idle handshake, and keep serving', async () => {
    const garbage = await rawExchange(server.sshPort, (s) => s.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\x00\xff\x13garbage')));
    expect(garbage.closed).toBe(true);
    const idle = await rawExchange(server.sshPort, () => {});
    expect(idle.closed).toBe(true); // closed by the handshake deadline, not by our timeout
    await stillServes();
    expect(server.stats().sshClients).toBe(1);
  });

  it('should expose Prometheus metrics and a health check on the admin port', async () => {
    const metrics = await requestVia(server.adminPort!, { host: '127.0.0.1', path: '/metrics' });
    const text = metrics.body.toString();
    expect(text).toMatch(/^preevy_tunnel_tunnels 1$/m);
    expect(text).toMatch(/^preevy_tunnel_ssh_clients 1$/m);
    expect(text).toMatch(/^preevy_tunnel_refused_total\{reason="header-too-large"\} [1-9]/m);
    expect(text).toMatch(/^preevy_tunnel_bytes_total\{direction="out"\} [1-9]/m);
    const health = await requestVia(server.adminPort!, { host: '127.0.0.1', path: '/healthz' });
    expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok', hostKey: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/) as unknown, sshClients: 1, tunnels: 1 });
  });

  it('should refuse a key missing from the authorized keys file and accept a listed one', async () => {
    const allowed = generateTestKey();
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, `# agents\n${allowed.publicLine} ci\n`);
    await using restricted = await startTestServer({ authorizedKeysFile: file });
    await expect(connectForwardingClient({ sshPort: restricted.sshPort, key: generateTestKey(), envId: 'env' })).rejects.toThrow(/authentication methods failed/);
    await using ok = await connectForwardingClient({ sshPort: restricted.sshPort, key: allowed, envId: 'env' });
    expect(await ok.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
  });

  it('should refuse an environment id that is not a DNS label', async () => {
    await expect(connectForwardingClient({ sshPort: server.sshPort, key, envId: 'Not A Label!' })).rejects.toThrow(/authentication methods failed/);
  });

  it('should persist its host key with mode 0600 and reuse it across restarts', async () => {
    const file = join(dir, 'keys', 'host_key');
    const first = await loadOrCreateHostKey(file);
    const again = await loadOrCreateHostKey(file);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('OPENSSH PRIVATE KEY');
  });

  it('should serve a tunnel over HTTPS with a wildcard certificate', async () => {
    const cert = join(dir, 'cert.pem');
    const certKey = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=*.${BASE}`,
      '-addext', `subjectAltName=DNS:*.${BASE},DNS:${BASE}`, '-keyout', certKey, '-out', cert], { stdio: 'ignore' });
    await using tls = await startTestServer({
      baseUrl: ({ httpsPort }) => new URL(`https://${BASE}:${httpsPort}`),
      https: { port: 0, cert: readFileSync(cert), key: readFileSync(certKey) },
    });
    await using agent = await connectForwardingClient({ sshPort: tls.sshPort, key, envId: 'env' });
    expect(await agent.forward({ request: 'web-80', target: { host: '127.0.0.1', port: origin.port } })).toBe(true);
    const hello = await agent.hello();
    expect(hello.tunnels[0]!.url).toBe(`https://${tunnelLabel({ name: 'web-80', envId: 'env', clientId: hello.clientId })}.${BASE}:${tls.httpsPort}`);
    const tlsHost = new URL(hello.tunnels[0]!.url).hostname;
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest({ host: '127.0.0.1', port: tls.httpsPort, servername: tlsHost, ca: readFileSync(cert), headers: { Host: tlsHost } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
      }).on('error', reject).end();
    });
    expect(body).toBe('still serving');
  });
});

describe('tunnel server with a stock OpenSSH client', () => {
  it('should publish `ssh -N -R name:80:host:port` and serve it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preevy-openssh-'));
    await using origin = await startOrigin('served via openssh');
    await using server = await startTestServer();
    const key = generateTestKey();
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, key.openssh, { mode: 0o600 });
    const ssh = spawn('ssh', ['-N', '-R', `myapp:80:127.0.0.1:${origin.port}`, '-p', String(server.sshPort), '-i', keyFile,
      '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes', 'pr-5@127.0.0.1'], { stdio: 'ignore' });
    try {
      await expect.poll(() => server.stats().tunnels, { timeout: 10_000 }).toBe(1);
      const res = await requestVia(server.httpPort, { host: `${tunnelLabel({ name: 'myapp', envId: 'pr-5', clientId: key.clientId })}.${BASE}` });
      expect(res.body.toString()).toBe('served via openssh');
    } finally {
      ssh.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
