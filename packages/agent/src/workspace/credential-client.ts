import { connect } from 'node:net';
import {
  MAX_CREDENTIAL_MESSAGE,
  parseCredentialResponse,
  parseCredentialsEnv,
  WORKSPACE_CREDENTIALS_ENV,
  type CredentialRequest,
  type CredentialResponse,
} from '@preevy/tunnel-protocol';

/** The laptop may wait on a keychain prompt; past this the helper gives up and git falls back. */
export const ASK_LAPTOP_TIMEOUT_MS = 120_000;

export type AskLaptop = (request: DistributiveOmit<CredentialRequest, 'secret'>) => Promise<CredentialResponse>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/**
 * Asks the laptop's responder through the session's forwarded port, when this process runs in a
 * `preevy workspace ssh` session (its environment has the endpoint); nothing found otherwise or
 * when the session is gone (connection refused), so the caller falls back.
 */
export const askLaptop =
  (env: NodeJS.ProcessEnv, timeoutMs = ASK_LAPTOP_TIMEOUT_MS): AskLaptop =>
  (request) => {
    const endpoint = parseCredentialsEnv(env[WORKSPACE_CREDENTIALS_ENV]);
    if (!endpoint) return Promise.resolve({ found: false });
    return new Promise((resolve) => {
      let reply = '';
      let done = false;
      const finish = (res: CredentialResponse) => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve(res);
      };
      // Loopback only: the port is the session's remote forward, bound on the container's 127.0.0.1.
      const socket = connect({ host: '127.0.0.1', port: endpoint.port });
      socket.setTimeout(timeoutMs, () => finish({ found: false }));
      socket.on('error', () => finish({ found: false }));
      socket.on('connect', () => socket.write(`${JSON.stringify({ ...request, secret: endpoint.secret })}\n`));
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString('utf8');
        const nl = reply.indexOf('\n');
        if (nl >= 0) finish(parseCredentialResponse(reply.slice(0, nl)));
        else if (reply.length > MAX_CREDENTIAL_MESSAGE) finish({ found: false });
      });
      socket.on('end', () => finish(parseCredentialResponse(reply)));
    });
  };

