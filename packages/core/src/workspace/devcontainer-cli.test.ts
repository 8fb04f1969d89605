import { describe, expect, it } from 'vitest';
import { PreevyError } from '../errors/preevy-error.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { devcontainerBuild, parseBuildOutput, parseUpOutput } from './devcontainer-cli.js';

const runner = (stdout: string, exitCode = 0): { run: ProcessRunner; calls: { args: readonly string[]; env: NodeJS.ProcessEnv | undefined }[] } => {
  const calls: { args: readonly string[]; env: NodeJS.ProcessEnv | undefined }[] = [];
  const run: ProcessRunner = async (_file, args, options = {}) => {
    calls.push({ args, env: options.env });
    return { exitCode, stdout, stderr: '{"text":"the CLI said why"}\n' };
  };
  return { run, calls };
};

describe('devcontainerBuild', () => {
  it('should tag the image, pass every --cache-from and run against the host', async () => {
    const { run, calls } = runner('{"outcome":"success","imageName":["preevy-ws-1:build"]}\n');
    await devcontainerBuild({ folder: '/src', configFile: '/src/.devcontainer/devcontainer.json', imageName: 'preevy-ws-1:build', cacheFrom: ['reg/a:1', 'reg/b:2'], dockerHost: 'tcp://127.0.0.1:2375', run, env: {} });
    const args = calls[0]!.args.join(' ');
    expect(args).toContain('build --workspace-folder /src --config /src/.devcontainer/devcontainer.json --image-name preevy-ws-1:build');
    expect(args).toContain('--cache-from reg/a:1 --cache-from reg/b:2');
    expect(calls[0]!.env?.DOCKER_HOST).toBe('tcp://127.0.0.1:2375');
  });

  it("should fail with the CLI's own message", async () => {
    const { run } = runner('{"outcome":"error","message":"no such feature"}\n', 1);
    const err = await devcontainerBuild({ folder: '/src', configFile: '/c.json', imageName: 'x', dockerHost: undefined, run }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreevyError);
    expect((err as PreevyError).code).toBe('DEVCONTAINER_BUILD_FAILED');
    expect((err as Error).message).toContain('no such feature');
  });
});

describe('parseBuildOutput', () => {
  it('should find the result line among log lines', () => {
    expect(parseBuildOutput('log\n{"outcome":"success","imageName":["a"]}\n')).toMatchObject({ outcome: 'success' });
    expect(parseBuildOutput('nothing')).toBeUndefined();
  });
});

describe('parseUpOutput', () => {
  it('should take the last line that is a result, skipping log lines and JSON that is not one', () => {
    const out = 'starting\n{"outcome":"success","containerId":"c1","remoteUser":"node","remoteWorkspaceFolder":"/workspaces/a"}\n{"type":"progress"}\n';
    expect(parseUpOutput(out)).toMatchObject({ outcome: 'success', containerId: 'c1', remoteUser: 'node' });
    expect(parseUpOutput('{"outcome":"error","message":"no such image"}')).toMatchObject({ outcome: 'error', message: 'no such image' });
    expect(parseUpOutput('{not json')).toBeUndefined();
  });
});
