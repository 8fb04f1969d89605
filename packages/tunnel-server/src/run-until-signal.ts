import type { RunningTunnelServer } from './tunnel-server.js';

/** Keeps the server up until SIGTERM or SIGINT, then drains open connections and resolves. */
export const runUntilSignal = (
  server: RunningTunnelServer,
  { drainMs = 10_000, signals = ['SIGTERM', 'SIGINT'] as NodeJS.Signals[], proc = process }: { drainMs?: number; signals?: NodeJS.Signals[]; proc?: NodeJS.EventEmitter } = {},
): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const s of signals) proc.removeListener(s, onSignal);
      void server.close({ drainMs }).then(() => resolve(signal));
    };
    for (const s of signals) proc.on(s, onSignal);
  });
