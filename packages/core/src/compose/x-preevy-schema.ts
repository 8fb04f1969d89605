import { ACCESS_VALUES } from '@preevy/tunnel-protocol';
import { z } from 'zod';
import { tunnelUrlSchema } from '../profiles/profile-schema.js';

const access = z.enum(ACCESS_VALUES);
const port = z.number().int().min(1).max(65535);

/**
 * The `x-preevy` section of a compose file. Objects are strict, so a typo is an error rather than
 * a silently ignored setting. Every key is optional: unset keys fall back to the profile and defaults.
 */
export const xPreevySchema = z.strictObject({
  /** The driver to use, e.g. `docker`, `kube-pod`, `vm`. */
  driver: z.string().min(1).optional(),
  /** Options per driver, by driver name and option name (the same names as `--<driver>-<option>` flags). */
  drivers: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional(),
  /** Access of services that say nothing else (default `public`). */
  access: access.optional(),
  /** Per service: access, and which container ports to publish (like the `preevy.expose` label). */
  services: z.record(z.string(), z.strictObject({ access: access.optional(), expose: z.array(port).optional() })).optional(),
  /** The agent injected into every environment. */
  agent: z.strictObject({ image: z.string().min(1).optional(), baseImage: z.string().min(1).optional() }).optional(),
  /** The tunnel server of this project (`ssh://HOST[:PORT]`), above the profile's. */
  tunnelServer: tunnelUrlSchema.optional(),
});

/** A validated `x-preevy` section. */
export type XPreevy = z.infer<typeof xPreevySchema>;

/** The `x-preevy` schema as JSON Schema, for editors and docs (computed on call, not at import). */
export const xPreevyJsonSchema = (): Record<string, unknown> => z.toJSONSchema(xPreevySchema);
