// V8's compiled code for the CLI's own CommonJS bundles, kept between runs: compiling about 2 MB
// of JavaScript is most of a command's start-up, and Node 20 has no compile cache of its own
// (NODE_COMPILE_CACHE came in Node 22). V8 checks that a cache entry matches the source and its
// flags, and rejects it otherwise; a rejected or missing entry is written anew when the process
// exits, so it also holds the functions the command compiled lazily.
//   PREEVY_COMPILE_CACHE=<dir>   where entries go (default: $XDG_CACHE_HOME or ~/.cache, then preevy/compile-cache)
//   PREEVY_COMPILE_CACHE=off     compile from source every time
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const cacheDir = (env) => {
  const setting = env.PREEVY_COMPILE_CACHE;
  if (setting === 'off' || setting === '0') return undefined;
  if (setting) return setting;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'preevy', 'compile-cache');
};

const hash = (s) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The entry of one bundle, `<path hash>-<version hash>.v8`: its size, mtime and this Node's version name the build (V8 checks the rest). */
const entryOf = (dir, filename) => {
  const { size, mtimeMs } = statSync(filename);
  return { prefix: `${hash(filename)}-`, file: join(dir, `${hash(filename)}-${hash(`${size}\0${mtimeMs}\0${process.version}\0${process.arch}`)}.v8`) };
};

const readEntry = (file) => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

/** Written atomically (concurrent runs each write a whole entry); the same bundle's older builds go. */
const writeEntry = (dir, { prefix, file }, data) => {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
    for (const old of readdirSync(dir)) if (old.startsWith(prefix) && old.endsWith('.v8') && join(dir, old) !== file) rmSync(join(dir, old), { force: true });
  } catch {
    // A read-only or full disk: the next run compiles from source again, nothing else changes.
  }
};

/**
 * Requires `bundles` (absolute paths of CommonJS files) through Node's own loader, so each is one
 * module instance that `import` from an ES module also finds, compiling them with the cache.
 * Returns the first bundle's exports.
 */
export const requireWithCompileCache = (bundles, env = process.env) => {
  const dir = cacheDir(env);
  const cached = new Set(bundles);
  const compile = Module.prototype._compile;
  if (dir) {
    Module.prototype._compile = function compileWithCache(content, filename) {
      if (!cached.has(filename)) return compile.call(this, content, filename);
      const entry = entryOf(dir, filename);
      const cachedData = readEntry(entry.file);
      const script = new vm.Script(Module.wrap(content), { filename, cachedData });
      if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeEntry(dir, entry, script.createCachedData()));
      const fn = script.runInThisContext({ displayErrors: true });
      return fn.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
    };
  }
  try {
    return createRequire(import.meta.url)(bundles[0]);
  } finally {
    Module.prototype._compile = compile;
  }
};
