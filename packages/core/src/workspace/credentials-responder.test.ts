import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseCredentialsEnv, WORKSPACE_CREDENTIALS_ENV, type GitCredentialAttributes } from '@preevy/tunnel-protocol';
import { silentLogger } from '../logger.js';
import { startCredentialResponder, type LaptopCredentials } from './credentials-responder.js';

/** One request line over the responder's socket, as the container's helper sends it through ssh -R. */
const ask = (socketPath: string, request: unknown): Promise<unknown> =>
  new Promise((resolve, reject) => {
    let reply = '';
    const s = connect(socketPath, () => s.write(`${JSON.stringify(request)}\n`));
    s.on('data', (d: Buffer) => (reply += d.toString())).on('end', () => resolve(JSON.parse(reply))).on('error', reject);
  });

const fakeLaptop = () => {
  const calls: Array<[string, GitCredentialAttributes]> = [];
  const laptop: LaptopCredentials = {
    git: (op, attrs) => {
      calls.push([op, attrs]);
      return Promise.resolve(op === 'fill' && attrs.host === 'example.test' ? { username: 'alice', password: 'laptop-secret' } : undefined);
    },
    docker: (url) => Promise.resolve(url === 'registry.test' ? { username: 'bob', secret: 'reg-secret' } : undefined),
  };
  return { laptop, calls };
};

describe('startCredentialResponder', () => {
  it('should answer only requests with the session secret, and tell ssh how to reach it', async () => {
    const { laptop } = fakeLaptop();
    await using responder = await startCredentialResponder({ git: true, docker: true, logger: silentLogger, laptop, containerPort: 24_000 });
    const { secret } = parseCredentialsEnv(responder.env[WORKSPACE_CREDENTIALS_ENV])!;
    expect(responder.sshArgs).toEqual(['-o', `SendEnv=${WORKSPACE_CREDENTIALS_ENV}`, '-R', `127.0.0.1:24000:${responder.socketPath}`]);
    expect(responder.sshArgs.join(' ')).not.toContain(secret);
    const get = { kind: 'git', op: 'get', attributes: { protocol: 'https', host: 'example.test' } };
    expect(await ask(responder.socketPath, { ...get, secret })).toEqual({ found: true, git: { username: 'alice', password: 'laptop-secret' } });
    expect(await ask(responder.socketPath, { ...get, secret: 'cd'.repeat(32) })).toEqual({ found: false });
    expect(await ask(responder.socketPath, { kind: 'docker', op: 'get', serverUrl: 'registry.test', secret })).toEqual({ found: true, docker: { username: 'bob', secret: 'reg-secret' } });
  });

  it('should pass store/erase on only for a credential it gave out', async () => {
    const { laptop, calls } = fakeLaptop();
    await using responder = await startCredentialResponder({ git: true, docker: false, logger: silentLogger, laptop });
    const { secret } = parseCredentialsEnv(responder.env[WORKSPACE_CREDENTIALS_ENV])!;
    const where = { protocol: 'https', host: 'example.test' };
    // Not given out: the container cannot write or wipe the laptop's store.
    await ask(responder.socketPath, { secret, kind: 'git', op: 'erase', attributes: { ...where, username: 'alice', password: 'other' } });
    await ask(responder.socketPath, { secret, kind: 'git', op: 'store', attributes: { protocol: 'https', host: 'github.com', username: 'x', password: 'planted' } });
    expect(calls).toEqual([]);
    await ask(responder.socketPath, { secret, kind: 'git', op: 'get', attributes: where });
    await ask(responder.socketPath, { secret, kind: 'git', op: 'store', attributes: { ...where, username: 'alice', password: 'laptop-secret' } });
    expect(calls.map(([op]) => op)).toEqual(['fill', 'approve']);
    expect(calls[1]![1]).toEqual({ ...where, username: 'alice', password: 'laptop-secret' });
    // docker is off for this session.
    expect(await ask(responder.socketPath, { secret, kind: 'docker', op: 'get', serverUrl: 'registry.test' })).toEqual({ found: false });
  });
});
