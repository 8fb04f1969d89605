import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/** One `ports` entry after compose has normalised it (ranges are already split). */
export interface ServicePort {
  /** `host_ip`, e.g. `127.0.0.1`; undefined: all interfaces. */
  hostIp: string | undefined;
  /** The host port; undefined when compose picks one (`"80"`) or when a range was given (see `publishedRange`). */
  published: number | undefined;
  /** A host port range like `9000-9010` for one container port, when one was given. */
  publishedRange: string | undefined;
  /** The container port. */
  target: number;
  protocol: string;
}

export interface ServiceVolume {
  type: string;
  /** For a bind mount: an absolute host path; for a volume: its name; undefined for anonymous volumes and tmpfs. */
  source: string | undefined;
  target: string;
  readOnly: boolean;
}

export interface ServiceBuild {
  /** Absolute path or a URL (git, remote tarball). */
  context: string;
  dockerfile: string | undefined;
  args: Record<string, string>;
  target: string | undefined;
}

export interface ComposeService {
  name: string;
  image: string | undefined;
  build: ServiceBuild | undefined;
  ports: ServicePort[];
  labels: Record<string, string>;
  volumes: ServiceVolume[];
  networks: string[];
  dependsOn: string[];
  /** True when the compose file declares an enabled healthcheck (one baked into the image is not seen here). */
  hasHealthcheck: boolean;
  profiles: string[];
}

/** The compose project as `docker compose config` resolved it, typed for what preevy reads. */
export interface ComposeModel {
  projectName: string;
  /** Directory relative paths of the project resolve against. */
  workingDir: string;
  /** The files compose read, as far as preevy can tell (see `locateComposeFiles`). */
  files: string[];
  services: Record<string, ComposeService>;
  volumes: Record<string, Record<string, unknown>>;
  networks: Record<string, Record<string, unknown>>;
  /** The `x-preevy` value as written (after interpolation); validate it with `parseXPreevy`. */
  xPreevy: unknown;
  /** The whole `config --format json` output, for the up flow to transform and write back. */
  raw: Record<string, unknown>;
}

// Only what preevy reads is checked; everything else passes through in `raw`.
const looseRecord = z.record(z.string(), z.unknown());
const portSchema = z.looseObject({
  host_ip: z.string().optional(),
  published: z.union([z.string(), z.number()]).optional(),
  target: z.number().int(),
  protocol: z.string().optional(),
});
const volumeSchema = z.looseObject({
  type: z.string(),
  source: z.string().optional(),
  target: z.string(),
  read_only: z.boolean().optional(),
});
const buildSchema = z.looseObject({
  context: z.string().optional(),
  dockerfile: z.string().optional(),
  args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  target: z.string().optional(),
});
const serviceSchema = z.looseObject({
  image: z.string().optional(),
  build: buildSchema.optional(),
  ports: z.array(portSchema).optional(),
  labels: z.union([z.record(z.string(), z.string()), z.array(z.string())]).optional(),
  volumes: z.array(volumeSchema).optional(),
  networks: z.union([looseRecord, z.array(z.string())]).optional(),
  depends_on: z.union([looseRecord, z.array(z.string())]).optional(),
  healthcheck: z.looseObject({ disable: z.boolean().optional(), test: z.union([z.string(), z.array(z.string())]).optional() }).optional(),
  profiles: z.array(z.string()).optional(),
});
const projectSchema = z.looseObject({
  name: z.string(),
  services: z.record(z.string(), serviceSchema).optional(),
  volumes: z.record(z.string(), looseRecord.nullable()).optional(),
  networks: z.record(z.string(), looseRecord.nullable()).optional(),
});

const keysOf = (v: Record<string, unknown> | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : Object.keys(v));

const labelsOf = (v: Record<string, string> | string[] | undefined): Record<string, string> => {
  if (v === undefined) return {};
  if (!Array.isArray(v)) return { ...v };
  // The list form is `key=value`; compose normalises to a map, but be lenient.
  return Object.fromEntries(v.map((entry) => (entry.includes('=') ? [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] : [entry, ''])));
};

const portOf = (p: z.infer<typeof portSchema>): ServicePort => {
  const published = p.published === undefined || p.published === '' ? undefined : String(p.published);
  const single = published !== undefined && /^\d+$/.test(published) ? Number(published) : undefined;
  return {
    hostIp: p.host_ip || undefined,
    published: single,
    publishedRange: published !== undefined && single === undefined ? published : undefined,
    target: p.target,
    protocol: p.protocol ?? 'tcp',
  };
};

const volumeOf = (v: z.infer<typeof volumeSchema>, workingDir: string): ServiceVolume => ({
  type: v.type,
  // Compose already resolves bind sources; resolving again guards against `--no-path-resolution`-style output.
  source: v.source === undefined || v.source === '' ? undefined : v.type === 'bind' && !isAbsolute(v.source) ? resolve(workingDir, v.source) : v.source,
  target: v.target,
  readOnly: v.read_only ?? false,
});

const buildOf = (b: z.infer<typeof buildSchema>, workingDir: string): ServiceBuild => ({
  context: b.context ?? workingDir,
  dockerfile: b.dockerfile,
  args: Object.fromEntries(Object.entries(b.args ?? {}).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]]))),
  target: b.target,
});

/** Thrown when compose's JSON does not have the shape preevy expects: a compose version we do not know. */
export class ComposeOutputError extends Error {
  override readonly name = 'ComposeOutputError';
}

/** Types the output of `docker compose config --format json`. Pure. */
export const toComposeModel = (raw: unknown, { workingDir, files }: { workingDir: string; files: string[] }): ComposeModel => {
  const parsed = projectSchema.safeParse(raw);
  if (!parsed.success) throw new ComposeOutputError(`unexpected output of docker compose config: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const p = parsed.data;
  const services = Object.fromEntries(
    Object.entries(p.services ?? {}).map(([name, s]): [string, ComposeService] => [
      name,
      {
        name,
        image: s.image,
        build: s.build === undefined ? undefined : buildOf(s.build, workingDir),
        ports: (s.ports ?? []).map(portOf),
        labels: labelsOf(s.labels),
        volumes: (s.volumes ?? []).map((v) => volumeOf(v, workingDir)),
        networks: keysOf(s.networks),
        dependsOn: keysOf(s.depends_on),
        hasHealthcheck: s.healthcheck !== undefined && s.healthcheck.disable !== true && !(Array.isArray(s.healthcheck.test) && s.healthcheck.test[0] === 'NONE'),
        profiles: s.profiles ?? [],
      },
    ]),
  );
  const nonNull = (r: Record<string, Record<string, unknown> | null> | undefined) => Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, v ?? {}]));
  return {
    projectName: p.name,
    workingDir,
    files,
    services,
    volumes: nonNull(p.volumes),
    networks: nonNull(p.networks),
    xPreevy: p['x-preevy'],
    raw: p,
  };
};
