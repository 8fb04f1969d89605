import { ENV_ID_RULE, formatHostKeyPin, isEnvId, parseHostKeyPin } from '@preevy/tunnel-protocol';
import { z } from 'zod';
import { isProfileName } from './profile-name.js';

const NAME = /^[a-z][a-z0-9-]*$/;

/** A driver's name, e.g. `docker` or `kube-pod`. */
export const driverNameSchema = z.string().regex(NAME, 'must be lowercase letters, digits and hyphens, starting with a letter');

/** A default option value a profile holds for its driver. */
export const driverOptionValueSchema = z.union([z.string(), z.number(), z.boolean()]);
/** A driver option value: string, number or boolean. */
export type DriverOptionValue = z.infer<typeof driverOptionValueSchema>;

/** A driver option key: it becomes the `--<driver>-<key>` flag, hence the flag-name rules. */
export const driverOptionKeySchema = z.string().regex(NAME, 'option keys must be lowercase letters, digits and hyphens, starting with a letter');
/** A profile's default options for its driver, by key. */
export const driverOptionsSchema = z.record(driverOptionKeySchema, driverOptionValueSchema);
/** A profile's default options for its driver, by key. */
export type DriverOptions = z.infer<typeof driverOptionsSchema>;

const TUNNEL_SCHEMES = ['ssh:', 'ssh+tls:'];

/** `ssh://host[:port]` or `ssh+tls://host[:port]`: where the agent's SSH connection goes. */
export const tunnelUrlSchema = z.string().refine(
  (value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return TUNNEL_SCHEMES.includes(url.protocol) && url.hostname !== '' && !url.username && !url.password && ['', '/'].includes(url.pathname) && !url.search && !url.hash;
  },
  { message: 'must be ssh://HOST[:PORT] or ssh+tls://HOST[:PORT] (no user, path or query)' },
);

/**
 * The tunnel server's pinned host key: `ssh-ed25519 AAAA...` or `SHA256:...` (tunnel-protocol's
 * format), read into its canonical form (no comment, no padding).
 */
export const tunnelHostKeySchema = z.string().transform((value, ctx) => {
  const parsed = parseHostKeyPin(value);
  if (parsed.ok) return formatHostKeyPin(parsed.value);
  ctx.addIssue({ code: 'custom', message: `not a host key line or SHA256 fingerprint: ${parsed.error}` });
  return z.NEVER;
});

/** The settings of a profile, as `profile.json` keeps them and as an export carries them. */
export const profileSettingsShape = {
  driver: driverNameSchema,
  driverOptions: driverOptionsSchema,
  /** Absent: the CLI runs the embedded local tunnel server. */
  tunnelUrl: tunnelUrlSchema.optional(),
  /** Pinned at the first `hello` (trust on first use) or given up front; checked on every later contact. */
  tunnelHostKey: tunnelHostKeySchema.optional(),
  /** Pins of the tunnel servers that projects name (`x-preevy.tunnelServer`) instead of the profile's, by URL. */
  projectTunnelHostKeys: z.record(tunnelUrlSchema, tunnelHostKeySchema).optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};

/** A host key pin only makes sense with a tunnel URL (the embedded local server's key is known). */
export const pinNeedsTunnelUrl: [(c: { tunnelHostKey?: string | undefined; tunnelUrl?: string | undefined }) => boolean, { path: string[]; message: string }] = [
  (c) => c.tunnelHostKey === undefined || c.tunnelUrl !== undefined,
  { path: ['tunnelHostKey'], message: "needs a tunnel URL (the embedded local server's key is known without a pin)" },
];

/** What `profile.json` holds (the name is the directory's). */
export const profileConfigSchema = z.object({ version: z.literal(1), ...profileSettingsShape }).refine(...pinNeedsTunnelUrl);
/** The settings in `profile.json`. */
export type ProfileConfig = z.infer<typeof profileConfigSchema>;

/** Environment ids become file names: path-safe by construction, and the one env-id rule (tunnel-protocol). */
export const envIdSchema = z.string().refine(isEnvId, `must be ${ENV_ID_RULE}`);

/**
 * Lifecycle of an environment as the last command left it. Every status but `deleted` may
 * still hold resources, which is why `profile rm` refuses such profiles.
 */
export const ENV_STATUSES = ['provisioning', 'up', 'failed', 'deleting', 'deleted'] as const;
/** Where an environment is in its lifecycle. */
export type EnvStatus = (typeof ENV_STATUSES)[number];

/** One published service port of an environment and its URL. */
export const envUrlSchema = z.object({
  service: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  url: z.url(),
});
/** One published service port of an environment and its URL. */
export type EnvUrl = z.infer<typeof envUrlSchema>;

/** The Docker host of an environment as its driver returned it: `down`, `logs` and the next `up` start from it. */
export const envHostSchema = z.object({
  driver: driverNameSchema,
  envId: envIdSchema,
  state: z.record(z.string(), z.unknown()),
});
/** The Docker host of an environment as its driver returned it. */
export type EnvHost = z.infer<typeof envHostSchema>;

/** A devcontainer workspace (an environment whose id is `ws-<name>`): what `workspace ssh` and `ls` need. */
export const workspaceRecordSchema = z.object({
  name: z.string().min(1),
  /** The local folder it was made from, or the git URL (`URL#ref`). */
  source: z.string().min(1),
  containerId: z.string().min(1),
  remoteUser: z.string().min(1),
  workspaceFolder: z.string().startsWith('/'),
  /** The public half of the workspace's SSH host key (`ssh-ed25519 AAAA…`): `ssh-config` pins it. */
  hostKey: z.string().min(1),
  /** The runtime version's folder in the container (`/.preevy/<version>`): where the agent is. */
  runtimeDir: z.string().startsWith('/'),
  /** `containerInactivityTimeout` in seconds, when set. */
  idleTimeoutSeconds: z.number().int().positive().optional(),
  /** A hash of how its credential helpers were set up (no secret in it): the same again on the same container is skipped. */
  credentialsState: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
/** A devcontainer workspace's part of its record. */
export type WorkspaceRecord = z.infer<typeof workspaceRecordSchema>;

/** What `envs/<envId>.json` holds: read by `ls` and `down`. */
export const envRecordSchema = z.object({
  version: z.literal(1),
  envId: envIdSchema,
  composeProject: z.string().min(1),
  driver: driverNameSchema,
  status: z.enum(ENV_STATUSES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** When an `up` last ran for it (absent in records from before it was kept: `updatedAt` stands in). */
  lastUpAt: z.iso.datetime().optional(),
  urls: z.array(envUrlSchema),
  host: envHostSchema.optional(),
  workspace: workspaceRecordSchema.optional(),
});
/** What the store knows about one environment of a profile. */
export type EnvRecord = z.infer<typeof envRecordSchema>;

/** What `current.json` holds. */
export const currentPointerSchema = z.object({
  version: z.literal(1),
  profile: z.string().refine(isProfileName, 'not a valid profile name'),
});
