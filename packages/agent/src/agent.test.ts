import { generateOpenSshEd25519 } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import type { DockerEngine } from './docker-engine-client.js';

const never = (): Promise<never> => Promise.reject(new Error('not used: the agent is not started'));
const docker: DockerEngine = { listContainers: never, inspectContainer: never, stopContainer: never, events: () => ({ [Symbol.asyncIterator]: () => ({ next: never }) }) };

const agentWith = (over: { activityFile?: string; idleStop?: { container: string; timeoutSeconds: number } }, mtime: (p: string) => number | undefined) =>
  createAgent({
    server: { host: '127.0.0.1', port: 1 },
    envId: 'ws-a',
    privateKey: Buffer.from(generateOpenSshEd25519().openssh),
    hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    project: 'ws-a',
    defaultAccess: 'private',
    state: { host: '127.0.0.1', port: 0 },
    docker,
    mtime,
    ...over,
  });

// A machine's idle stop reads only the agent's lastActivityAt: a workspace's SSH sessions (the
// activity file) must be in it whether or not the container has an idle stop of its own.
describe("the agent's lastActivityAt", () => {
  const at = Date.parse('2026-12-04T10:00:00Z');

  it('should count the activity file without a container idle stop', () => {
    const agent = agentWith({ activityFile: '/act' }, (p) => (p === '/act' ? at : undefined));
    expect(agent.state()).toMatchObject({ lastActivityAt: new Date(at).toISOString() });
    expect(agent.state()).not.toHaveProperty('idleStop');
  });

  it('should count it with one too, and have none without a file', () => {
    expect(agentWith({ activityFile: '/act', idleStop: { container: 'c1', timeoutSeconds: 60 } }, () => at).state()).toMatchObject({ lastActivityAt: new Date(at).toISOString(), idleStop: { container: 'c1' } });
    expect(agentWith({}, () => at).state()).not.toHaveProperty('lastActivityAt');
  });
});
