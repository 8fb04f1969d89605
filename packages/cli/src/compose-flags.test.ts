import { describe, expect, it } from 'vitest';
import { composeRequestFromFlags } from './compose-flags.js';

describe('composeRequestFromFlags', () => {
  it('should map every compose flag onto the request, keeping order', () => {
    const request = composeRequestFromFlags(
      { file: ['a.yaml', 'b.yaml'], 'project-directory': 'dir', project: 'app', 'compose-profile': ['dev'], 'env-file': ['x.env', 'y.env'] },
      '/work',
    );
    expect(request).toEqual({ files: ['a.yaml', 'b.yaml'], projectDirectory: 'dir', projectName: 'app', profiles: ['dev'], envFiles: ['x.env', 'y.env'], cwd: '/work' });
  });

  it('should leave unset flags to compose defaults', () => {
    expect(composeRequestFromFlags({}, '/work')).toEqual({ files: [], projectDirectory: undefined, projectName: undefined, profiles: [], envFiles: [], cwd: '/work' });
  });
});
