import { describe, expect, it } from 'vitest';
import type { DockerHostDriver } from '../driver/docker-host-driver.js';
import type { EnvRecord } from '../profiles/profile-schema.js';
import type { EnvRecordStore } from '../profiles/env-record-store.js';
import type { Profile } from '../profiles/profile-store.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { composeLogsArgs, logs } from './logs.js';

const profile: Profile = { name: 'p1', driver: 'docker', driverOptions: {}, publicKey: 'ssh-ed25519 AAAA', clientId: 'abc', createdAt: '', updatedAt: '' };
const record = { envId: 'e1', composeProject: 'proj-e1', driver: 'docker', status: 'up', urls: [], updatedAt: '' } as unknown as EnvRecord;
const envs = (r: EnvRecord | undefined) => ({ read: async () => r }) as unknown as EnvRecordStore;
const hostDriver: DockerHostDriver = {
  name: 'docker',
  hostPerEnvironment: false,
  agentReaches: () => ({ ok: true }),
  ensureHost: async () => ({ driver: 'docker', envId: 'e1', state: {} }),
  connect: async () => ({ dockerHost: 'tcp://h:2375', seesLocalFiles: false, [Symbol.asyncDispose]: async () => {} }),
  removeHost: async () => {},
  listHosts: async () => [],
  findHost: async () => undefined,
};
const driver = async () => hostDriver;
const psRunner = (services: string[], exitCode = 0): ProcessRunner => async () => ({ exitCode, stdout: services.map((s) => `${s}\n`).join(''), stderr: exitCode ? 'Cannot connect' : '' });

const attached = (exitCode = 0) => {
  const calls: Array<{ args: readonly string[]; dockerHost: string | undefined }> = [];
  return { calls, attach: async (_file: string, args: readonly string[], o?: { env?: NodeJS.ProcessEnv }) => (calls.push({ args, dockerHost: o?.env?.DOCKER_HOST }), exitCode) };
};

describe('logs', () => {
  it('should map every option to docker compose logs flags of the recorded project', () => {
    expect(composeLogsArgs('proj', ['web'], { follow: true, tail: 0, since: '10m', timestamps: true })).toEqual(['compose', '-p', 'proj', 'logs', '--follow', '--tail', '0', '--since', '10m', '--timestamps', 'web']);
    expect(composeLogsArgs('proj', ['web', 'api'], {})).toEqual(['compose', '-p', 'proj', 'logs', 'web', 'api']);
  });

  it('should show every service but the agent on the environment host when none is named', async () => {
    const { calls, attach } = attached();
    const res = await logs({ envId: 'e1' }, { envs: envs(record), profile, driver, run: psRunner(['api', 'preevy_agent', 'web']), attach });
    expect(res).toEqual({ envId: 'e1', services: ['api', 'web'], exitCode: 0 });
    expect(calls).toEqual([{ args: ['compose', '-p', 'proj-e1', 'logs', 'api', 'web'], dockerHost: 'tcp://h:2375' }]);
  });

  it('should show the agent when it is named', async () => {
    const { calls, attach } = attached();
    await logs({ envId: 'e1', services: ['preevy_agent'] }, { envs: envs(record), profile, driver, run: psRunner(['preevy_agent', 'web']), attach });
    expect(calls[0]?.args.at(-1)).toBe('preevy_agent');
  });

  it('should fail with ENV_NOT_FOUND and point at ls for an unknown environment', async () => {
    const err = await logs({ envId: 'nope' }, { envs: envs(undefined), profile, driver, run: psRunner([]), attach: attached().attach }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENV_NOT_FOUND', kind: 'not-found', suggestions: [expect.stringContaining('preevy ls')] });
  });

  it('should fail with SERVICE_NOT_FOUND listing the services for an unknown service', async () => {
    const err = await logs({ envId: 'e1', services: ['db'] }, { envs: envs(record), profile, driver, run: psRunner(['web']), attach: attached().attach }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVICE_NOT_FOUND', suggestions: ['Services: web.'] });
  });

  it('should fail with DOCKER_UNREACHABLE when the host does not answer', async () => {
    const err = await logs({ envId: 'e1' }, { envs: envs(record), profile, driver, run: psRunner([], 1), attach: attached().attach }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOCKER_UNREACHABLE' });
  });

  it('should treat a Ctrl-C of --follow as the end, and another failure as COMPOSE_LOGS_FAILED', async () => {
    const deps = { envs: envs(record), profile, driver, run: psRunner(['web']) };
    expect(await logs({ envId: 'e1', follow: true }, { ...deps, attach: attached(130).attach })).toMatchObject({ exitCode: 130 });
    await expect(logs({ envId: 'e1' }, { ...deps, attach: attached(1).attach })).rejects.toMatchObject({ code: 'COMPOSE_LOGS_FAILED' });
  });
});
