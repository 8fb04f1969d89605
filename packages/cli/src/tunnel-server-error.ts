import { PreevyError } from '@preevy/core';
import { TunnelServerError } from '@preevy/tunnel-server/config';

/** Core's form of a TunnelServerError (code, kind and remedy kept), for the top-level handler; undefined for any other error. */
export const preevyErrorOfTunnelServer = (err: unknown): PreevyError | undefined =>
  err instanceof TunnelServerError ? new PreevyError(err.message, { code: err.code, kind: err.kind, suggestions: err.suggestions, cause: err.cause }) : undefined;
