import type { DockerConnection } from '../driver/docker-host-driver.js';
import { PreevyError } from '../errors/preevy-error.js';
import type { WorkspaceRecord } from '../profiles/profile-schema.js';
import { execFileRunner, type ProcessRunner } from '../process/process-runner.js';
import type { IdleStopState } from '@preevy/tunnel-protocol';
import { dockerCli, readAgentState } from '../up/agent-state-reader.js';
import { workspaceIds } from './workspace-names.js';

export interface WorkspaceStatus {
  /** The container's state as its host reports it (`running`, `exited`, …), `missing` when it is gone. */
  state: string;
  /** The idle policy and the last activity, as the agent beside the workspace enforces them. */
  idleStop?: IdleStopState | undefined;
}

/** What `workspace ls` shows of one workspace: its container's state and its idle watch. */
export const workspaceStatus = async (ws: Pick<WorkspaceRecord, 'containerId' | 'name' | 'idleTimeoutSeconds'>, conn: Pick<DockerConnection, 'dockerHost'>, run: ProcessRunner = execFileRunner): Promise<WorkspaceStatus> => {
  const docker = dockerCli(run, conn.dockerHost);
  const { envId } = workspaceIds(ws.name);
  const [inspected, agent] = await Promise.all([
    docker(['inspect', '--format', '{{.State.Status}}', ws.containerId]),
    ws.idleTimeoutSeconds ? readAgentState(docker, envId, envId) : undefined,
  ]);
  return { state: inspected.exitCode === 0 ? inspected.stdout.trim() : 'missing', idleStop: agent && !('error' in agent) ? agent.idleStop : undefined };
};

/** Stops the workspace container (its volume and the container stay). */
export const stopWorkspace = async (ws: Pick<WorkspaceRecord, 'containerId' | 'name'>, conn: Pick<DockerConnection, 'dockerHost'>, run: ProcessRunner = execFileRunner): Promise<void> => {
  const res = await dockerCli(run, conn.dockerHost)(['stop', '--time', '10', ws.containerId]);
  if (res.exitCode !== 0) {
    throw new PreevyError(`Could not stop workspace ${ws.name}: ${res.stderr.trim()}`, { code: 'WORKSPACE_STOP_FAILED', kind: 'unavailable', suggestions: ['`preevy workspace up` remakes a container that is gone.'] });
  }
};
