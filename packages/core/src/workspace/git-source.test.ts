import { describe, expect, it } from 'vitest';
import { isGitUrl, parseGitSource } from './git-source.js';

describe('git sources', () => {
  it('should tell git URLs from folders', () => {
    for (const url of ['https://github.com/o/r.git', 'ssh://git@host/o/r', 'git@github.com:o/r.git', 'file:///srv/r', 'git://h/r']) expect(isGitUrl(url)).toBe(true);
    for (const folder of ['.', './my-repo', '/home/me/r', 'r@2', 'C:/x']) expect(isGitUrl(folder)).toBe(false);
  });

  it('should split the ref after # and name the folder after the repository', () => {
    expect(parseGitSource('https://github.com/o/app.git#main')).toEqual({ url: 'https://github.com/o/app.git', ref: 'main', repo: 'app' });
    expect(parseGitSource('git@github.com:o/app.git')).toEqual({ url: 'git@github.com:o/app.git', ref: undefined, repo: 'app' });
    expect(parseGitSource('file:///srv/tools/#v1.2')).toEqual({ url: 'file:///srv/tools/', ref: 'v1.2', repo: 'tools' });
  });
});
