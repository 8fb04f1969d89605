import { describe, expect, it } from 'vitest';
import type { ProcessRunner } from '../process/process-runner.js';
import { projectEnvId } from './project-env-id.js';

const recording = (branch = 'Feature/Login') => {
  const calls: string[] = [];
  const runner: ProcessRunner = async (file, args, options) => {
    calls.push(`${file} ${args.join(' ')} @${options?.cwd ?? ''}`);
    return file === 'git' ? { exitCode: 0, stdout: `${branch}\n`, stderr: '' } : { exitCode: 1, stdout: '', stderr: 'not expected' };
  };
  return { calls, runner };
};

describe('projectEnvId', () => {
  it('should normalize --id as up does, reading neither the project nor git', async () => {
    const { calls, runner } = recording();
    expect(await projectEnvId({ compose: {}, flag: 'My_Feature' }, { runner, env: {} })).toMatchObject({ id: 'my-feature', project: undefined });
    expect(calls).toEqual([]);
  });

  it('should derive the id from -p and the git branch without loading the compose files', async () => {
    const { calls, runner } = recording();
    const r = await projectEnvId({ compose: { projectName: 'shop', projectDirectory: 'app', cwd: '/src' } }, { runner, env: {} });
    expect(r).toMatchObject({ id: 'shop-feature-login', project: 'shop', source: { rule: 'git-branch' } });
    expect(calls).toEqual(['git rev-parse --abbrev-ref HEAD @/src/app']);
  });
});
