import type { Logger } from 'pino';

/**
 * The last line of defence of a server that faces the internet: an error that escaped every
 * connection's own handler is logged and the process keeps serving, rather than one peer's
 * mistake ending every tenant's tunnels. Connection handlers drop their own connection first
 * (see ssh-front.ts); this only catches what they could not.
 */
export const guardProcess = (logger: Pick<Logger, 'error'>, proc: NodeJS.EventEmitter = process): (() => void) => {
  const onError = (err: unknown): void => logger.error({ err: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined }, 'uncaught error; still serving');
  proc.on('uncaughtException', onError);
  proc.on('unhandledRejection', onError);
  return () => {
    proc.removeListener('uncaughtException', onError);
    proc.removeListener('unhandledRejection', onError);
  };
};
