import { fileURLToPath } from 'node:url';
import {
  importProfileFromEnv,
  LocalProfileStore,
  preevyHome,
  projectEnvId,
  type Logger,
  type Profile,
  type TunnelEndpoint,
} from '@preevy/core';
import { composeRequestFromFlags, type ComposeFlagValues } from './compose-flags.js';
import { ensureEmbeddedTunnelServer } from './embedded-tunnel-server.js';
import { profileTunnelEndpoint } from './remote-tunnel.js';

const CLI_BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/** The profile a command works on: `--profile`, else the current one, else a new `default`. */
export const resolveProfile = async (name: string | undefined): Promise<{ store: LocalProfileStore; profile: Profile }> => {
  const store = new LocalProfileStore();
  // CI: a profile exported into a secret arrives as PREEVY_PROFILE_FILE.
  const imported = await importProfileFromEnv({ store, ...(name ? { name } : {}) });
  return { store, profile: imported ?? (await store.resolve(name)) };
};

/** The environment a command acts on: `--id` (normalized), else derived from the project as `up` derives it. */
export const envIdFromFlags = async (flags: ComposeFlagValues & { id?: string | undefined }): Promise<string> =>
  (await projectEnvId({ compose: composeRequestFromFlags(flags), flag: flags.id })).id;

/**
 * Where agents publish: the project's tunnel server (`x-preevy.tunnelServer`), else the profile's
 * (each host key pinned on first contact, checked after), else the embedded local one, whose key
 * comes from its own state file.
 */
export const resolveTunnel = async (store: LocalProfileStore, profile: Profile, logger: Logger, projectTunnelUrl?: string): Promise<TunnelEndpoint> => {
  const tunnelUrl = projectTunnelUrl ?? profile.tunnelUrl;
  return tunnelUrl ? profileTunnelEndpoint(profile, tunnelUrl, { store, logger }) : ensureEmbeddedTunnelServer({ home: preevyHome(), cliBin: CLI_BIN });
};

/**
 * The agent image's build context. Imported on demand: the agent package (and its ssh2) is only
 * needed by `up`, which starts this before loading the compose project so the two overlap.
 */
export const agentImage = async () => {
  const { agentImageContext } = await import('@preevy/agent');
  const { files } = agentImageContext();
  return { files: files.map((f) => ({ ...f, mode: f.name === 'preevy-agent' ? 0o755 : 0o644 })) };
};
