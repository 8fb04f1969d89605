import { KUBE_POD_OPTIONS, type KubePodOptions } from '../options.js';

/** What a docker-host template is rendered with. */
export interface HostTemplateContext {
  namespace: string;
  /** The host's name: a DNS label of at most 53 characters (see `hostId`). */
  id: string;
  /** Put on every object the template renders (`labels | yamlEntries(indent)`). */
  labels: Record<string, string>;
  options: KubePodOptions;
  /** A workspace's agent will scale the Deployment to zero once idle (the template grants it that). */
  idleScaleDown?: boolean;
}

const camelCase = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The template's variables: `namespace`, `id`, `labels`, `options` (raw, by flag name) and each
 * option in camelCase (`dind-image` -> `dindImage`). An unset option is null, not undefined: a
 * template tests it with `{% if storageSize %}`, and outputting it unguarded fails the render
 * (throwOnUndefined) instead of writing an empty value the API server might read differently.
 * The context's own names win over an option of the same name (`namespace`).
 */
export const templateVariables = (context: HostTemplateContext): Record<string, unknown> => {
  const variables: Record<string, unknown> = {};
  // Every declared option, also one the resolved options leave out: the render error then says "unset", not "no such variable".
  for (const { name } of KUBE_POD_OPTIONS) variables[camelCase(name)] = null;
  for (const [name, value] of Object.entries(context.options)) variables[camelCase(name)] = value ?? null;
  return { ...variables, namespace: context.namespace, id: context.id, labels: context.labels, options: context.options, idleScaleDown: context.idleScaleDown ?? false };
};

/**
 * The `yamlEntries(indent)` filter: a string map as block-mapping entries, one a line, keys
 * sorted (so the rendered text, and its hash, do not depend on insertion order), keys and values
 * JSON-quoted (valid YAML, whatever the text). Lines after the first are indented by `indent`
 * spaces, so the filter is written where the first entry goes. An empty map gives ''.
 */
export const yamlEntries = (map: Record<string, unknown> | null | undefined, indent = 0): string =>
  Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(String(value))}`)
    .join(`\n${' '.repeat(indent)}`);
