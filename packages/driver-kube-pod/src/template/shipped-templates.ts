import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repo's templates/kube-pod, found upwards from this module: it runs from src/template/ (tests),
 * dist/template/ (tsc) and dist/bundle.mjs (what the CLI loads), each a different depth below it.
 */
const templatesDir = (): string => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'kube-pod');
    if (existsSync(join(candidate, 'default.yaml.njk'))) return candidate;
    if (dirname(dir) === dir) return join(start, 'templates', 'kube-pod'); // not found: the error names this path
  }
};

/** The templates shipped in templates/kube-pod, looked up when asked for (nothing is read at import). */
export type ShippedTemplate = 'default.yaml.njk' | 'rootless-sysbox.yaml.njk';

/** `default.yaml.njk`: the privileged dind Deployment used when the `template` option is unset; `rootless-sysbox.yaml.njk`: without a privileged container, for clusters running Sysbox. */
export const shippedTemplate = (name: ShippedTemplate): string => join(templatesDir(), name);
