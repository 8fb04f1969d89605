import type { RunningTunnelServer } from './tunnel-server.js';

/**
 * Keeps the server up until SIGTERM or SIGINT (or until `stop` aborts: a caller's own reason to
 * end, such as an idle embedded server), then drains open connections and resolves with the cause.
 */
export const runUntilSignal = (
  server: RunningTunnelServer,
  {
    drainMs = 10_000,
    signals = ['SIGTERM', 'SIGINT'] as NodeJS.Signals[],
    proc = process,
    stop,
  }: { drainMs?: number; signals?: NodeJS.Signals[]; proc?: NodeJS.EventEmitter; stop?: AbortSignal } = {},
): Promise<NodeJS.Signals | 'stopped'> =>
  new Promise((resolve) => {
    const end = (cause: NodeJS.Signals | 'stopped'): void => {
      for (const s of signals) proc.removeListener(s, end);
      stop?.removeEventListener('abort', onStop);
      void server.close({ drainMs }).then(() => resolve(cause));
    };
    const onStop = (): void => end('stopped');
    for (const s of signals) proc.on(s, end);
    if (stop?.aborted) end('stopped');
    else stop?.addEventListener('abort', onStop, { once: true });
  });
