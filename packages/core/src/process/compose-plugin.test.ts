import { describe, expect, it } from 'vitest';
import { directComposeRunner, findComposePlugin } from './compose-plugin.js';
import type { ProcessRunner } from './process-runner.js';

const deps = (files: Record<string, string>, executables: string[]) => ({
  platform: 'linux' as const,
  home: '/home/u',
  readText: (p: string) => files[p],
  isExecutable: (p: string) => executables.includes(p),
});

describe('findComposePlugin', () => {
  it('should look where the docker CLI looks: the config folder first, then cliPluginsExtraDirs, then the system folders', () => {
    const system = '/usr/libexec/docker/cli-plugins/docker-compose';
    const extra = '/opt/plugins/docker-compose';
    const user = '/home/u/.docker/cli-plugins/docker-compose';
    const config = { '/home/u/.docker/config.json': JSON.stringify({ cliPluginsExtraDirs: ['/opt/plugins'] }) };
    expect(findComposePlugin({}, deps(config, [system, extra, user]))).toBe(user);
    expect(findComposePlugin({}, deps(config, [system, extra]))).toBe(extra);
    expect(findComposePlugin({}, deps({}, [system, extra]))).toBe(system);
    expect(findComposePlugin({}, deps({ '/home/u/.docker/config.json': '{not json' }, []))).toBeUndefined();
  });

  it('should follow DOCKER_CONFIG and give up on Windows', () => {
    expect(findComposePlugin({ DOCKER_CONFIG: '/cfg' }, deps({}, ['/cfg/cli-plugins/docker-compose', '/home/u/.docker/cli-plugins/docker-compose']))).toBe('/cfg/cli-plugins/docker-compose');
    expect(findComposePlugin({}, { ...deps({}, ['/home/u/.docker/cli-plugins/docker-compose']), platform: 'win32' })).toBeUndefined();
  });
});

describe('directComposeRunner', () => {
  const recorder = () => {
    const calls: [string, readonly string[]][] = [];
    const run: ProcessRunner = async (file, args) => {
      calls.push([file, args]);
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    return { calls, run };
  };

  it('should start the plugin for docker compose and leave every other program as asked', async () => {
    const { calls, run } = recorder();
    const direct = directComposeRunner(run, () => '/p/docker-compose');
    await direct('docker', ['compose', '-p', 'x', 'up', '-d']);
    await direct('docker', ['version']);
    await direct('git', ['compose']);
    expect(calls).toEqual([
      ['/p/docker-compose', ['-p', 'x', 'up', '-d']],
      ['docker', ['version']],
      ['git', ['compose']],
    ]);
  });

  it('should run docker compose itself when there is no plugin to find, and look in the environment the command runs with', async () => {
    const { calls, run } = recorder();
    const seen: (string | undefined)[] = [];
    const direct = directComposeRunner(run, (env) => {
      seen.push(env.DOCKER_CONFIG);
      return undefined;
    });
    await direct('docker', ['compose', 'config'], { env: { DOCKER_CONFIG: '/c' } });
    expect(calls).toEqual([['docker', ['compose', 'config']]]);
    expect(seen).toEqual(['/c']);
  });
});
