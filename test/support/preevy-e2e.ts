import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { execFile } from './exec-file.js';

/** A port free on 127.0.0.1 right now (the example's fixed host ports would clash between tests). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** GET through the tunnel: `*.localhost` is loopback, so connect there with the URL's Host (fetch drops a Host header), and a share token if given. */
export const getViaLoopback = (url: string, token?: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = { Host: u.host, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    request({ host: '127.0.0.1', port: u.port, path: '/', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });

/** The environment of an offline `preevy` run: a private PREEVY_HOME and locally built base images. */
export const offlineEnv = (home: string): NodeJS.ProcessEnv => ({
  ...process.env,
  PREEVY_HOME: home,
  NO_COLOR: '1',
  BASE_IMAGE: 'preevy-test/busybox:latest',
  NODE_IMAGE: 'preevy-test/node:20',
  PREEVY_AGENT_BASE_IMAGE: 'preevy-test/node:20',
});

/** Ids of every container, network and volume carrying the environment's label. */
export const labelledResources = async (envId: string): Promise<string[]> => {
  const ids: string[] = [];
  for (const kind of ['container', 'network', 'volume'] as const) {
    const res = await execFile('docker', [kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', `label=dev.preevy.env-id=${envId}`]);
    ids.push(...res.stdout.split('\n').filter(Boolean));
  }
  return ids;
};
