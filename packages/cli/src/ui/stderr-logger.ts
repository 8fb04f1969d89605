import { isLevelEnabled, type Logger, type LogLevel } from '@preevy/core';
import { LOG_REDACT_CENSOR, LOG_SECRET_FIELDS } from '@preevy/tunnel-protocol';

// Broader than the shared list: these lines are for people, so a public key hidden too costs little.
const SECRET_KEY = /(key|token|secret|passw|passphrase|credential|authorization|cookie)/i;
const isSecret = (name: string): boolean => SECRET_KEY.test(name) || LOG_SECRET_FIELDS.includes(name);
const MAX_DEPTH = 4;

const redactValue = (value: unknown, depth: number): unknown => {
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecret(k) ? LOG_REDACT_CENSOR : redactValue(v, depth + 1)]));
};

/** Replaces the values of secret-looking fields, nested ones too, so `--debug` output never leaks them. */
export const redactFields = (fields: Record<string, unknown>): Record<string, unknown> => redactValue(fields, 0) as Record<string, unknown>;

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
