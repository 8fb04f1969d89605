import { describe, expect, it } from 'vitest';
import { locateComposeFiles } from './compose-files.js';

const fsWith = (...paths: string[]) => {
  const set = new Set(paths);
  return async (p: string) => set.has(p);
};

describe('locateComposeFiles', () => {
  it('should find the base and the override file like compose does', async () => {
    const r = await locateComposeFiles({}, { cwd: '/p', env: {}, exists: fsWith('/p/compose.yaml', '/p/compose.override.yaml') });
    expect(r).toEqual({ files: ['/p/compose.yaml', '/p/compose.override.yaml'], workingDir: '/p' });
  });

  it('should prefer compose.yaml over docker-compose.yml', async () => {
    const r = await locateComposeFiles({}, { cwd: '/p', env: {}, exists: fsWith('/p/docker-compose.yml', '/p/compose.yaml') });
    expect(r.files).toEqual(['/p/compose.yaml']);
  });

  it('should walk up to the first parent with a compose file and use it as the working directory', async () => {
    const r = await locateComposeFiles({}, { cwd: '/p/src/deep', env: {}, exists: fsWith('/p/docker-compose.yml') });
    expect(r).toEqual({ files: ['/p/docker-compose.yml'], workingDir: '/p' });
  });

  it('should keep --project-directory as the working directory even when the file is found above it', async () => {
    const r = await locateComposeFiles({ projectDirectory: 'sub' }, { cwd: '/p', env: {}, exists: fsWith('/p/compose.yaml') });
    expect(r).toEqual({ files: ['/p/compose.yaml'], workingDir: '/p/sub' });
  });

  it('should use the directory of the first -f file as the working directory', async () => {
    const r = await locateComposeFiles({ files: ['deploy/a.yaml', '/abs/b.yaml'] }, { cwd: '/p', env: {}, exists: fsWith() });
    expect(r).toEqual({ files: ['/p/deploy/a.yaml', '/abs/b.yaml'], workingDir: '/p/deploy' });
  });

  it('should read COMPOSE_FILE with its path separator when no -f is given', async () => {
    const r = await locateComposeFiles({}, { cwd: '/p', env: { COMPOSE_FILE: 'x/a.yaml;x/b.yaml', COMPOSE_PATH_SEPARATOR: ';' }, exists: fsWith() });
    expect(r).toEqual({ files: ['/p/x/a.yaml', '/p/x/b.yaml'], workingDir: '/p/x' });
  });

  it('should report no files and the current directory when nothing is found', async () => {
    const r = await locateComposeFiles({}, { cwd: '/p/q', env: {}, exists: fsWith() });
    expect(r).toEqual({ files: [], workingDir: '/p/q' });
  });
});
