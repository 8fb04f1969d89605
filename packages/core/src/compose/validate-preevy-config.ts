import { z } from 'zod';
import { PreevyError } from '../errors/index.js';
import type { ComposeModel } from './compose-model.js';
import { didYouMean } from './did-you-mean.js';
import { serviceTunnels } from '@preevy/tunnel-protocol';
import { publicationOf } from './base-uri-env.js';
import { type XPreevy, xPreevySchema } from './x-preevy-schema.js';

/** One problem, with where it is (`x-preevy.drivers.kube-pod.namespace`) and, for a typo, a likely fix. */
export interface ConfigProblem {
  path: string;
  message: string;
  didYouMean?: string;
}

const formatPath = (root: string, path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : /^[\w-]+$/.test(String(seg)) ? `${acc}.${String(seg)}` : `${acc}[${JSON.stringify(String(seg))}]`), root);

const typeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const describe = (value: unknown): string =>
  typeof value === 'string' ? `"${value}"` : typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${value}` : typeOf(value);


/** The keys an object in the schema allows at `path`, to suggest one for an unknown key. */
const allowedKeysAt = (path: readonly PropertyKey[]): string[] => {
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType => (s instanceof z.ZodOptional ? unwrap(s.unwrap()) : s);
  let schema: z.core.$ZodType | undefined = xPreevySchema;
  for (const seg of path) {
    const s: z.core.$ZodType = unwrap(schema);
    schema = s instanceof z.ZodObject ? (s.shape as Record<string, z.core.$ZodType>)[String(seg)] : s instanceof z.ZodRecord ? (s.valueType) : undefined;
    if (schema === undefined) return [];
  }
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
};

const problemsOfIssue = (issue: z.core.$ZodIssue, root: string): ConfigProblem[] => {
  const path = formatPath(root, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(issue.path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        const known = allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
        return {
          path: formatPath(root, [...issue.path, key]),
          message: guess === undefined ? `unknown key${known}` : `unknown key, did you mean "${guess}"?`,
          ...(guess === undefined ? {} : { didYouMean: guess }),
        };
      });
    }
    case 'invalid_type':
      return [{ path, message: `expected ${issue.expected}, received ${typeOf(issue.input)}` }];
    case 'invalid_union':
      // Only driver option values are unions here.
      return [{ path, message: `expected string, number or boolean, received ${typeOf(issue.input)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map(String).join(', ')}, received ${describe(issue.input)}` }];
    case 'invalid_format':
      return [{ path, message: `expected a ${issue.format === 'url' ? 'URL' : issue.format}, received ${describe(issue.input)}` }];
    case 'too_small':
    case 'too_big':
      return [{ path, message: `${issue.message.replace(/^Too (small|big): /, '')}, received ${describe(issue.input)}` }];
    // Custom checks (URL schemes) word their own rule: add what was found.
    case 'custom':
      return [{ path, message: issue.input === undefined ? issue.message : `${issue.message}, received ${describe(issue.input)}` }];
    // The schema has no array elements of records, keyed records or multiples; keep zod's words.
    case 'invalid_element':
    case 'invalid_key':
    case 'not_multiple_of':
      return [{ path, message: issue.message }];
  }
};

/** Problems of an `x-preevy` value; an empty list when it is valid. Pure. */
export const xPreevyProblems = (value: unknown): { config: XPreevy | undefined; problems: ConfigProblem[] } => {
  if (value === undefined) return { config: {}, problems: [] };
  const result = xPreevySchema.safeParse(value, { reportInput: true });
  if (result.success) return { config: result.data, problems: [] };
  return { config: undefined, problems: result.error.issues.flatMap((issue) => problemsOfIssue(issue, 'x-preevy')) };
};

/** Problems of the `preevy.*` labels of services, by the agent's own rule (what it would only warn about, `up` refuses). Pure. */
export const labelProblems = (services: ComposeModel['services']): ConfigProblem[] =>
  Object.values(services).flatMap((service) =>
    serviceTunnels(publicationOf(service), 'public').problems.map((p) => ({ path: `service "${service.name}", label ${p.label}`, message: p.message })),
  );

/** The type of each option of each driver, from the drivers' option descriptors. */
export type DriverOptionTypes = Readonly<Record<string, Readonly<Record<string, 'string' | 'number' | 'boolean'>>>>;

/** Problems of `x-preevy.drivers` against the options the drivers declare. Pure. */
export const driverOptionProblems = (drivers: XPreevy['drivers'], known: DriverOptionTypes): ConfigProblem[] => {
  const problems: ConfigProblem[] = [];
  for (const [driver, options] of Object.entries(drivers ?? {})) {
    const types = known[driver];
    if (types === undefined) {
      const guess = didYouMean(driver, Object.keys(known));
      problems.push({
        path: formatPath('x-preevy.drivers', [driver]),
        message: guess === undefined ? `unknown driver (known: ${Object.keys(known).join(', ')})` : `unknown driver, did you mean "${guess}"?`,
        ...(guess === undefined ? {} : { didYouMean: guess }),
      });
      continue;
    }
    for (const [option, value] of Object.entries(options)) {
      const path = formatPath('x-preevy.drivers', [driver, option]);
      const expected = types[option];
      if (expected === undefined) {
        const guess = didYouMean(option, Object.keys(types));
        problems.push({ path, message: guess === undefined ? `unknown option of driver ${driver}` : `unknown option, did you mean "${guess}"?`, ...(guess === undefined ? {} : { didYouMean: guess }) });
      } else if (typeof value !== expected) {
        problems.push({ path, message: `expected ${expected}, received ${typeof value}` });
      }
    }
  }
  return problems;
};

/**
 * Validates the `x-preevy` section and the `preevy.*` labels of a compose model, and the driver
 * options when the drivers' option types are given. Throws one `X_PREEVY_INVALID` error listing
 * every problem with its key path. `warnings` are not fatal.
 */
export const validatePreevyConfig = (
  model: Pick<ComposeModel, 'services' | 'xPreevy'>,
  { driverOptions }: { driverOptions?: DriverOptionTypes } = {},
): { config: XPreevy; warnings: string[] } => {
  const { config, problems } = xPreevyProblems(model.xPreevy);
  if (config !== undefined && driverOptions !== undefined) problems.push(...driverOptionProblems(config.drivers, driverOptions));
  if (config?.agent?.image !== undefined && config.agent.baseImage !== undefined) {
    problems.push({ path: 'x-preevy.agent', message: 'image (a ready agent image) and baseImage (to build one on) exclude each other: keep one' });
  }
  problems.push(...labelProblems(model.services));
  if (config === undefined || problems.length > 0) {
    throw new PreevyError(`Invalid preevy configuration in the compose project:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, {
      code: 'X_PREEVY_INVALID',
      kind: 'invalid-input',
      suggestions: [
        ...problems.flatMap((p) => (p.didYouMean === undefined ? [] : [`Rename ${p.path} to "${p.didYouMean}".`])),
        'Fix each key listed above in the x-preevy section or the service labels of the compose file.',
      ],
    });
  }
  // Services in inactive compose profiles are absent from the model, so an unknown name is only a warning.
  const names = Object.keys(model.services);
  const warnings = Object.keys(config.services ?? {})
    .filter((name) => !names.includes(name))
    .map((name) => {
      const guess = didYouMean(name, names);
      return `x-preevy.services.${name}: no such service in the compose project${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`;
    });
  return { config, warnings };
};
