import { PreevyError } from '@preevy/core';

/** Seconds a home's embedded tunnel server stays up without any environment (default 600). */
export const EMBEDDED_IDLE_ENV = 'PREEVY_EMBEDDED_TUNNEL_IDLE_SECONDS';
const DEFAULT_IDLE_SECONDS = 600;

/** The idle time in ms from the environment; a bad value is a usage error, raised before anything starts. */
export const embeddedIdleMs = (env: NodeJS.ProcessEnv = process.env): number => {
  const raw = env[EMBEDDED_IDLE_ENV];
  if (raw === undefined || raw === '') return DEFAULT_IDLE_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new PreevyError(`${EMBEDDED_IDLE_ENV}=${raw}: expected a positive number of seconds`, {
      code: 'TUNNEL_SERVER_CONFIG',
      kind: 'usage',
      suggestions: [`Unset it for the default (${DEFAULT_IDLE_SECONDS} s), or set e.g. ${EMBEDDED_IDLE_ENV}=1800.`],
    });
  }
  return Math.round(seconds * 1000);
};
