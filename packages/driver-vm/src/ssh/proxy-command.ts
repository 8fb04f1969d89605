import { PreevyError } from '@preevy/core';
import type { SshTarget } from './ssh-target.js';

const invalid = (why: string, suggestions: string[] = []): PreevyError =>
  new PreevyError(`Invalid SSH proxy command: ${why}`, {
    code: 'SSH_PROXY_COMMAND_INVALID',
    kind: 'invalid-input',
    suggestions: [...suggestions, 'Example: --ssh-proxy-command \'ssh -W %h:%p bastion.example.com\' (%h host, %p port, %r user, %% a percent sign).'],
  });

// Characters a shell would act on. The command runs without one, so rather than pass them on as
// text (which would not do what the user meant), they must be quoted or run through `sh -c`.
const SHELL_OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`', '$']);

/**
 * Splits a proxy command into words like a POSIX shell would, without running one: blanks
 * separate words, single quotes keep everything, double quotes and a backslash escape. Shell
 * operators outside quotes are refused.
 */
export const splitProxyCommand = (text: string): string[] => {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const append = (s: string): void => {
    word = (word ?? '') + s;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw invalid('a single quote is not closed');
      append(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let quoted = '';
      for (; j < text.length && text[j] !== '"'; j += 1) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j += 1;
        else if (text[j] === '$' || text[j] === '`') throw invalid(`"${text[j]}" inside double quotes would be expanded by a shell, and no shell runs here`, ['Use single quotes, or run a shell yourself: sh -c \'...\'.']);
        quoted += text[j];
      }
      if (j >= text.length) throw invalid('a double quote is not closed');
      append(quoted);
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw invalid('it ends with a backslash');
      append(text[i + 1]!);
      i += 2;
    } else if (SHELL_OPERATORS.has(c)) {
      throw invalid(`"${c}" is a shell operator, and the command runs without a shell`, ["Quote it, or run a shell yourself: sh -c 'cmd1 | cmd2 %h %p'."]);
    } else {
      append(c);
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw invalid('it is empty');
  return words;
};

/** Replaces OpenSSH's tokens in one word: %h host, %n the host as given, %p port, %r user, %% a percent sign. */
const expandTokens = (word: string, { host, port, user }: SshTarget): string =>
  word.replace(/%(.?)/g, (_, t: string) => {
    switch (t) {
      case 'h':
      case 'n':
        return host;
      case 'p':
        return String(port);
      case 'r':
        return user;
      case '%':
        return '%';
      default:
        throw invalid(t === '' ? 'it ends with a lone "%"' : `unknown token %${t}`);
    }
  });

/**
 * The argv of the proxy command for a target: split first, then the tokens expanded inside each
 * word, so a value can never become a second word. The values themselves are checked host names,
 * user names and port numbers (parseSshTarget), so even a `sh -c '… %h'` stays one command.
 */
export const proxyCommandArgv = (text: string, target: SshTarget): string[] => splitProxyCommand(text).map((w) => expandTokens(w, target));

/** True for an unset proxy command: empty, or OpenSSH's `none`. */
export const noProxyCommand = (text: string | undefined): boolean => text === undefined || text.trim() === '' || text.trim() === 'none';
