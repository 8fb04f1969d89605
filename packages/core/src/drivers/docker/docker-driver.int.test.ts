import { describe, expect, it } from 'vitest';
import { isPreevyError } from '../../errors/preevy-error.js';
import { silentProgress } from '../../progress.js';
import { createDockerDriver } from './docker-driver.js';

const request = { envId: 'e1', profileId: 'p1', labels: {}, progress: silentProgress };

describe('docker driver (real engine)', () => {
  it('should accept the local engine and connect with the CLI default endpoint', async () => {
    const driver = createDockerDriver({});
    const host = await driver.ensureHost(request);
    expect(host).toEqual({ driver: 'docker', envId: 'e1', state: {} });
    await using conn = await driver.connect(host);
    expect(conn.dockerHost).toBeUndefined();
  });

  it('should fail with DOCKER_UNREACHABLE and a remedy when the endpoint does not answer', async () => {
    const driver = createDockerDriver({ host: 'unix:///nonexistent/docker.sock' });
    const err: unknown = await driver.ensureHost(request).catch((e: unknown) => e);
    expect(isPreevyError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'DOCKER_UNREACHABLE', kind: 'unavailable' });
    expect((err as Error).message).toContain('unix:///nonexistent/docker.sock');
  });

  it('should refuse an endpoint scheme the docker CLI does not speak', () => {
    expect(() => createDockerDriver({ host: 'http://x' })).toThrow(/Unsupported Docker host/);
  });
});
