import { parseAgentState, type AgentState } from '@preevy/tunnel-protocol';
import { LABELS } from '../labels.js';
import type { ProcessRunner, RunOptions } from '../process/process-runner.js';

export type AgentStateReading = AgentState | { error: string };

export type DockerCli = (args: readonly string[], options?: Pick<RunOptions, 'input' | 'timeoutMs'>) => ReturnType<ProcessRunner>;

/** A docker CLI bound to one engine (DOCKER_HOST), so every call goes to the environment's host. */
export const dockerCli = (run: ProcessRunner, dockerHost: string | undefined, cwd?: string): DockerCli => (args, options = {}) =>
  run('docker', args, { ...options, env: { ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) }, ...(cwd ? { cwd } : {}) });

/** The agent's state, read through `docker exec` (its endpoint is inside its own network namespace). */
export const readAgentState = async (docker: DockerCli, envId: string): Promise<AgentStateReading> => {
  const ps = await docker(['ps', '-q', '--filter', `label=${LABELS.envId}=${envId}`, '--filter', `label=${LABELS.agent}=true`]);
  const id = ps.stdout.trim().split('\n')[0];
  if (ps.exitCode !== 0 || !id) return { error: 'the agent container is not running' };
  const res = await docker(['exec', id, 'preevy-agent', 'state']);
  if (res.exitCode !== 0) return { error: res.stderr.trim() || `preevy-agent state exited ${res.exitCode}` };
  try {
    return parseAgentState(res.stdout);
  } catch (err) {
    return { error: (err as Error).message };
  }
};
