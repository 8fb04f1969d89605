import { isLevelEnabled, type Logger, type LogLevel } from '@preevy/core';

const SECRET_KEY = /(key|token|secret|password|credential|authorization|cookie)/i;

/** Replaces the values of secret-looking fields, so `--debug` output never leaks them. */
export const redactFields = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : v]));

const formatFields = (fields: Record<string, unknown> | undefined): string =>
  fields && Object.keys(fields).length
    ? ` ${Object.entries(redactFields(fields))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ')}`
    : '';

/** A logger writing `level: message k=v` lines, dropping those below `level`. */
export const createLogger = ({ level, write }: { level: LogLevel; write: (s: string) => void }): Logger => {
  const at =
    (msgLevel: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (isLevelEnabled(msgLevel, level)) write(`${msgLevel}: ${message}${formatFields(fields)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};
