import { PreevyError } from '../errors/preevy-error.js';

export interface PortInUse {
  host: string;
  port: number;
  /** The compose service whose container could not publish it, when the engine named it. */
  service?: string;
}

// The engine words a taken host port two ways: the userland proxy could not bind it (another
// process listens), or the engine itself already gave it to another container.
const BIND_FAILED = /listen tcp[46]? (\S+?):(\d+): bind: address already in use/;
const ALLOCATED = /Bind for (\S+?):(\d+) failed: port is already allocated/;
const ENDPOINT = /on endpoint (\S+)/;

/** The host port compose could not publish, read from its stderr; undefined when that is not why it failed. */
export const portInUseFromStderr = (stderr: string, project: string): PortInUse | undefined => {
  const line = stderr.split('\n').find((l) => BIND_FAILED.test(l) || ALLOCATED.test(l));
  if (!line) return undefined;
  const [, host = '', port = ''] = BIND_FAILED.exec(line) ?? ALLOCATED.exec(line) ?? [];
  // Containers are named {project}-{service}-{n}.
  const container = ENDPOINT.exec(line)?.[1];
  const service = container?.startsWith(`${project}-`) ? container.slice(project.length + 1).replace(/-\d+$/, '') : undefined;
  return { host, port: Number(port), ...(service ? { service } : {}) };
};

/** What a failed `docker compose up` means for the user: a port clash is named as such, else compose's last words. */
export const composeUpError = (stderr: string, { envId, project }: { envId: string; project: string }): PreevyError => {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const cause = new Error(lines.slice(-20).join('\n'));
  const clash = portInUseFromStderr(stderr, project);
  if (clash) {
    return new PreevyError(`Port ${clash.port} on ${clash.host} is already in use${clash.service ? ` (published by service ${clash.service})` : ''}`, {
      code: 'PORT_IN_USE',
      kind: 'conflict',
      suggestions: [
        `Free port ${clash.port} (stop what listens on it: \`ss -ltnp 'sport = :${clash.port}'\` shows it), or change the host port${clash.service ? ` of ${clash.service}` : ''} in the compose file.`,
        'Then run `preevy up` again (it resumes).',
      ],
      cause,
    });
  }
  // Compose's output is captured, not shown: its last lines are the cause printed below the message.
  return new PreevyError(`docker compose up failed: ${lines.at(-1) ?? 'no output'}`, {
    code: 'COMPOSE_UP_FAILED',
    kind: 'invalid-input',
    suggestions: ['Fix what compose reports (its last lines are under "Caused by") and run `preevy up` again (it resumes).', `Or remove what was created: preevy down --id ${envId}`],
    cause,
  });
};
