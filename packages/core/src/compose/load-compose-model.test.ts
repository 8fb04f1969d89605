import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { loadComposeModel } from './load-compose-model.js';
import { type ProcessResult, type ProcessRunner, ProcessStartError, type RunOptions } from '../process/index.js';

interface Call {
  cmd: string;
  args: readonly string[];
  options: RunOptions;
}

const fakeRunner = (reply: (args: readonly string[]) => ProcessResult | Error) => {
  const calls: Call[] = [];
  const runner: ProcessRunner = async (cmd, args, options = {}) => {
    calls.push({ cmd, args, options });
    const r = reply(args);
    if (r instanceof Error) throw r;
    return r;
  };
  return { runner, calls };
};

const ok = (json: unknown, stderr = ''): ProcessResult => ({ exitCode: 0, stdout: JSON.stringify(json), stderr });
const exists = (...paths: string[]) => async (p: string) => paths.includes(p);

describe('loadComposeModel', () => {
  it('should pass every selection flag to docker compose config, in compose order', async () => {
    const { runner, calls } = fakeRunner(() => ok({ name: 'app', services: {} }));
    await loadComposeModel(
      { files: ['a.yaml', 'b.yaml'], projectDirectory: 'dir', projectName: 'app', profiles: ['dev', 'debug'], envFiles: ['x.env'], cwd: '/w' },
      { runner, env: {}, exists: exists() },
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.cmd).toBe('docker');
    expect(calls[0]?.args).toEqual(['compose', '-f', 'a.yaml', '-f', 'b.yaml', '--project-directory', 'dir', '-p', 'app', '--profile', 'dev', '--profile', 'debug', '--env-file', 'x.env', 'config', '--format', 'json']);
    expect(calls[0]?.options.cwd).toBe('/w');
  });

  it('should give compose the request variables above the process environment', async () => {
    const { runner, calls } = fakeRunner(() => ok({ name: 'app' }));
    await loadComposeModel({ cwd: '/w', env: { PREEVY_BASE_URI_WEB_80: 'https://u', A: 'request' } }, { runner, env: { A: 'process', B: 'process' }, exists: exists('/w/compose.yaml') });
    expect(calls[0]?.options.env).toEqual({ A: 'request', B: 'process', PREEVY_BASE_URI_WEB_80: 'https://u' });
  });

  it('should return the model with the discovered files and working directory', async () => {
    const { runner } = fakeRunner(() => ok({ name: 'app', services: { web: { image: 'x' } } }));
    const model = await loadComposeModel({ cwd: '/w/sub' }, { runner, env: {}, exists: exists('/w/compose.yaml', '/w/compose.override.yaml') });
    expect(model).toMatchObject({ projectName: 'app', workingDir: '/w', files: ['/w/compose.yaml', '/w/compose.override.yaml'] });
    expect(Object.keys(model.services)).toEqual(['web']);
  });

  it('should log compose warnings of a successful run', async () => {
    const warned: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: (m) => warned.push(m), error: () => {} };
    const { runner } = fakeRunner(() => ok({ name: 'app' }, 'WARN[0000] the attribute `version` is obsolete\n'));
    await loadComposeModel({ cwd: '/w' }, { runner, env: {}, exists: exists(), logger });
    expect(warned).toEqual(['docker compose: WARN[0000] the attribute `version` is obsolete']);
  });

  it('should ask compose about each file alone to name the one with a YAML error', async () => {
    const { runner, calls } = fakeRunner((args) =>
      args.includes('--no-interpolate') && args[2] === '/w/a.yaml'
        ? ok({ name: 'a' })
        : { exitCode: 15, stdout: '', stderr: 'yaml: line 3: found unexpected end of stream\n' },
    );
    await expect(loadComposeModel({ files: ['a.yaml', 'b.yaml'], cwd: '/w' }, { runner, env: {}, exists: exists() })).rejects.toMatchObject({
      code: 'COMPOSE_YAML_INVALID',
      message: 'Invalid YAML in /w/b.yaml at line 3: found unexpected end of stream',
    });
    expect(calls.map((c) => c.args.slice(0, 3))).toEqual([
      ['compose', '-f', 'a.yaml'],
      ['compose', '-f', '/w/a.yaml'],
      ['compose', '-f', '/w/b.yaml'],
    ]);
  });

  it('should report a docker CLI that cannot start as unavailable', async () => {
    const { runner } = fakeRunner(() => new ProcessStartError('docker', Object.assign(new Error('spawn docker ENOENT'), { code: 'ENOENT' })));
    await expect(loadComposeModel({ cwd: '/w' }, { runner, env: {}, exists: exists() })).rejects.toMatchObject({ code: 'COMPOSE_UNAVAILABLE', kind: 'unavailable', message: expect.stringContaining('ENOENT') as unknown });
  });

  it('should report output that is not the expected JSON as an internal error', async () => {
    const { runner } = fakeRunner(() => ({ exitCode: 0, stdout: 'name: app\n', stderr: '' }));
    await expect(loadComposeModel({ cwd: '/w' }, { runner, env: {}, exists: exists() })).rejects.toMatchObject({ code: 'COMPOSE_OUTPUT_INVALID', kind: 'internal' });
  });
});
