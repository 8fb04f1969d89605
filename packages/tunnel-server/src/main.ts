import { readFileSync } from 'node:fs';
import type { Level } from 'pino';
import { ConfigError, optionsFromEnv } from './env-config.js';
import { guardProcess } from './guard-process.js';
import { runUntilSignal } from './run-until-signal.js';
import { createTunnelServerLogger } from './server-logger.js';
import { startTunnelServer } from './tunnel-server.js';
import { TunnelServerError } from './tunnel-server-error.js';

/** Entry of the standalone server (`preevy-tunnel-server`, the container image): config from the environment. */
export const main = async (env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  const logger = createTunnelServerLogger((env.LOG_LEVEL ?? 'info') as Level);
  let options;
  try {
    options = optionsFromEnv(env, (p) => readFileSync(p));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.fatal(err.message);
    return 2;
  }
  let server;
  try {
    server = await startTunnelServer({ ...options, logger });
  } catch (err) {
    // A bad key file is the operator's to fix: say what to do, not a stack trace.
    if (!(err instanceof TunnelServerError)) throw err;
    logger.fatal({ code: err.code, suggestions: err.suggestions }, err.message);
    return 2;
  }
  guardProcess(logger);
  logger.info({ hostKey: server.hostKey.publicKey }, 'clients can pin this host key');
  await runUntilSignal(server);
  return 0;
};
