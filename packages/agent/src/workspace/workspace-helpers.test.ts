import { describe, expect, it } from 'vitest';
import { throttleActivity, type ActivityKind } from './activity.js';
import { loginAccount } from './login-shell.js';
import { forwardListenHost } from './port-forwarding.js';
import { isAcceptedEnvName } from './session-env.js';
import { longName, openFlags } from './sftp-server.js';
import { constants } from 'node:fs';

describe('throttleActivity', () => {
  it('should pass the first event and at most one per interval after it', () => {
    let t = 1_000;
    const seen: ActivityKind[] = [];
    const activity = throttleActivity((k) => seen.push(k), 5_000, () => t);
    activity('session');
    activity('data');
    t += 4_999;
    activity('data');
    t += 1;
    activity('channel');
    expect(seen).toEqual(['session', 'channel']);
  });
});

describe('loginAccount', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nvscode:x:1000:1000::/home/vscode:/usr/bin/zsh\nnoshell:x:1001:1001::/home/n:\n';
  it('should take the shell and home of the uid from passwd', () => {
    expect(loginAccount(1000, passwd, {})).toEqual({ name: 'vscode', home: '/home/vscode', shell: '/usr/bin/zsh' });
    expect(loginAccount(1001, passwd, {}).shell).toBe('/bin/sh');
  });
  it('should fall back to /bin/sh and the environment for a uid without an entry', () => {
    expect(loginAccount(4242, passwd, { HOME: '/w', USER: 'u' })).toEqual({ name: 'u', home: '/w', shell: '/bin/sh' });
    expect(loginAccount(0, undefined, {})).toEqual({ name: '0', home: '/', shell: '/bin/sh' });
  });
});

describe('isAcceptedEnvName', () => {
  it('should accept locale and terminal variables and the names the launcher allows, nothing else', () => {
    for (const name of ['LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'COLORTERM', 'TZ']) expect(isAcceptedEnvName(name)).toBe(true);
    for (const name of ['PATH', 'LD_PRELOAD', 'HOME', 'PREEVY_WORKSPACE_HOST_KEY_FILE', 'GIT_TOKEN', 'BAD-NAME', '']) expect(isAcceptedEnvName(name)).toBe(false);
    expect(isAcceptedEnvName('GIT_TOKEN', new Set(['GIT_TOKEN']))).toBe(true);
  });
});

describe('forwardListenHost', () => {
  it('should keep the default forward on loopback and take explicit addresses as asked', () => {
    expect(forwardListenHost('')).toBe('127.0.0.1');
    expect(forwardListenHost('localhost')).toBe('127.0.0.1');
    expect(forwardListenHost('*')).toBe('0.0.0.0');
    expect(forwardListenHost('127.0.0.2')).toBe('127.0.0.2');
  });
});

describe('sftp helpers', () => {
  it('should map SFTP open flags to open(2) flags', () => {
    expect(openFlags(0x1)).toBe(constants.O_RDONLY);
    expect(openFlags(0x2 | 0x8 | 0x10)).toBe(constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    expect(openFlags(0x1 | 0x2 | 0x4 | 0x8 | 0x20)).toBe(constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL);
  });
  it('should render an ls -l line', () => {
    const line = longName('a.txt', { mode: 0o100644, nlink: 1, uid: 1000, gid: 1000, size: 42, mtime: new Date(2024, 0, 5, 9, 7) });
    expect(line).toMatch(/^-rw-r--r-- +1 1000 +1000 +42 Jan {2}5 09:07 a\.txt$/);
    expect(longName('d', { mode: 0o040755, nlink: 2, uid: 0, gid: 0, size: 4096, mtime: new Date() })).toMatch(/^drwxr-xr-x /);
  });
});
