import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kube-config.js';
import { kubeError } from './kube-errors.js';

// An API server that accepts the connection and never answers (a hung proxy, a stalled tunnel):
// each request must end at its deadline with an error that says so, instead of hanging `up`.
describe('the Kubernetes API request deadline', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let kubeconfig = '';

  beforeAll(async () => {
    server = createServer((s) => sockets.push(s.on('error', () => undefined)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'preevy-kube-deadline-')), 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'c',
        // plain HTTP: the client allows it only with TLS verification off
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      }),
    );
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('should end a request the server never answers at the deadline, as an unreachable API server', async () => {
    const kc = loadKubeConfig({ kubeconfig, requestTimeoutMs: 300 });
    const started = Date.now();
    const err = await kc
      .makeApiClient(CoreV1Api)
      .readNamespace({ name: 'default' })
      .then(() => undefined, (e: unknown) => kubeError(e, 'reading namespace default'));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sockets.length).toBeGreaterThan(0);
    expect(err).toMatchObject({ code: 'KUBE_API_UNREACHABLE' });
    expect(err?.message).toContain('(timeout)');
  });
});
