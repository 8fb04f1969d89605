import { LOG_REDACT_CENSOR, LOG_REDACT_PATHS } from '@preevy/tunnel-protocol';
import { pino, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';

/**
 * The tunnel server's JSON-lines logger (stdout unless `destination`), with the redaction every
 * preevy process shares: visitors' tokens and cookies never reach the log. Every logger the server
 * builds (its default, the standalone entry, `preevy tunnel-server`) is this one.
 */
export const createTunnelServerLogger = (level: Level | 'silent' = 'info', destination?: DestinationStream): Logger => {
  const options: LoggerOptions = { name: 'preevy-tunnel-server', level, redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_REDACT_CENSOR } };
  return destination ? pino(options, destination) : pino(options);
};
