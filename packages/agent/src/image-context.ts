import { existsSync, readdirSync } from 'node:fs';
import { access, chmod, copyFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentError } from './errors.js';
import { workspaceAgentDir } from './workspace/workspace-agent-dir.js';

// Resolved from this module: src/ (tests, source condition) and dist/ (built) are siblings.
const packageFile = (rel: string) => fileURLToPath(new URL(`../${rel}`, import.meta.url));
const templateFile = (rel: string) => fileURLToPath(new URL(`../../../templates/agent/${rel}`, import.meta.url));

/** The single-file agent bundle written by `npm run bundle -w @preevy/agent`. */
export const agentBundlePath = (): string => packageFile('dist/agent.mjs');

export interface AgentImageContext {
  dockerfile: string;
  /**
   * Every file of the build context: `name` inside the context, `source` on disk. Core hashes
   * these (plus the base image) to tag the image, so an unchanged agent is never rebuilt.
   */
  files: readonly { name: string; source: string }[];
}

/** The agent image's inputs: Dockerfile, the bundle and the `preevy-agent` wrapper. */
export const agentImageContext = (): AgentImageContext => {
  const dockerfile = templateFile('Dockerfile');
  return {
    dockerfile,
    files: [
      { name: 'Dockerfile', source: dockerfile },
      { name: 'agent.mjs', source: agentBundlePath() },
      { name: 'preevy-agent', source: templateFile('preevy-agent') },
    ],
  };
};

/**
 * The workspace runtime image's inputs (templates/workspace/Dockerfile): Node.js and its libraries
 * come from the base image; the staged workspace agent folder (bundle and node-pty) from here.
 */
export const workspaceRuntimeContext = (): AgentImageContext => {
  const dockerfile = templateFile('../workspace/Dockerfile');
  const staged = workspaceAgentDir();
  if (!existsSync(join(staged, 'agent.mjs'))) {
    throw new AgentError(`the workspace agent folder ${staged} is missing`, {
      code: 'AGENT_BUNDLE_MISSING',
      suggestions: ['Build the agent bundle: `npm run bundle -w @preevy/agent`.'],
    });
  }
  const files = readdirSync(staged, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((source) => ({ name: `workspace-agent/${relative(staged, source)}`, source }));
  return { dockerfile, files: [{ name: 'Dockerfile', source: dockerfile }, ...files] };
};

/**
 * Copies the image context into `dir` (created if needed) for `docker build <dir>`, and returns
 * it. Fails with a remedy when the bundle was not built.
 */
export const stageAgentImageContext = async (dir: string, context: AgentImageContext = agentImageContext()): Promise<string> => {
  for (const { source } of context.files) {
    await access(source).catch((err: unknown) => {
      throw new AgentError(`agent image input ${source} is missing`, {
        code: 'AGENT_BUNDLE_MISSING',
        suggestions: ['Build the agent bundle: `npm run bundle -w @preevy/agent`.'],
        cause: err,
      });
    });
  }
  await mkdir(dir, { recursive: true });
  for (const { name, source } of context.files) {
    await copyFile(source, join(dir, name));
    // Fixed modes: the legacy builder copies them into the image, and they must not vary by checkout.
    await chmod(join(dir, name), name === 'preevy-agent' ? 0o755 : 0o644);
  }
  return dir;
};
