import { describe, expect, it } from 'vitest';
import { execFile } from '../support/exec-file.js';
import { CLI_BIN } from '../support/paths.js';

const preevy = (...args: string[]) => execFile(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });

describe('preevy CLI (built binary)', () => {
  it('should list its commands and global flags in --help', async () => {
    const help = await preevy('--help');
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/USAGE\s+\$ preevy/);
    expect(help.stdout).toMatch(/^\s+version\s+Print the version/m);

    const versionHelp = await preevy('version', '--help');
    for (const flag of ['--json', '--profile', '--log-level', '--debug']) expect(versionHelp.stdout).toContain(flag);
  });

  it('should print its version as JSON with --json', async () => {
    const res = await preevy('version', '--json');
    expect(res.exitCode, res.stderr).toBe(0);
    const json = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ node: process.version, platform: process.platform, arch: process.arch });
    expect(json.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('should reject an unknown flag with a readable message and exit code 2', async () => {
    const res = await preevy('version', '--bogus');
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('Error: Nonexistent flag: --bogus');
    expect(res.stderr).toContain('Try this:');
    expect(res.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack without --debug
    expect(res.stdout).toBe('');
  });

  it('should print the error as a JSON object on stdout under --json', async () => {
    const res = await preevy('version', '--bogus', '--json');
    expect(res.exitCode).toBe(2);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'error', error: { code: 'USAGE', exitCode: 2 } });
  });

  it('should reject an unknown command and an invalid --log-level value', async () => {
    const unknown = await preevy('frobnicate');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('command frobnicate not found');

    const badLevel = await preevy('version', '--log-level', 'loud');
    expect(badLevel.exitCode).toBe(2);
    expect(badLevel.stderr).toMatch(/Expected --log-level=loud to be one of: debug, info, warn, error/);

    // A flag's own check (a file flag naming no file) is the command line's fault too, not a bug.
    const missingFile = await preevy('github', 'pr', 'comment', '--up-json', '/nonexistent/up.json');
    expect(missingFile.exitCode).toBe(2);
    expect(missingFile.stderr).toContain('No file found at /nonexistent/up.json');
    expect(missingFile.stderr).toContain('Code: USAGE');
  });

  it('should show a stack trace only with --debug', async () => {
    const res = await preevy('version', '--bogus', '--debug');
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/\bat .*\.js:\d+/);
  });
});
