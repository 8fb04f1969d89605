/**
 * The labels (Docker) and tags (k8s, EC2) on every resource preevy creates: `ls` and `down` find
 * resources by these, never by guessing names. The one place they are spelled.
 */
export const LABEL_PREFIX = 'dev.preevy';
export const LABELS = {
  managedBy: `${LABEL_PREFIX}.managed-by`,
  profile: `${LABEL_PREFIX}.profile`,
  envId: `${LABEL_PREFIX}.env-id`,
  /** Marks the injected agent service, so discovery never publishes it. */
  agent: `${LABEL_PREFIX}.agent`,
} as const;

export const MANAGED_BY = 'preevy';

/** The labels that mark a resource as one environment's. */
export const environmentLabels = ({ profileId, envId }: { profileId: string; envId: string }): Record<string, string> => ({
  [LABELS.managedBy]: MANAGED_BY,
  [LABELS.profile]: profileId,
  [LABELS.envId]: envId,
});

/** User-facing service labels in compose files. */
export const SERVICE_LABELS = {
  /** Which container ports to publish, e.g. `"80,8080"` (default: every published port). */
  expose: 'preevy.expose',
  /** `public` or `private`. */
  access: 'preevy.access',
} as const;
