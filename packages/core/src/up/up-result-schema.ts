import { z } from 'zod';
import type { UpResult } from './up-context.js';

/** The contract of `preevy up --json` (CI parses it): checked against the type and frozen in schemas/up.json. */
export const upResultSchema = z.strictObject({
  envId: z.string(),
  project: z.string(),
  profile: z.string(),
  urls: z.array(
    z.strictObject({
      service: z.string(),
      port: z.number().int().min(1).max(65_535),
      url: z.url(),
      access: z.enum(['public', 'private']),
      /** HTTP status of the last probe through the tunnel; 0: nothing answered. */
      httpStatus: z.number().int().min(0),
    }),
  ),
  sync: z
    .strictObject({ paths: z.number().int(), sent: z.number().int(), unchanged: z.number().int(), deleted: z.number().int(), bytes: z.number().int() })
    .optional(),
  /** Images sent to a host that cannot see local files (`sent` false: it had the same image id). */
  images: z.array(z.strictObject({ image: z.string(), sent: z.boolean(), bytes: z.number().int().min(0) })).optional(),
  imageBytes: z.number().int().min(0).optional(),
});

// Compile-time check that every UpResult satisfies the schema (zod's optionals add `| undefined`).
type Satisfies<A, B> = [A] extends [B] ? true : never;
export const upResultSatisfiesSchema: Satisfies<UpResult, z.infer<typeof upResultSchema>> = true;

/** JSON Schema of `preevy up --json`. */
export const upResultJsonSchema = (): Record<string, unknown> => z.toJSONSchema(upResultSchema);
