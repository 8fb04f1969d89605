import { request } from 'node:http';
import { AGENT_SERVICE, AGENT_STATE_FILE, LABELS, parseAgentState, type AgentState } from '@preevy/tunnel-protocol';
import { dockerEnv } from '../driver/docker-host-driver.js';
import type { ProcessRunner, RunOptions } from '../process/process-runner.js';
import { tarFirstFile } from '../sync/tar-first-file.js';

export type DockerCli = (args: readonly string[], options?: Pick<RunOptions, 'input' | 'timeoutMs'>) => ReturnType<ProcessRunner>;

export type AgentStateReading = AgentState | { error: string };

/** A docker CLI bound to one engine (DOCKER_HOST), so every call goes to the environment's host. */
export const dockerCli = (run: ProcessRunner, dockerHost: string | undefined, cwd?: string): DockerCli => (args, options = {}) =>
  run('docker', args, { ...options, env: dockerEnv({ dockerHost }), ...(cwd ? { cwd } : {}) });

const execState = async (docker: DockerCli, container: string): Promise<AgentStateReading> => {
  const res = await docker(['exec', container, 'preevy-agent', 'state']);
  if (res.exitCode !== 0) return { error: res.stderr.trim() || `preevy-agent state exited ${res.exitCode}` };
  try {
    return parseAgentState(res.stdout);
  } catch (err) {
    return { error: (err as Error).message };
  }
};

/** The state file the agent keeps, copied out with one plain API call; undefined when it cannot be read. */
const copyState = async (docker: DockerCli, container: string): Promise<AgentState | undefined> => {
  const res = await docker(['cp', `${container}:${AGENT_STATE_FILE}`, '-']);
  if (res.exitCode !== 0) return undefined;
  // A tar of ASCII headers and the JSON the agent wrote: the decoded text encodes back to the same bytes.
  const file = tarFirstFile(Buffer.from(res.stdout, 'utf8'));
  try {
    return file ? parseAgentState(file.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
};

/** The name compose gives the agent's container in `project`. */
export const agentContainerName = (project: string): string => `${project}-${AGENT_SERVICE}-1`;

/**
 * The agent's state (its endpoint is inside its own network namespace). With the compose project,
 * the container is tried by the name compose gives it: its state file by `docker cp`, then
 * `docker exec` (an agent image without the file). Else, or when both fail, found by its labels.
 */
export const readAgentState = async (docker: DockerCli, envId: string, project?: string): Promise<AgentStateReading> => {
  if (project !== undefined) {
    const copied = await copyState(docker, agentContainerName(project));
    if (copied?.envId === envId) return copied;
    const byName = await execState(docker, agentContainerName(project));
    if (!('error' in byName) && byName.envId === envId) return byName;
  }
  const ps = await docker(['ps', '-q', '--filter', `label=${LABELS.envId}=${envId}`, '--filter', `label=${LABELS.agent}=true`]);
  const id = ps.stdout.trim().split('\n')[0];
  if (ps.exitCode !== 0 || !id) return { error: 'the agent container is not running' };
  return execState(docker, id);
};

/** `GET /state` on this machine's loopback; undefined when nothing (or not an agent) answers. */
export const fetchLoopbackAgentState = (port: number, timeoutMs = 1_000): Promise<AgentState | undefined> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/state', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? parseAgentState(Buffer.concat(chunks).toString('utf8')) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy()).on('error', () => resolve(undefined)).end();
  });

/**
 * How `up` reads the agent's state. An agent on the host network of this machine's own engine
 * listens on this machine's loopback: one local HTTP request, instead of `docker ps` plus a
 * `docker exec` that starts Node.js in the container (about 0.2 s a reading). The answer counts
 * only when it names our environment (the port is spread by env id, not reserved); anything else
 * (another netns, as with Docker Desktop's VM, a stranger on the port) falls back to `docker exec`.
 */
export const agentStateReader =
  ({ docker, envId, project, loopbackPort, fetchLoopback = fetchLoopbackAgentState }: { docker: DockerCli; envId: string; project?: string; loopbackPort?: number | undefined; fetchLoopback?: typeof fetchLoopbackAgentState }) =>
  async (): Promise<AgentStateReading> => {
    if (loopbackPort !== undefined) {
      const state = await fetchLoopback(loopbackPort);
      if (state?.envId === envId) return state;
    }
    return readAgentState(docker, envId, project);
  };
