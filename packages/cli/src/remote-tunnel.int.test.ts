import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizedKeyLine } from '@preevy/tunnel-protocol';
import { LocalProfileStore, type Logger } from '@preevy/core';
import { generateHostKey, startTunnelServer, type HostKey, type RunningTunnelServer } from '@preevy/tunnel-server';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { profileTunnelEndpoint } from './remote-tunnel.js';
import { caught } from '../../../test/support/preevy-error-of.js';

/** Every file under `dir` with its content: equal snapshots mean nothing changed. */
const snapshot = async (dir: string): Promise<Record<string, string>> => {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name)] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
};

// `up`'s view of a remote tunnel server, against the real server: trust on first use, then the
// pinned key is checked in the SSH handshake on every later contact.
describe('tunnel server host key pinning (real tunnel server)', () => {
  let home: string;
  let store: LocalProfileStore;
  const servers: RunningTunnelServer[] = [];
  const messages: string[] = [];
  const logger: Logger = { debug: () => undefined, info: (m) => void messages.push(m), warn: () => undefined, error: () => undefined };
  /** What each server logged, to tell whether a client ever offered it a key. */
  const serverLog: string[] = [];

  const startServer = async (hostKey: HostKey, { sshPort = 0, authorizedKeysFile }: { sshPort?: number; authorizedKeysFile?: string } = {}) => {
    const server = await startTunnelServer({
      baseUrl: new URL('http://tunnel.test'),
      sshPort,
      httpPort: 0,
      hostKey,
      ...(authorizedKeysFile ? { authorizedKeysFile } : {}),
      logger: pino({ level: 'debug' }, { write: (line: string) => void serverLog.push(line) }),
    });
    servers.push(server);
    return server;
  };
  const endpointFor = async (name: string) => {
    const profile = await store.get(name);
    return profileTunnelEndpoint(profile, profile.tunnelUrl!, { store, logger });
  };
  const authAttempts = () => serverLog.filter((l) => /ssh authentication refused|ssh client ready/.test(l));

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'preevy-hostkey-'));
    store = new LocalProfileStore({ env: { PREEVY_HOME: home } });
    messages.length = 0;
    serverLog.length = 0;
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close({ drainMs: 0 })));
    await rm(home, { recursive: true, force: true });
  });

  it('should pin the key the server shows at first contact, say so, and hand that key to the agent', async () => {
    const hostKey = generateHostKey();
    const server = await startServer(hostKey);
    const url = `ssh://127.0.0.1:${server.sshPort}`;
    await store.create({ name: 'team', tunnelUrl: url });

    const endpoint = await endpointFor('team');
    expect(endpoint).toMatchObject({ sshHost: '127.0.0.1', sshPort: server.sshPort, hostKey: hostKey.publicKey, baseUrl: new URL('http://tunnel.test') });
    expect((await store.get('team')).tunnelHostKey).toBe(hostKey.publicKey);
    expect(messages).toEqual([`pinned tunnel server host key ${hostKey.fingerprint} for ${url} in profile "team"`]);

    // Later contacts check the pin and change nothing.
    const before = await snapshot(home);
    expect((await endpointFor('team')).hostKey).toBe(hostKey.publicKey);
    expect(messages).toHaveLength(1);
    expect(await snapshot(home)).toEqual(before);
  });

  it('should refuse a second server with another host key at the same URL, before authenticating, and leave the profile as it was', async () => {
    const first = await startServer(generateHostKey());
    const sshPort = first.sshPort;
    const url = `ssh://127.0.0.1:${sshPort}`;
    await store.create({ name: 'team', tunnelUrl: url });
    await endpointFor('team');
    const before = await snapshot(home);

    await first.close({ drainMs: 0 });
    const impostorKey = generateHostKey();
    await startServer(impostorKey, { sshPort });
    serverLog.length = 0;
    const err = await caught(endpointFor('team'));
    expect(err).toMatchObject({ code: 'TUNNEL_HOST_KEY_CHANGED', kind: 'conflict' });
    expect(err.message).toContain(`${url} presented host key ${impostorKey.fingerprint}, but profile "team" pinned ${first.hostKey.fingerprint}`);
    expect(err.suggestions.join('\n')).toContain(`preevy profile config update --profile team --tunnel-host-key '${impostorKey.publicKey}'`);
    expect(err.suggestions.join('\n')).toContain('--unset-tunnel-host-key');
    expect(authAttempts()).toEqual([]);
    expect(await snapshot(home)).toEqual(before);

    // The remedy: after checking with the operator, pin the new key (or unset the pin and re-pin).
    await store.update('team', { tunnelHostKey: impostorKey.publicKey });
    expect((await endpointFor('team')).hostKey).toBe(impostorKey.publicKey);
    await store.update('team', { tunnelHostKey: null });
    messages.length = 0;
    await endpointFor('team');
    expect(messages).toEqual([`pinned tunnel server host key ${impostorKey.fingerprint} for ${url} in profile "team"`]);
  });

  it("should pin a project's own server (x-preevy.tunnelServer) apart from the profile's, and refuse another key there", async () => {
    const profileServer = await startServer(generateHostKey());
    const projectKey = generateHostKey();
    const projectServer = await startServer(projectKey);
    const profileUrl = `ssh://127.0.0.1:${profileServer.sshPort}`;
    const projectUrl = `ssh://127.0.0.1:${projectServer.sshPort}`;
    await store.create({ name: 'team', tunnelUrl: profileUrl });
    await endpointFor('team');

    const endpoint = await profileTunnelEndpoint(await store.get('team'), projectUrl, { store, logger });
    expect(endpoint.hostKey).toBe(projectKey.publicKey);
    const profile = await store.get('team');
    expect(profile.projectTunnelHostKeys).toEqual({ [projectUrl]: projectKey.publicKey });
    expect(profile.tunnelHostKey).toBe(profileServer.hostKey.publicKey);

    await projectServer.close({ drainMs: 0 });
    await startServer(generateHostKey(), { sshPort: projectServer.sshPort });
    const before = await snapshot(home);
    const err = await caught(profileTunnelEndpoint(await store.get('team'), projectUrl, { store, logger }));
    expect(err).toMatchObject({ code: 'TUNNEL_HOST_KEY_CHANGED' });
    expect(err.suggestions.join('\n')).toContain(`projectTunnelHostKeys`);
    expect(await snapshot(home)).toEqual(before);
  });

  it('should refuse a server that does not match a key pinned up front (--tunnel-host-key), at first contact and before offering the profile key', async () => {
    // The server lets in no key at all: had the client offered one, the server would log the refusal.
    const authorizedKeysFile = join(home, 'authorized_keys');
    await writeFile(authorizedKeysFile, `${authorizedKeyLine(generateKeyPairSync('ed25519').publicKey)}\n`);
    const server = await startServer(generateHostKey(), { authorizedKeysFile });
    const expected = generateHostKey();
    await store.create({ name: 'ci', tunnelUrl: `ssh://127.0.0.1:${server.sshPort}`, tunnelHostKey: expected.fingerprint });
    const before = await snapshot(home);

    expect((await caught(endpointFor('ci'))).code).toBe('TUNNEL_HOST_KEY_CHANGED');
    expect(authAttempts()).toEqual([]);
    expect(messages).toEqual([]);
    expect(await snapshot(home)).toEqual(before);
  });

  it('should connect when the key pinned up front matches, as a fingerprint or a key line, keeping the pin as given', async () => {
    const hostKey = generateHostKey();
    const server = await startServer(hostKey);
    const url = `ssh://127.0.0.1:${server.sshPort}`;
    await store.create({ name: 'fp', tunnelUrl: url, tunnelHostKey: hostKey.fingerprint });
    await store.create({ name: 'line', tunnelUrl: url, tunnelHostKey: `${hostKey.publicKey} operator@tunnel` });

    for (const name of ['fp', 'line']) expect((await endpointFor(name)).hostKey).toBe(hostKey.publicKey);
    expect((await store.get('fp')).tunnelHostKey).toBe(hostKey.fingerprint);
    expect((await store.get('line')).tunnelHostKey).toBe(hostKey.publicKey);
    expect(messages).toEqual([]);
  });
});
