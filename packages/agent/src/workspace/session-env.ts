// Which `env` requests a client may make. sshd's AcceptEnv idea: locale and terminal settings
// travel from the laptop, anything else only when the launcher names it, so a client cannot
// change PATH, LD_PRELOAD or the agent's own settings inside the container. The credentials
// endpoint of `preevy workspace ssh` only tells the session's own helpers where to ask.
import { WORKSPACE_CREDENTIALS_ENV } from '@preevy/tunnel-protocol';

const ALWAYS_ACCEPTED = new Set(['LANG', 'LANGUAGE', 'TERM', 'COLORTERM', 'TZ', WORKSPACE_CREDENTIALS_ENV]);

export const isAcceptedEnvName = (name: string, extra: ReadonlySet<string> = new Set()): boolean =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && (ALWAYS_ACCEPTED.has(name) || name.startsWith('LC_') || extra.has(name));
