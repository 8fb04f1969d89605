// The GitHub Action's logic: reads the action inputs (INPUT_* variables), runs the preevy CLI,
// and writes GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Plain Node (no build step) so the composite
// action runs it straight from the checkout; the test runs it exactly the same way.
import { spawn } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const lines = (text) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

// `preevy` from PATH, or PREEVY_BIN (a built bin/run.js) when the action installs from this repo.
const preevyCommand = () => (process.env.PREEVY_BIN ? [process.execPath, process.env.PREEVY_BIN] : ['preevy']);

/** Runs preevy with stdout captured (JSON) and stderr shown live, so suggestions reach the log. */
const runPreevy = (args, env) =>
  new Promise((resolve) => {
    const [cmd, ...pre] = preevyCommand();
    const child = spawn(cmd, [...pre, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.on('error', (err) => resolve({ code: 127, stdout: '', spawnError: err }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });

// `env` input: NAME=value lines for compose interpolation. Values are never printed.
const parseEnvInput = (text) => {
  const vars = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    // Only the line number: the line itself may be a secret.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`env: line ${i + 1} is not NAME=value; write one NAME=value per line`);
    vars[name] = line.slice(eq + 1);
  });
  return vars;
};

// Multi-line-safe GITHUB_OUTPUT entry (the delimiter form GitHub documents for any value).
const output = async (name, value) => {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  const delimiter = `preevy_${Math.random().toString(36).slice(2)}`;
  await appendFile(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
};
const summary = async (text) => {
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, text);
};

/** Prints the CLI's JSON error as a workflow error annotation and returns its exit code. */
const failFrom = (what, result) => {
  let message = `preevy ${what} failed with exit code ${result.code}`;
  try {
    const { error } = JSON.parse(result.stdout);
    message = `preevy ${what} failed: ${error.message} [${error.code}]${error.suggestions?.length ? `\n${error.suggestions.map((s) => `- ${s}`).join('\n')}` : ''}`;
  } catch {
    // Not JSON (e.g. the CLI did not start): the generic message and stderr above say it.
  }
  if (result.spawnError) message = `Cannot run preevy (${result.spawnError.message}): set install, or put preevy on PATH`;
  // Workflow commands take one line: newlines are %0A-encoded.
  process.stdout.write(`::error title=preevy ${what}::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`);
  return result.code === 0 ? 1 : result.code;
};

const commonArgs = () => {
  const args = [];
  if (input('profile')) args.push('--profile', input('profile'));
  for (const f of lines(input('compose_files'))) args.push('-f', f);
  if (input('driver')) args.push('--driver', input('driver'));
  // `args` is split on whitespace: extra flags, e.g. `--id my-env --log-level debug`.
  args.push(...input('args').split(/\s+/).filter(Boolean));
  return args;
};

const isPullRequest = () => ['pull_request', 'pull_request_target'].includes(process.env.GITHUB_EVENT_NAME ?? '');
const wantComment = () => input('comment') !== 'false' && isPullRequest();

const githubEnv = (env) => ({ ...env, GITHUB_TOKEN: input('github_token') || env.GITHUB_TOKEN || '' });

const commentArgs = () => (input('comment_template') ? ['--comment-template', input('comment_template')] : []);

const up = async (env) => {
  const result = await runPreevy(['up', '--json', ...commonArgs()], env);
  if (result.code !== 0) return failFrom('up', result);
  const res = JSON.parse(result.stdout);
  const map = Object.fromEntries(res.urls.map((u) => [`${u.service}/${u.port}`, u.url]));
  const urlsFile = join(process.env.RUNNER_TEMP || process.cwd(), `preevy-urls-${res.envId}.json`);
  await writeFile(urlsFile, `${JSON.stringify(res, null, 2)}\n`);
  await output('env-id', res.envId);
  await output('urls-json', JSON.stringify(res.urls));
  await output('urls-map', JSON.stringify(map));
  await output('urls-file', urlsFile);
  await summary(`### Preview environment \`${res.envId}\`\n\n| Service | Port | URL |\n|---|---|---|\n${res.urls.map((u) => `| ${u.service} | ${u.port} | ${u.url}${u.access === 'private' ? ' (private)' : ''} |`).join('\n')}\n`);
  if (res.urls.length === 0) {
    process.stdout.write('::error title=preevy up::The environment has no URLs: publish at least one port in the compose file\n');
    return 1;
  }
  if (wantComment()) {
    const extra = input('deployment_service') ? ['--deployment-service', input('deployment_service')] : [];
    const c = await runPreevy(['github', 'pr', 'comment', '--json', '--up-json', urlsFile, ...commentArgs(), ...extra], githubEnv(env));
    if (c.code !== 0) return failFrom('github pr comment', c);
  }
  return 0;
};

const down = async (env) => {
  const result = await runPreevy(['down', '--json', ...commonArgs()], env);
  if (result.code !== 0) return failFrom('down', result);
  const res = JSON.parse(result.stdout);
  await output('env-id', res.envId);
  await summary(`### Preview environment \`${res.envId}\` ${res.existed ? 'removed' : 'was already gone'}\n`);
  if (wantComment()) {
    const c = await runPreevy(['github', 'pr', 'uncomment', '--json', '--id', res.envId, ...commentArgs()], githubEnv(env));
    if (c.code !== 0) return failFrom('github pr uncomment', c);
  }
  return 0;
};

// Scheduled cleanup: environments whose last up is older than `older-than` (a down that never ran).
const purge = async (env) => {
  const args = ['purge', '--json', '--older-than', input('older_than') || '7d'];
  if (input('profile')) args.push('--profile', input('profile'));
  if (input('driver')) args.push('--driver', input('driver'));
  args.push(...input('args').split(/\s+/).filter(Boolean));
  const result = await runPreevy(args, env);
  let res;
  try {
    res = JSON.parse(result.stdout);
  } catch {
    return failFrom('purge', result);
  }
  // Exit 6 with a result: some environments could not be removed; each is its own annotation.
  if (!Array.isArray(res.removed)) return failFrom('purge', result);
  await output('purged-json', JSON.stringify(res.removed));
  const rows = [...res.removed.map((e) => `| ${e.envId} | ${e.driver} | ${e.lastUpAt ?? ''} | ${res.dryRun ? 'would be removed' : 'removed'} |`), ...res.failed.map((e) => `| ${e.envId} | ${e.driver} | ${e.lastUpAt ?? ''} | failed: ${e.error.code} |`)];
  await summary(`### Stale previews (last up before ${res.cutoff})\n\n${rows.length ? `| Env id | Driver | Last up | Result |\n|---|---|---|---|\n${rows.join('\n')}\n` : 'None.\n'}`);
  for (const e of res.failed) process.stdout.write(`::error title=preevy purge::${e.envId}: ${e.error.message} [${e.error.code}]\n`);
  return result.code;
};

const MODES = { up, down, purge };

const main = async () => {
  const mode = input('mode');
  if (!Object.hasOwn(MODES, mode)) {
    process.stdout.write(`::error title=preevy::mode must be "up", "down" or "purge", got ${JSON.stringify(mode)}\n`);
    return 2;
  }
  let vars;
  try {
    vars = parseEnvInput(input('env'));
  } catch (err) {
    process.stdout.write(`::error title=preevy::${err.message}\n`);
    return 2;
  }
  const env = { ...process.env, ...vars };
  return MODES[mode](env);
};

// Read once so an unreadable event file fails here with its path, not deep inside the CLI.
if (process.env.GITHUB_EVENT_PATH) await readFile(process.env.GITHUB_EVENT_PATH, 'utf8');
process.exitCode = await main();
