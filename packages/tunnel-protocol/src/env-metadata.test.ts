import { describe, expect, it } from 'vitest';
import { formatMetadataCommand, MAX_METADATA_SERVICES, MAX_METADATA_TEXT, parseEnvInfo, parseEnvMetadata } from './env-metadata.js';

describe('parseEnvMetadata', () => {
  it('should keep a well-formed document as it is', () => {
    const doc = {
      branch: 'feature/login',
      branchUrl: 'https://github.com/o/r/tree/feature/login',
      pullRequest: 42,
      pullRequestUrl: 'https://github.com/o/r/pull/42',
      commit: 'abcdef1234567',
      commitUrl: 'https://github.com/o/r/commit/abcdef1234567',
      repository: 'o/r',
      repositoryUrl: 'https://github.com/o/r',
      deployedAt: '2024-05-01T10:00:00.000Z',
      services: [{ service: 'web', port: 80, access: 'public', name: 'web-80' }],
    };
    expect(parseEnvMetadata(JSON.stringify(doc))).toEqual({ value: doc, problems: [] });
  });

  it('should drop links that are not http(s), carry credentials, or are too long', () => {
    const { value, problems } = parseEnvMetadata(
      JSON.stringify({
        branchUrl: 'javascript:alert(1)',
        pullRequestUrl: 'data:text/html,<script>alert(1)</script>',
        commitUrl: 'https://user:pw@example.com/c',
        repositoryUrl: `https://example.com/${'a'.repeat(3000)}`,
      }),
    );
    expect(value).toEqual({});
    expect(problems).toHaveLength(4);
  });

  it('should cut long text, strip control and bidi characters, and refuse bad numbers, commits and times', () => {
    const { value, problems } = parseEnvMetadata(
      JSON.stringify({ branch: `x\u202e\u0000${'b'.repeat(5000)}`, repository: 'o/r\n', pullRequest: -1, commit: 'not-a-sha', deployedAt: 'yesterday' }),
    );
    expect(value.branch).toHaveLength(MAX_METADATA_TEXT);
    expect(value.branch!.startsWith('xb')).toBe(true);
    expect(value.repository).toBe('o/r');
    expect(value).not.toHaveProperty('pullRequest');
    expect(value).not.toHaveProperty('commit');
    expect(value).not.toHaveProperty('deployedAt');
    expect(problems.join('\n')).toMatch(/branch: cut/);
  });

  it('should keep at most the bound of services and drop malformed ones', () => {
    const many = Array.from({ length: MAX_METADATA_SERVICES + 5 }, (_, i) => ({ service: `s${i}`, port: 80, access: 'public', name: `s${i}-80` }));
    expect(parseEnvMetadata(JSON.stringify({ services: many })).value.services).toHaveLength(MAX_METADATA_SERVICES);
    const bad = [{ service: 'a', port: 0, access: 'public', name: 'a-0' }, { service: 'b', port: 80, access: 'open', name: 'b-80' }, { service: 'c', port: 80, access: 'public', name: '<c>' }, 'd'];
    const parsed = parseEnvMetadata(JSON.stringify({ services: bad }));
    expect(parsed.value.services).toEqual([]);
    expect(parsed.problems).toHaveLength(4);
  });

  it('should throw on a document that is not a JSON object', () => {
    expect(() => parseEnvMetadata('[]')).toThrow(TypeError);
    expect(() => parseEnvMetadata('{')).toThrow(SyntaxError);
  });
});

describe('parseEnvInfo and formatMetadataCommand', () => {
  it('should ignore the agent-only fields in the environment variable and write the exec command', () => {
    expect(parseEnvInfo(JSON.stringify({ branch: 'main', services: [], deployedAt: '2024-01-01T00:00:00Z' })).value).toEqual({ branch: 'main' });
    expect(formatMetadataCommand({ branch: 'main' })).toBe('metadata {"branch":"main"}');
  });
});
