import type { V1Status } from '@kubernetes/client-node';

/**
 * The exit code an exec's final `Status` reports: 0 on Success, the `ExitCode` cause on
 * NonZeroExitCode, undefined when the command never ran (e.g. executable not found).
 */
export const exitCodeOf = (status: V1Status): number | undefined => {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
};
