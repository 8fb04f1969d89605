import { Flags } from '@oclif/core';
import { laptopDockerRegistries, startCredentialResponder, type CredentialResponder, type Logger, type WorkspaceCredentialsSetup } from '@preevy/core';

const injectFlags = {
  'inject-git-credentials': Flags.boolean({
    description: 'git in the workspace asks this machine\'s git credential helpers during `workspace ssh` sessions (and uses --git-token otherwise).',
    default: true,
    allowNo: true,
  }),
  'inject-docker-credentials': Flags.boolean({
    description: 'docker in the workspace asks this machine for the registries it is logged in to, during `workspace ssh` sessions.',
    default: true,
    allowNo: true,
  }),
};

/** The credential flags of `workspace ssh`. */
export const workspaceSshCredentialFlags = injectFlags;

/** The credential flags of `workspace up`. */
export const workspaceCredentialFlags = {
  ...injectFlags,
  'git-token': Flags.string({
    description: 'For a workspace with no laptop (CI): a short-lived token git in the workspace uses for --git-token-host, kept in the container (0600) until the next up or down. Prefer the environment variable to the flag.',
    env: 'GITHUB_TOKEN',
  }),
  'git-token-host': Flags.string({ description: 'The host --git-token is for.', default: 'github.com' }),
  'git-token-username': Flags.string({ description: 'The username sent with --git-token.', default: 'x-access-token' }),
};

interface CredentialFlagValues {
  'inject-git-credentials': boolean;
  'inject-docker-credentials': boolean;
  'git-token'?: string | undefined;
  'git-token-host': string;
  'git-token-username': string;
}

/** What `workspace up` sets up in the container: the helpers, the token, and the registries this machine has docker credentials for (names only). */
export const workspaceCredentialsRequest = async (f: CredentialFlagValues, logger: Logger): Promise<WorkspaceCredentialsSetup> => {
  const token = f['git-token']?.trim();
  const git = f['inject-git-credentials'];
  // Said out loud: a laptop with GITHUB_TOKEN exported for other tools would otherwise place it unnoticed.
  if (token && git) logger.info(`Placing a git token for ${f['git-token-host']} in the workspace (from ${process.env.GITHUB_TOKEN?.trim() === token ? 'GITHUB_TOKEN' : '--git-token'}); the next up without one removes it.`);
  const dockerRegistries = f['inject-docker-credentials'] ? await laptopDockerRegistries() : [];
  return { git, gitToken: token && git ? { token, host: f['git-token-host'], username: f['git-token-username'] } : undefined, dockerRegistries };
};

/**
 * For `workspace ssh`: a responder for this session's credential requests (disposed when the
 * session ends), or undefined when both kinds are off.
 */
export const credentialForwarding = async (f: Pick<CredentialFlagValues, 'inject-git-credentials' | 'inject-docker-credentials'>, logger: Logger): Promise<CredentialResponder | undefined> => {
  const git = f['inject-git-credentials'];
  const docker = f['inject-docker-credentials'];
  if (!git && !docker) return undefined;
  return startCredentialResponder({ git, docker, logger });
};
