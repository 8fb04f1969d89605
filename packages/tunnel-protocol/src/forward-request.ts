import { isDnsLabel, sanitizeLabel } from './dns-label.js';

export type TunnelAccess = 'public' | 'private';

/** What an agent asks for in one reverse forward (carried as the SSH `tcpip-forward` bind address). */
export interface ForwardRequest {
  /** The tunnel's name within its environment, e.g. `web-80`. */
  name: string;
  access: TunnelAccess;
  /** For the environment's index page: which compose service and port this is. */
  service?: string;
  port?: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const MAX_REQUEST_LENGTH = 256;

/**
 * `web-80;access=private;service=web;port=80`. A bare `name` (what `ssh -R name:80:host:port`
 * sends) is a public tunnel, so a stock OpenSSH client works too.
 */
export const formatForwardRequest = ({ name, access, service, port }: ForwardRequest): string =>
  [name, `access=${access}`, ...(service === undefined ? [] : [`service=${service}`]), ...(port === undefined ? [] : [`port=${port}`])].join(';');

/**
 * The tunnel name a forward request asks for, even when the request is invalid: refusals are
 * reported by it, and the agent looks them up by the names it asked for.
 */
export const requestedTunnelName = (raw: string): string => (raw.split(';', 1)[0] ?? '').toLowerCase();

export const parseForwardRequest = (raw: string): ParseResult<ForwardRequest> => {
  if (raw.length === 0 || raw.length > MAX_REQUEST_LENGTH) return { ok: false, error: `forward request must be 1-${MAX_REQUEST_LENGTH} characters` };
  const [rawName = '', ...params] = raw.split(';');
  const name = sanitizeLabel(rawName);
  if (!isDnsLabel(name) || name !== rawName.toLowerCase()) {
    return { ok: false, error: `tunnel name "${rawName}" must be letters, digits and inner hyphens (a DNS label)` };
  }
  const request: ForwardRequest = { name, access: 'public' };
  for (const param of params) {
    const eq = param.indexOf('=');
    const key = eq < 0 ? param : param.slice(0, eq);
    const value = eq < 0 ? '' : param.slice(eq + 1);
    switch (key) {
      case 'access':
        if (value !== 'public' && value !== 'private') return { ok: false, error: `access must be public or private, not "${value}"` };
        request.access = value;
        break;
      case 'service':
        if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(value)) return { ok: false, error: `invalid service name "${value}"` };
        request.service = value;
        break;
      case 'port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, error: `invalid port "${value}"` };
        request.port = port;
        break;
      }
      default:
        return { ok: false, error: `unknown forward request parameter "${key}"` };
    }
  }
  return { ok: true, value: request };
};
