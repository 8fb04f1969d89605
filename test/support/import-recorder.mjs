// `node --import ./import-recorder.mjs …`: appends every module URL the process resolves to the
// file named by PREEVY_TEST_IMPORTS_FILE, so a test can tell which packages a command loaded.
import { register } from 'node:module';

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
}
