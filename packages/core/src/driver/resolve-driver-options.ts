import { resolve } from 'node:path';
import { PreevyError } from '../errors/preevy-error.js';
import { DEFAULT_DRIVER } from '../profiles/local-profile-store.js';
import { resolveOptions } from '../profiles/resolve-options.js';
import type { DriverOptionDescriptor } from './docker-host-driver.js';

/**
 * Which driver: `--driver` > the environment's record (it was made there) > `x-preevy.driver` >
 * the profile's > `docker`.
 */
export const chooseDriver = ({ flag, recorded, project, profile }: { flag?: string | undefined; recorded?: string | undefined; project?: string | undefined; profile?: string | undefined }): string =>
  flag || recorded || project || profile || DEFAULT_DRIVER;

/** Where an option's value came from, lowest first: the order of precedence. */
export interface DriverOptionLayers {
  /** The profile's stored options; only when the profile's driver is this one. */
  profile?: Readonly<Record<string, unknown>> | undefined;
  /** `x-preevy.drivers.<driver>`. */
  project?: Readonly<Record<string, unknown>> | undefined;
  /** Read through each descriptor's `env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** `--<driver>-<option>` values, by option name; undefined for an unset flag. */
  flags?: Readonly<Record<string, unknown>> | undefined;
  /** Where relative `path` options are resolved: x-preevy's from the compose file's directory, the rest from `cwd`. */
  dirs?: { project?: string | undefined; cwd: string } | undefined;
}

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/** A value from text (an environment variable or a flag) as the descriptor's type, or why not. */
const fromText = (d: DriverOptionDescriptor, raw: string): { ok: true; value: unknown } | { ok: false } => {
  if (d.type === 'string') return { ok: true, value: raw };
  if (d.type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? { ok: true, value: Number(raw) } : { ok: false };
  const b = BOOLEANS[raw.trim().toLowerCase()];
  return b === undefined ? { ok: false } : { ok: true, value: b };
};

/**
 * A driver's options from every layer, by the documented precedence: default < profile <
 * `x-preevy.drivers.<driver>` < environment variable < flag. Every value is checked against the
 * driver's descriptors; all problems are reported at once, naming the layer and the fix.
 */
export const resolveDriverOptions = (driver: string, descriptors: readonly DriverOptionDescriptor[], layers: DriverOptionLayers): Record<string, unknown> => {
  const problems: string[] = [];
  const byName = new Map(descriptors.map((d) => [d.name, d]));
  const typed = (where: string, layer: Readonly<Record<string, unknown>> | undefined, dir = layers.dirs?.cwd): Record<string, unknown> | undefined => {
    if (!layer) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const d = byName.get(name);
      if (!d) problems.push(`${where}: ${driver} has no option "${name}" (it has: ${[...byName.keys()].join(', ') || 'none'})`);
      else if (typeof value === d.type) out[name] = value;
      else if (typeof value === 'string' && fromText(d, value).ok) out[name] = (fromText(d, value) as { value: unknown }).value;
      else problems.push(`${where}: option "${name}" must be a ${d.type}, got ${JSON.stringify(value)}`);
      if (d?.path && typeof out[name] === 'string' && out[name] !== '' && dir) out[name] = resolve(dir, out[name]);
    }
    return out;
  };
  const defaults = Object.fromEntries(descriptors.flatMap((d) => (d.default === undefined ? [] : [[d.name, d.default]])));
  const fromEnv = Object.fromEntries(descriptors.flatMap((d) => (d.env && layers.env?.[d.env] !== undefined && layers.env[d.env] !== '' ? [[d.name, layers.env[d.env]]] : [])));
  const envLayer = typed('environment', fromEnv);
  const resolved = resolveOptions([
    defaults,
    typed('profile', layers.profile),
    typed(`x-preevy.drivers.${driver}`, layers.project, layers.dirs?.project ?? layers.dirs?.cwd),
    envLayer,
    typed('flags', layers.flags),
  ]);
  if (problems.length > 0) {
    throw new PreevyError(`Invalid options for the ${driver} driver:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      code: 'DRIVER_OPTION_INVALID',
      kind: 'invalid-input',
      suggestions: [`\`preevy up --help\` lists the ${driver} driver's options and their types.`],
    });
  }
  return resolved;
};
