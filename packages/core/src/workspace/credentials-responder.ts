import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatCredentialsEnv,
  MAX_CREDENTIAL_MESSAGE,
  parseCredentialRequest,
  WORKSPACE_CREDENTIALS_ENV,
  type CredentialRequest,
  type CredentialResponse,
  type GitCredentialAttributes,
} from '@preevy/tunnel-protocol';
import type { Logger } from '../logger.js';
import { gitQuestion, laptopDockerCredential, laptopGitCredential, type LaptopCredentialDeps } from './credentials-laptop.js';

/** The laptop's credential tools as the responder uses them (tests pass fakes). */
export interface LaptopCredentials {
  git: (op: 'fill' | 'approve' | 'reject', attrs: GitCredentialAttributes) => Promise<GitCredentialAttributes | undefined>;
  docker: (serverUrl: string) => Promise<{ username: string; secret: string } | undefined>;
}

export const realLaptopCredentials = (deps: LaptopCredentialDeps = {}): LaptopCredentials => ({
  git: (op, attrs) => laptopGitCredential(op, attrs, deps),
  docker: (serverUrl) => laptopDockerCredential(serverUrl, deps),
});

export interface CredentialResponderOptions {
  git: boolean;
  docker: boolean;
  logger: Logger;
  laptop?: LaptopCredentials;
  /** The container port of the session's forward (default: random below Linux's ephemeral range, so sessions rarely collide). */
  containerPort?: number;
}

/** A running responder: what `ssh` needs to forward to it and to tell the container where it is. */
export interface CredentialResponder extends AsyncDisposable {
  /** A Unix socket in a fresh 0700 folder: no other local user can reach it. */
  socketPath: string;
  containerPort: number;
  /** `-o SendEnv=… -R 127.0.0.1:PORT:SOCKET`: the forward binds the container's loopback only. */
  sshArgs: string[];
  /** Set on ssh's own environment (SendEnv carries it), never on a command line. */
  env: Record<string, string>;
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const issuedKey = (a: GitCredentialAttributes): string => JSON.stringify([a.protocol, a.host, a.path ?? '', a.username, a.password]);

/**
 * Answers the workspace's credential helpers for one `preevy workspace ssh` session: `get` from the
 * laptop's own `git credential fill` (asked only about the protocol, host, path and username
 * requested) or docker credentials; `store`/`erase` become `git credential approve`/`reject` only
 * for a credential this session gave out, so the container cannot write or wipe others.
 */
export const startCredentialResponder = async (options: CredentialResponderOptions): Promise<CredentialResponder> => {
  const { logger, laptop = realLaptopCredentials() } = options;
  const secret = randomBytes(32).toString('hex');
  const containerPort = options.containerPort ?? randomInt(20_000, 32_000);
  const issued = new Map<string, GitCredentialAttributes>();

  const answer = async (req: CredentialRequest): Promise<CredentialResponse> => {
    if (req.kind === 'docker') {
      if (!options.docker) return { found: false };
      const found = await laptop.docker(req.serverUrl);
      logger.debug('workspace credentials: docker get', { registry: req.serverUrl, found: Boolean(found) });
      return found ? { found: true, docker: found } : { found: false };
    }
    if (!options.git) return { found: false };
    const question = gitQuestion(req.attributes);
    if (!question) return { found: false };
    if (req.op === 'get') {
      const found = await laptop.git('fill', question);
      logger.debug('workspace credentials: git get', { protocol: question.protocol, host: question.host, found: Boolean(found) });
      if (!found) return { found: false };
      issued.set(issuedKey({ ...question, ...found }), { ...question, ...found });
      return { found: true, git: found };
    }
    const key = issuedKey({ ...question, password: req.attributes.password ?? '' });
    const given = issued.get(key);
    logger.debug(`workspace credentials: git ${req.op}`, { protocol: question.protocol, host: question.host, ours: Boolean(given) });
    if (given) {
      await laptop.git(req.op === 'store' ? 'approve' : 'reject', given);
      if (req.op === 'erase') issued.delete(key);
    }
    return { found: false };
  };

  const serve = (socket: Socket): void => {
    let buffered = '';
    let handled = false;
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    const reply = (res: CredentialResponse) => socket.end(`${JSON.stringify(res)}\n`);
    socket.on('data', (chunk: string) => {
      if (handled) return;
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) {
        if (buffered.length > MAX_CREDENTIAL_MESSAGE) socket.destroy();
        return;
      }
      handled = true;
      const req = parseCredentialRequest(buffered.slice(0, nl));
      if (!req || !sameSecret(req.secret, secret)) {
        logger.debug('workspace credentials: refused a request without the session secret');
        reply({ found: false });
        return;
      }
      answer(req).then(reply, (err: unknown) => {
        logger.debug('workspace credentials: the laptop could not answer', { error: (err as Error).message });
        reply({ found: false });
      });
    });
  };

  const dir = await mkdtemp(join(tmpdir(), 'preevy-cred-'));
  const socketPath = join(dir, 's');
  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    socketPath,
    containerPort,
    sshArgs: ['-o', `SendEnv=${WORKSPACE_CREDENTIALS_ENV}`, '-R', `127.0.0.1:${containerPort}:${socketPath}`],
    env: { [WORKSPACE_CREDENTIALS_ENV]: formatCredentialsEnv({ port: containerPort, secret }) },
    [Symbol.asyncDispose]: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
};
