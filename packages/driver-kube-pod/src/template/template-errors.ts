import { PreevyError } from '@preevy/core';

const CHOOSE_TEMPLATE =
  "Set the template with --kube-pod-template, PREEVY_KUBE_POD_TEMPLATE or x-preevy.drivers.kube-pod.template (a relative x-preevy path resolves from the compose file's directory, others from the current directory).";

const CONTRACT =
  'A docker-host template renders namespaced objects and exactly one apps/v1 Deployment labelled app.kubernetes.io/component: docker-host, whose first container runs dockerd on tcp://127.0.0.1:2375; see the top of templates/kube-pod/default.yaml.njk.';

/** The template file cannot be read: absent, a directory, or not readable. */
export const templateNotFound = (templatePath: string, cause: unknown): PreevyError => {
  const code = (cause as { code?: unknown } | null)?.code;
  const why = code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'is not readable' : 'does not exist';
  return new PreevyError(`The kube-pod template ${templatePath} ${why}`, {
    code: 'KUBE_TEMPLATE_NOT_FOUND',
    kind: code === 'EISDIR' || code === 'EACCES' ? 'invalid-input' : 'not-found',
    suggestions: [CHOOSE_TEMPLATE, 'Leave the template unset to use the shipped default.'],
    cause,
  });
};

export interface NunjucksFailure {
  /** The file nunjucks names: the template, or a file it includes. */
  file?: string;
  line?: number;
  column?: number;
  reason: string;
}

const LOCATION = /\(([^()\n]+)\)(?: \[Line (\d+), Column (\d+)\])?/g;

/**
 * Where and why nunjucks failed, from its message: `(file) [Line 2, Column 4]\n  reason`. An error
 * inside an include repeats the `(file)` of each level; the innermost located one is the place.
 */
export const parseNunjucksFailure = (message: string): NunjucksFailure => {
  const locations = [...message.matchAll(LOCATION)];
  const at = locations.findLast((m) => m[2] !== undefined) ?? locations.at(-1);
  const reason = (message.trim().split('\n').at(-1) ?? message).trim().replace(/^(?:Template render error: )?(?:Error: )?/, '');
  return {
    ...(at?.[1] !== undefined && at[1] !== 'unknown path' ? { file: at[1] } : {}),
    ...(at?.[2] !== undefined ? { line: Number(at[2]), column: Number(at[3]) } : {}),
    reason,
  };
};

const OUTPUT = /^\{\{-?\s*(.*?)\s*-?\}\}/;
const ROOT_NAME = /^[A-Za-z_$][\w$]*/;

/**
 * nunjucks says only "attempted to output null or undefined value" at the `{{` it failed on;
 * the expression there names the variable.
 */
const undefinedOutput = (lineText: string, column: number, variables: Record<string, unknown>): string | undefined => {
  const expression = OUTPUT.exec(lineText.slice(column - 1))?.[1];
  if (expression === undefined) return undefined;
  const root = ROOT_NAME.exec(expression)?.[0];
  if (root !== undefined && !Object.hasOwn(variables, root)) return `${root} is not a template variable (in {{ ${expression} }})`;
  if (root === expression && variables[root] === null) return `the option ${root} is unset (null): guard it with {% if ${root} %}`;
  return `{{ ${expression} }} is undefined or null`;
};

export interface RenderFailure {
  templatePath: string;
  failure: NunjucksFailure;
  /** The text of the failing line, when its file could be read. */
  lineText?: string | undefined;
  variables: Record<string, unknown>;
  cause: unknown;
}

/** nunjucks failed (syntax, an unknown filter, an undefined value), with the place and the variables there are. */
export const templateRenderError = ({ templatePath, failure, lineText, variables, cause }: RenderFailure): PreevyError => {
  const { file = templatePath, line, column, reason } = failure;
  const what =
    (reason.startsWith('attempted to output null or undefined') && lineText !== undefined && column !== undefined
      ? undefinedOutput(lineText, column, variables)
      : undefined) ?? reason;
  const where = `${file}${line === undefined ? '' : ` line ${line}`}${file === templatePath ? '' : ` (included by ${templatePath})`}`;
  return new PreevyError(`Cannot render the kube-pod template ${where}: ${what}${lineText === undefined ? '' : `\n  ${line} | ${lineText.trim()}`}`, {
    code: 'KUBE_TEMPLATE_RENDER',
    kind: 'invalid-input',
    suggestions: [
      `Variables: ${Object.keys(variables).sort().join(', ')}. An unset option is null: guard it with {% if storageSize %}.`,
      "Filters: nunjucks' built-ins (dump quotes a string for YAML) and yamlEntries(indent) for a map such as labels.",
      CHOOSE_TEMPLATE,
    ],
    cause,
  });
};

export interface YamlFailure {
  templatePath: string;
  /** 1-based, counting every document of the rendered stream. */
  document: number;
  /** 1-based line of the rendered text. */
  line?: number | undefined;
  column?: number | undefined;
  lineText?: string | undefined;
  reason: string;
  cause?: unknown;
}

/** The rendered text is not YAML, or a document is not a mapping. Lines are of the rendered text. */
export const templateYamlError = ({ templatePath, document, line, column, lineText, reason, cause }: YamlFailure): PreevyError => {
  const at = line === undefined ? '' : `, rendered line ${line}${column === undefined ? '' : `, column ${column}`}`;
  return new PreevyError(
    `The kube-pod template ${templatePath} renders invalid YAML in document ${document}${at}: ${reason}${lineText === undefined ? '' : `\n  ${line} | ${lineText}`}`,
    {
      code: 'KUBE_TEMPLATE_YAML',
      kind: 'invalid-input',
      suggestions: [
        'Find that line in the template: quote inserted strings with `| dump`, emit maps with `| yamlEntries(indent)` at the right indentation, and separate objects with a line `---`.',
      ],
      cause,
    },
  );
};

/** The rendered objects break the template's contract: one problem a line, each naming its object. */
export const templateInvalid = (templatePath: string, problems: readonly string[]): PreevyError =>
  new PreevyError(`The kube-pod template ${templatePath} renders objects preevy cannot use:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    code: 'KUBE_TEMPLATE_INVALID',
    kind: 'invalid-input',
    suggestions: [CONTRACT],
  });
