/**
 * Every label (Docker) and tag (k8s, EC2) that crosses a process boundary, spelled once: core
 * writes them, the agent reads them, `ls` and `down` find resources by them (never by names).
 */
export const LABEL_PREFIX = 'dev.preevy';
export const LABELS = Object.freeze({
  managedBy: `${LABEL_PREFIX}.managed-by`,
  profile: `${LABEL_PREFIX}.profile`,
  envId: `${LABEL_PREFIX}.env-id`,
  /** Marks the injected agent service, so discovery never publishes it. */
  agent: `${LABEL_PREFIX}.agent`,
  /** The name of the devcontainer workspace a resource belongs to. */
  workspace: `${LABEL_PREFIX}.workspace`,
  /**
   * Ports the agent publishes besides the ones the container publishes, each with an optional
   * tunnel name (the URL's first label) instead of `{service}-{port}`: `8080:web,9229`. Written by
   * `workspace up` (from `forwardPorts` and `portsAttributes`); previews never carry it.
   */
  tunnels: `${LABEL_PREFIX}.tunnels`,
});

export const MANAGED_BY = 'preevy';

/** The labels that mark a resource as one environment's. */
export const environmentLabels = ({ profileId, envId }: { profileId: string; envId: string }): Record<string, string> => ({
  [LABELS.managedBy]: MANAGED_BY,
  [LABELS.profile]: profileId,
  [LABELS.envId]: envId,
});

/** User-facing service labels in compose files (x-preevy's `services` settings become these). */
export const SERVICE_LABELS = Object.freeze({
  /** Which container ports to publish, e.g. `"80,8080"` (default: every published TCP port). */
  expose: 'preevy.expose',
  /** `public` or `private`. */
  access: 'preevy.access',
});

/** What Docker Compose puts on every container it creates. */
export const COMPOSE_LABELS = Object.freeze({
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
});
