// `node --import ./import-recorder.mjs …`: appends every module URL the process resolves to the
// file named by PREEVY_TEST_IMPORTS_FILE, so a test can tell which packages a command loaded: ES
// module imports through a resolve hook, and require() (the CLI's CommonJS bundles) through the
// CommonJS resolver.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const file = process.env.PREEVY_TEST_IMPORTS_FILE;
if (file) {
  const hook = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(${JSON.stringify(file)}, resolved.url + '\\n');
      return resolved;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function recordResolved(...args) {
    const resolved = resolveFilename.apply(this, args);
    if (isAbsolute(resolved)) appendFileSync(file, `${pathToFileURL(resolved).href}\n`);
    return resolved;
  };
}
