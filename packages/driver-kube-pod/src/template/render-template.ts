import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import nunjucks from 'nunjucks';
import { isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from './kube-object.js';
import { shippedTemplate } from './shipped-templates.js';
import { parseNunjucksFailure, templateNotFound, templateRenderError, templateYamlError } from './template-errors.js';
import { templateVariables, yamlEntries, type HostTemplateContext } from './template-variables.js';

export interface RenderedTemplate {
  /** One per non-empty YAML document, in order; not yet checked (see `validateHostObjects`). */
  objects: KubeObject[];
  /** First 16 hex characters of the sha256 of the rendered text: changes exactly when the output does. */
  hash: string;
  /** Absolute. */
  templatePath: string;
}

export interface RenderHostTemplateRequest {
  /** Default: the shipped `templates/kube-pod/default.yaml.njk`. Relative: from the current directory. */
  templatePath?: string | undefined;
  context: HostTemplateContext;
}

const readTemplate = async (path: string): Promise<string> => {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw templateNotFound(path, err);
  }
};

const lineOf = (text: string | undefined, line: number | undefined): string | undefined =>
  line === undefined ? undefined : text?.split('\n')[line - 1];

const render = async (templatePath: string, source: string, variables: Record<string, unknown>): Promise<string> => {
  // Includes resolve from the template's directory; no cache, so an edited file is read anew.
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dirname(templatePath), { noCache: true }), {
    autoescape: false,
    throwOnUndefined: true,
  });
  env.addFilter('yamlEntries', yamlEntries);
  try {
    return new nunjucks.Template(source, env, templatePath, true).render(variables);
  } catch (err) {
    const failure = parseNunjucksFailure(err instanceof Error ? err.message : String(err));
    const file = failure.file ?? templatePath;
    const text = file === templatePath ? source : await readFile(file, 'utf8').catch(() => undefined);
    throw templateRenderError({ templatePath, failure, lineText: lineOf(text, failure.line), variables, cause: err });
  }
};

/** Every non-empty YAML document of `text` as an object; a syntax error or a non-mapping document throws with its place. */
const parseObjects = (text: string, templatePath: string): KubeObject[] => {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  const objects: KubeObject[] = [];
  for (const [i, doc] of [...documents].entries()) {
    const [error] = doc.errors;
    if (error !== undefined) {
      const line = error.linePos?.[0].line;
      // yaml's first message line ends with its own "at line L, column C:"; the place is reported once, by us.
      const reason = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
      throw templateYamlError({ templatePath, document: i + 1, line, column: error.linePos?.[0].col, lineText: lineOf(text, line), reason, cause: error });
    }
    // An empty document, e.g. after a trailing `---`, parses as null (or a null scalar).
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    if (!isMap(doc.contents)) {
      const { line } = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      throw templateYamlError({ templatePath, document: i + 1, line, lineText: lineOf(text, line), reason: 'a Kubernetes object must be a mapping' });
    }
    objects.push(doc.toJS() as KubeObject);
  }
  return objects;
};

/**
 * Renders a docker-host template (nunjucks, then YAML) into Kubernetes objects. Variables: see
 * `templateVariables`; the `yamlEntries(indent)` filter emits a map such as `labels`. Throws
 * KUBE_TEMPLATE_NOT_FOUND, KUBE_TEMPLATE_RENDER or KUBE_TEMPLATE_YAML, each naming the file and line.
 */
export const renderHostTemplate = async ({ templatePath = shippedTemplate('default.yaml.njk'), context }: RenderHostTemplateRequest): Promise<RenderedTemplate> => {
  const path = resolve(templatePath);
  const source = await readTemplate(path);
  const text = await render(path, source, templateVariables(context));
  return { objects: parseObjects(text, path), hash: createHash('sha256').update(text).digest('hex').slice(0, 16), templatePath: path };
};
