import { describe, expect, it } from 'vitest';
import type { DockerHost, DockerHostDriver } from '../driver/docker-host-driver.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { EnvRecord } from '../profiles/profile-schema.js';
import type { Profile } from '../profiles/profile-store.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { envUrls } from './env-urls.js';

const profile = { name: 'p1' } as Profile;
const podHost: DockerHost = { driver: 'kube-pod', envId: 'e1', state: { deployment: 'e1-abc' } };
const envs = (record: EnvRecord | undefined) => ({ read: async () => record }) as unknown as EnvRecordStore;

/** A host-per-environment driver; `connect` hands out a DOCKER_HOST the fake docker CLI checks. */
const driver = (found: DockerHost | undefined) =>
  ({
    name: 'kube-pod',
    hostPerEnvironment: true,
    findHost: async () => found,
    connect: async (h: DockerHost) => ({ dockerHost: `tcp://127.0.0.1:1/${String(h.state.deployment)}`, seesLocalFiles: false, [Symbol.asyncDispose]: async () => {} }),
  }) as unknown as DockerHostDriver;

/** `docker ps` finds the agent, `docker exec … state` prints this state, both on the found host only. */
const docker = (state: unknown): ProcessRunner => async (_file, args, options) => {
  if (options?.env?.DOCKER_HOST !== 'tcp://127.0.0.1:1/e1-abc') return { exitCode: 1, stdout: '', stderr: 'wrong host' };
  if (args[0] === 'ps') return { exitCode: 0, stdout: 'agent1\n', stderr: '' };
  return { exitCode: 0, stdout: JSON.stringify(state), stderr: '' };
};

const agentState = {
  envId: 'e1',
  status: 'connected',
  tunnels: [
    { service: 'web', port: 80, access: 'public', url: 'http://web-80-e1.example.test/', state: 'active' },
    { service: 'api', port: 3000, access: 'public', url: 'http://api-3000-e1.example.test/', state: 'active' },
    { service: 'db', port: 5432, access: 'public', state: 'pending' },
  ],
};

describe('envUrls', () => {
  it("should answer from this machine's record", async () => {
    const urls = [{ service: 'web', port: 80, url: 'http://web.example.test/' }];
    const res = await envUrls('e1', { envs: envs({ envId: 'e1', urls } as unknown as EnvRecord), profile, driver: async () => driver(undefined) });
    expect(res).toEqual({ urls, source: 'record' });
  });

  it("should ask the agent on the host the driver finds when there is no record, listing only open tunnels", async () => {
    const res = await envUrls('e1', { envs: envs(undefined), profile, driver: async () => driver(podHost), run: docker(agentState) });
    expect(res.source).toBe('agent');
    expect(res.urls.map((u) => `${u.service}:${u.port}`)).toEqual(['api:3000', 'web:80']);
  });

  it('should say the environment is not found when no host carries its labels', async () => {
    await expect(envUrls('e1', { envs: envs(undefined), profile, driver: async () => driver(undefined), run: docker(agentState) })).rejects.toMatchObject({ code: 'ENV_NOT_FOUND' });
  });
});
