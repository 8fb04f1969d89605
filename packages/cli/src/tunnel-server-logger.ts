import { LOG_REDACT_CENSOR, LOG_REDACT_PATHS } from '@preevy/tunnel-protocol';
import { pino, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';

/**
 * The JSON-lines logger of `preevy tunnel-server` (stdout unless `destination`), with the redaction
 * every preevy process shares: visitors' tokens and cookies never reach the log.
 */
export const createTunnelServerLogger = (level: Level, destination?: DestinationStream): Logger => {
  const options: LoggerOptions = { name: 'preevy-tunnel-server', level, redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_REDACT_CENSOR } };
  return destination ? pino(options, destination) : pino(options);
};
