import { PreevyError } from '@preevy/core';

/** Where to log in: the user, the host (name or address, without brackets) and the port. */
export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

// A host name or an address: nothing a shell or an ssh option parser could read as more than a
// word (a proxy command gets it as %h).
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

const invalid = (text: string, why: string): PreevyError =>
  new PreevyError(`Invalid SSH host "${text}": ${why}`, {
    code: 'SSH_HOST_INVALID',
    kind: 'invalid-input',
    suggestions: ['Give --ssh-host as user@host or user@host:port (an IPv6 address in brackets: user@[::1]:2222).'],
  });

/** Reads `user@host[:port]` (also `ssh://user@host[:port]`, `user@[v6]:port`). */
export const parseSshTarget = (text: string): SshTarget => {
  const raw = text.trim().replace(/^ssh:\/\//, '').replace(/\/$/, '');
  const at = raw.lastIndexOf('@');
  if (at <= 0) throw invalid(text, 'the user is missing');
  const user = raw.slice(0, at);
  if (!USER.test(user)) throw invalid(text, 'the user has characters a login name does not');
  const rest = raw.slice(at + 1);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(rest);
  const [, host, portText] = bracketed ?? plain ?? [];
  if (!host) throw invalid(text, 'the host is missing or malformed');
  if (bracketed ? !IPV6.test(host) || !host.includes(':') : !HOST_NAME.test(host)) throw invalid(text, `"${host}" is not a host name or address`);
  const port = portText === undefined ? 22 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(text, `port ${portText} is out of range`);
  return { user, host, port };
};

/** `user@host:port` (IPv6 in brackets): how messages and the env record name the target. */
export const formatSshTarget = ({ user, host, port }: SshTarget): string => `${user}@${host.includes(':') ? `[${host}]` : host}:${port}`;
