import { describe, expect, it } from 'vitest';
import { noProxyCommand, proxyCommandArgv, splitProxyCommand } from './proxy-command.js';

const target = { user: 'deploy', host: 'i-0abc.internal', port: 2222 };

describe('splitProxyCommand', () => {
  it('should split words like a shell, with quotes and backslashes, without running one', () => {
    expect(splitProxyCommand('ssh -W %h:%p bastion')).toEqual(['ssh', '-W', '%h:%p', 'bastion']);
    expect(splitProxyCommand(`  nc  'a b'  "c \\"d\\"" e\\ f ''  `)).toEqual(['nc', 'a b', 'c "d"', 'e f', '']);
    expect(splitProxyCommand(`sh -c 'nc %h %p | tee /tmp/log'`)).toEqual(['sh', '-c', 'nc %h %p | tee /tmp/log']);
  });

  it.each([
    ['nc %h %p | tee x', 'shell operator'],
    ['nc %h %p; id', 'shell operator'],
    ['nc $HOST %p', 'shell operator'],
    ['nc `id` %p', 'shell operator'],
    ['nc "$HOST" %p', 'would be expanded by a shell'],
    ["nc 'open", 'single quote is not closed'],
    ['nc "open', 'double quote is not closed'],
    ['nc \\', 'ends with a backslash'],
    ['   ', 'empty'],
  ])('should refuse %j (%s)', (text, why) => {
    expect(() => splitProxyCommand(text)).toThrow(why);
  });
});

describe('proxyCommandArgv', () => {
  it("should expand OpenSSH's tokens inside each word, so a value never becomes another word", () => {
    expect(proxyCommandArgv('ssh -W %h:%p -l %r bastion', target)).toEqual(['ssh', '-W', 'i-0abc.internal:2222', '-l', 'deploy', 'bastion']);
    expect(proxyCommandArgv("aws ssm start-session --target %n --parameters 'portNumber=%p' --note 100%%", target)).toEqual([
      'aws', 'ssm', 'start-session', '--target', 'i-0abc.internal', '--parameters', 'portNumber=2222', '--note', '100%',
    ]);
  });

  it('should refuse an unknown token and a lone percent sign', () => {
    expect(() => proxyCommandArgv('nc %x %p', target)).toThrow('unknown token %x');
    expect(() => proxyCommandArgv('nc %h %', target)).toThrow('lone "%"');
  });

  it('should treat an empty command and OpenSSH\'s "none" as no proxy', () => {
    expect([undefined, '', ' ', 'none'].map(noProxyCommand)).toEqual([true, true, true, true]);
    expect(noProxyCommand('nc %h %p')).toBe(false);
  });
});
