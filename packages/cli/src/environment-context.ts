import { fileURLToPath } from 'node:url';
import {
  importProfileFromEnv,
  PreevyError,
  preevyHome,
  PROFILE_FILE_ENV,
  projectEnvId,
  type Logger,
  type Profile,
  type ProfileStore,
  type TunnelEndpoint,
} from '@preevy/core';
import { composeRequestFromFlags, type ComposeFlagValues } from './compose-flags.js';
import { ensureEmbeddedTunnelServer } from './embedded-tunnel-server.js';
import { profileCatalog } from './profiles/open-profile-store.js';
import { profileTunnelEndpoint } from './remote-tunnel.js';

const CLI_BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/** The profile a command works on: `--profile` (a name, a link or an s3:// URL), else the current one, else a new `default`. */
export const resolveProfile = async (name: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ store: ProfileStore; profile: Profile }> => {
  const catalog = profileCatalog(env);
  const { store, location } = await catalog.storeFor(name);
  if (location === undefined) {
    // CI: a profile exported into a secret arrives as PREEVY_PROFILE_FILE.
    const imported = await importProfileFromEnv({ store, env, ...(name ? { name } : {}) });
    return { store, profile: imported ?? (await store.resolve(name)) };
  }
  if (env[PROFILE_FILE_ENV]) {
    throw new PreevyError(`Both ${PROFILE_FILE_ENV} and the remote profile ${location} name a profile.`, {
      code: 'PROFILE_AMBIGUOUS',
      kind: 'usage',
      suggestions: [`Unset ${PROFILE_FILE_ENV} to use the remote profile, or drop --profile/PREEVY_PROFILE to use the file.`],
    });
  }
  return { store, profile: await store.resolve() };
};

/** The environment a command acts on: `--id` (normalized), else derived from the project as `up` derives it. */
export const envIdFromFlags = async (flags: ComposeFlagValues & { id?: string | undefined }): Promise<string> =>
  (await projectEnvId({ compose: composeRequestFromFlags(flags), flag: flags.id })).id;

/**
 * Where agents publish: the project's tunnel server (`x-preevy.tunnelServer`), else the profile's
 * (each host key pinned on first contact, checked after), else the embedded local one, whose key
 * comes from its own state file.
 */
export const resolveTunnel = async (store: ProfileStore, profile: Profile, logger: Logger, projectTunnelUrl?: string): Promise<TunnelEndpoint> => {
  const tunnelUrl = projectTunnelUrl ?? profile.tunnelUrl;
  return tunnelUrl ? profileTunnelEndpoint(profile, tunnelUrl, { store, logger }) : ensureEmbeddedTunnelServer({ home: preevyHome(), cliBin: CLI_BIN });
};

/**
 * The agent image's build context. Imported on demand, from the agent package's light entry (the
 * file paths, not the agent and its ssh2): only `up` needs it, and starts it before loading the
 * compose project so the two overlap.
 */
export const agentImage = async () => {
  const { agentImageContext } = await import('@preevy/agent/image-context');
  const { files } = agentImageContext();
  return { files: files.map((f) => ({ ...f, mode: f.name === 'preevy-agent' ? 0o755 : 0o644 })) };
};

/** The workspace runtime image's build context (Node.js and the agent bundle), loaded on demand like {@link agentImage}. */
export const workspaceRuntimeImage = async () => {
  const { workspaceRuntimeContext } = await import('@preevy/agent');
  return { files: workspaceRuntimeContext().files.map((f) => ({ ...f, mode: 0o644 })) };
};
